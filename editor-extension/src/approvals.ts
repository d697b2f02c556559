/**
 * Command (and network) approvals outside the chat panel. Where the user is looking decides the
 * surface (the same request is always in the chat as a card, chat.ts presenter; the first answer
 * wins, approvalBroker.ts):
 *
 * - **The chat panel is visible:** no notification — the card in the chat is the prompt.
 * - **The panel is hidden:** a notification "Tandem wants to run `cmd`: Accept · Accept for
 *   session · [Always allow `prefix …`] · Decline · Cancel turn · Open chat", whose choices are
 *   command links (`tandem.answerApproval`). It is a progress notification, the one kind VS Code
 *   lets an extension close: it closes as soon as the request is answered anywhere (the chat card,
 *   another window of the review, the server withdrawing it), and when the panel becomes visible
 *   (the card takes over). Hiding the panel again brings it back while the request is pending.
 * - **`tandem.approvals.modal`:** a modal dialog with buttons (it cannot be missed, so it is shown
 *   whatever the panel does; a click after the request was answered elsewhere is ignored).
 *
 * File-change approvals are reviewed in the diff editor instead (proposals.ts).
 */
import * as vscode from "vscode";
import type { ApprovalPresenter, PendingApproval } from "./approvalBroker";
import type { DisposableLike } from "./rpc/connection";
import type { RequestApprovalParams, RequestApprovalResult, ApprovalDecision } from "./shared/protocolTypes";

/** The hidden command the notification's links run: `tandem.answerApproval(requestId, decision)`. */
export const ANSWER_APPROVAL_COMMAND = "tandem.answerApproval";

/**
 * Button labels and the decisions they send, in the order shown. A request that carries a
 * `prefixRule` (an argv prefix the model proposes to allow from now on) also offers
 * "Always allow `<prefix> …`" -> `acceptWithPrefixRule` (the same wording as the server's
 * `window/showMessageRequest` fallback, server/tandem/lsp/editor.py).
 */
export function approvalButtons(params: RequestApprovalParams): { title: string; decision: ApprovalDecision }[] {
  if (params.mcp) {  // an MCP tool: only what the server offers ("Always allow" writes approval_mode = "approve")
    const titles: Partial<Record<ApprovalDecision, string>> = {
      accept: "Accept", acceptForSession: "Accept for session", acceptAlways: "Always allow this tool",
      decline: "Decline", cancel: "Cancel turn",
    };
    return (params.mcp.decisions ?? ["accept", "decline", "cancel"])
      .flatMap((decision) => (titles[decision] ? [{ title: titles[decision] ?? decision, decision }] : []));
  }
  const buttons: { title: string; decision: ApprovalDecision }[] = [
    { title: "Accept", decision: "accept" },
    { title: "Accept for session", decision: "acceptForSession" },
  ];
  if (params.prefixRule?.length) {
    buttons.push({ title: `Always allow \`${params.prefixRule.join(" ")} …\``, decision: "acceptWithPrefixRule" });
  }
  buttons.push({ title: "Decline", decision: "decline" }, { title: "Cancel turn", decision: "cancel" });
  return buttons;
}

/** The notification's message and detail for a request (`command`/`network` kinds). */
export function approvalText(params: RequestApprovalParams): { message: string; detail: string } {
  if (params.mcp) {
    const reason = params.reason ?? `Run ${params.mcp.server}/${params.mcp.tool}?`;
    return { message: `Tandem: ${reason}`, detail: `${params.mcp.server}/${params.mcp.tool} ${JSON.stringify(params.mcp.arguments ?? {})}` };
  }
  const what = params.kind === "network" ? "needs network access" : "wants to run";
  const message = `Tandem ${what}: ${params.command ?? "(no command)"}`;
  const detail = [params.reason ? `Reason: ${params.reason}` : "", params.cwd ? `In: ${params.cwd}` : ""]
    .filter(Boolean)
    .join("\n");
  return { message, detail };
}

/** A `command:` link that answers `requestId` with `decision`. */
export function answerLink(requestId: string, decision: ApprovalDecision): string {
  return `command:${ANSWER_APPROVAL_COMMAND}?${encodeURIComponent(JSON.stringify([requestId, decision]))}`;
}

/**
 * The closable prompt's text: the request, then each choice as a link (markdown, as VS Code's
 * notifications render it), then "Open chat".
 */
