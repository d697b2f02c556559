/**
 * Command (and network) approvals as VS Code notifications: "Tandem wants to run: <command>" with
 * Accept / Accept for session / Decline / Cancel turn (a modal dialog when `tandem.approvals.modal`
 * is set). The same request is shown in the chat panel (chat.ts presenter); whichever answers
 * first wins (approvalBroker.ts). VS Code cannot take a notification back: when the panel answers
 * first, or the server withdraws the request, a later click on the notification is ignored.
 * File-change approvals are reviewed in the diff editor instead (proposals.ts).
 */
import * as vscode from "vscode";
import type { ApprovalPresenter, PendingApproval } from "./approvalBroker";
import type { RequestApprovalParams, RequestApprovalResult, ReviewDecision } from "./shared/protocolTypes";

/** Button labels and the decisions they send (the order shown). */
export const APPROVAL_BUTTONS: readonly { title: string; decision: ReviewDecision }[] = [
  { title: "Accept", decision: "accept" },
  { title: "Accept for session", decision: "acceptForSession" },
  { title: "Decline", decision: "decline" },
  { title: "Cancel turn", decision: "cancel" },
];

/** The notification's message and detail for a request (`command`/`network` kinds). */
export function approvalText(params: RequestApprovalParams): { message: string; detail: string } {
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
  return {
    show: async ({ params }: PendingApproval): Promise<RequestApprovalResult | undefined> => {
      if (params.kind === "fileChange") return undefined;
      const { message, detail } = approvalText(params);
      const isModal = modal();
      const text = isModal || !detail ? message : `${message} — ${detail.replace(/\n/g, "; ")}`;
      const titles = APPROVAL_BUTTONS.map((b) => b.title);
      const choice = await vscode.window.showWarningMessage(text, { modal: isModal, detail: isModal ? detail : undefined }, ...titles);
      const button = APPROVAL_BUTTONS.find((b) => b.title === choice);
      if (button) return { decision: button.decision };
      return isModal ? { decision: "decline" } : undefined;
    },
    dismiss: () => undefined,
  };
}
