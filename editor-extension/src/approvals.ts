/**
 * Command (and network) approvals as VS Code notifications: "Tandem wants to run: <command>" with
 * Accept / Accept for session / [Always allow `prefix …`] / Decline / Cancel turn (a modal dialog when `tandem.approvals.modal`
 * is set). The same request is shown in the chat panel (chat.ts presenter); whichever answers
 * first wins (approvalBroker.ts). VS Code cannot take a notification back: when the panel answers
 * first, or the server withdraws the request, a later click on the notification is ignored.
 * File-change approvals are reviewed in the diff editor instead (proposals.ts).
 */
import * as vscode from "vscode";
import type { ApprovalPresenter, PendingApproval } from "./approvalBroker";
import type { RequestApprovalParams, RequestApprovalResult, ApprovalDecision } from "./shared/protocolTypes";

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

/**
 * The notification presenter.
 *
 * @param modal read at each request (`tandem.approvals.modal`). A dismissed modal dialog declines;
 *   a dismissed notification leaves the request to the chat panel.
 */
export function notificationPresenter(modal: () => boolean): ApprovalPresenter {
  const open = new Set<string>();
  const settled = new Set<string>();
  return {
    show: async ({ requestId, params }: PendingApproval): Promise<RequestApprovalResult | undefined> => {
      if (params.kind === "fileChange") return undefined;
      const { message, detail } = approvalText(params);
      const isModal = modal();
      const text = isModal || !detail ? message : `${message} — ${detail.replace(/\n/g, "; ")}`;
      const buttons = approvalButtons(params);
      open.add(requestId);
      const choice = await vscode.window
        .showWarningMessage(text, { modal: isModal, detail: isModal ? detail : undefined }, ...buttons.map((b) => b.title))
        .then((c) => (open.delete(requestId), c), (e: unknown) => (open.delete(requestId), Promise.reject(e)));
      const button = buttons.find((b) => b.title === choice);
      if (settled.delete(requestId)) {
        // Answered in the chat (or withdrawn) while this notification was up: VS Code cannot take
        // a notification back, so say why the click does nothing.
        if (button) void vscode.window.showInformationMessage("Tandem: that request was already answered or withdrawn.");
        return undefined;
      }
      if (button) return { decision: button.decision };
      return isModal ? { decision: "decline" } : undefined;
    },
    dismiss: (requestId) => {
      if (open.has(requestId)) settled.add(requestId);
    },
  };
}