export function promptText(requestId: string, params: RequestApprovalParams): { title: string; message: string } {
  const what = params.kind === "network" ? "needs network access for" : "wants to run";
  const reason = params.reason ? ` (${params.reason.replace(/[[\]]/g, "")})` : "";
  const links = approvalButtons(params).map((b) => `[${b.title.replace(/[[\]]/g, "")}](${answerLink(requestId, b.decision)})`);
  links.push("[Open chat](command:tandem.openChat)");
  return { title: `Tandem ${what} “${params.command ?? "(no command)"}”${reason}`, message: links.join(" · ") };
}

/** Whether the chat panel is on screen, and when that changes (chatPanel.ts). */
export interface PanelVisibility {
  visible(): boolean;
  onDidChangeVisibility(listener: (visible: boolean) => void): DisposableLike;
}

/** Where a command approval is being asked right now. */
export type PromptSurface = "chatCard" | "notification" | "modal";

/** The notification presenter; dispose it to stop following the panel's visibility. */
export interface NotificationPresenter extends ApprovalPresenter, DisposableLike {
  /** Where request `requestId` is asked outside the chat card (for tests and the extension API). */
  surface(requestId: string): PromptSurface | null;
}

/**
 * The notification presenter.
 *
 * @param modal read at each request (`tandem.approvals.modal`). A dismissed modal dialog declines.
 * @param panel the chat panel's visibility: no notification while it is visible.
 */
export function notificationPresenter(modal: () => boolean, panel: PanelVisibility): NotificationPresenter {
  /** Command approvals not answered yet (shown as a notification whenever the panel is hidden). */
  const waiting = new Map<string, RequestApprovalParams>();
  /** Open closable notifications: how to close each. */
  const open = new Map<string, () => void>();
  const modalOpen = new Set<string>();
  const settled = new Set<string>();

  const close = (requestId: string): void => open.get(requestId)?.();

  const notify = (requestId: string, params: RequestApprovalParams): void => {
    if (open.has(requestId)) return;
    const { title, message } = promptText(requestId, params);
    let finish: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (finish = resolve));
    open.set(requestId, () => {
      open.delete(requestId);
      finish();
    });
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, (progress) => {
      progress.report({ message });
      return closed;
    });
  };

  const visibility = panel.onDidChangeVisibility((visible) => {
    if (visible) for (const id of [...open.keys()]) close(id); // the card is on screen now
    else for (const [id, params] of waiting) notify(id, params);
  });

  const showModal = async (requestId: string, params: RequestApprovalParams): Promise<RequestApprovalResult | undefined> => {
    const { message, detail } = approvalText(params);
    const buttons = approvalButtons(params);
    modalOpen.add(requestId);
    const choice = await vscode.window
      .showWarningMessage(message, { modal: true, detail }, ...buttons.map((b) => b.title))
      .then((c) => (modalOpen.delete(requestId), c), (e: unknown) => (modalOpen.delete(requestId), Promise.reject(e)));
    const button = buttons.find((b) => b.title === choice);
    if (settled.delete(requestId)) {
      // Answered in the chat (or withdrawn) while the dialog was up: the click does nothing.
      if (button) void vscode.window.showInformationMessage("Tandem: that request was already answered or withdrawn.");
      return undefined;
    }
    return button ? { decision: button.decision } : { decision: "decline" };
  };

  return {
    show: ({ requestId, params }: PendingApproval): Promise<RequestApprovalResult | undefined> | undefined => {
      if (params.kind === "fileChange") return undefined;
      if (modal()) return showModal(requestId, params);
      waiting.set(requestId, params);
      if (!panel.visible()) notify(requestId, params);
      return undefined; // answered through the links (tandem.answerApproval) or the chat card
    },
    dismiss: (requestId) => {
      waiting.delete(requestId);
      close(requestId);
      if (modalOpen.has(requestId)) settled.add(requestId);
    },
    surface: (requestId) => {
      if (modalOpen.has(requestId)) return "modal";
      if (open.has(requestId)) return "notification";
      return waiting.has(requestId) ? "chatCard" : null;
    },
    dispose: () => {
      visibility.dispose();
      for (const id of [...open.keys()]) close(id);
      waiting.clear();
    },
  };
}
