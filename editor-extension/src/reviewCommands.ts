/**
 * The review commands (keybindings, the status-bar navigator, the editor title, the palette):
 * keep / undo the current hunk, the file, everything; next / previous hunk. They act on what the
 * active editor shows:
 *
 * - a proposal (`tandem-proposal:` document of a pending file-change approval, proposals.ts): keep =
 *   accept the hunk (file) in the review, undo = reject it; Keep All applies the review as the
 *   diff shows it, Undo All rejects the proposal; next / previous go to the diff's next change;
 * - any other editor: the applied changes' inline diff (inlineDiff.ts) — keep marks hunks
 *   reviewed, undo reverts them.
 */
import * as vscode from "vscode";
import type { InlineDiff } from "./inlineDiff";
import { PROPOSAL_SCHEME, type ProposalManager } from "./proposals";
import { errorMessage } from "./rpc/connection";

/** Command ids (bound by keybindings in package.json; the names are fixed). */
export const REVIEW_COMMANDS = {
  keepHunk: "tandem.keepHunk",
  undoHunk: "tandem.undoHunk",
  nextHunk: "tandem.nextHunk",
  previousHunk: "tandem.previousHunk",
  keepFile: "tandem.keepFile",
  undoFile: "tandem.undoFile",
  keepAll: "tandem.keepAll",
  undoAll: "tandem.undoAll",
} as const;

/** The pending proposal the active editor shows, if any. */
function activeProposal(proposals: ProposalManager): { editor: vscode.TextEditor; requestId: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.uri.scheme !== PROPOSAL_SCHEME) return undefined;
  const requestId = proposals.requestOf(editor.document.uri);
  return requestId ? { editor, requestId } : undefined;
}

/** Register the eight review commands. */
export function registerReviewCommands(deps: { proposals: ProposalManager; inline: InlineDiff }): vscode.Disposable[] {
  const { proposals, inline } = deps;
  const hunk = (keep: boolean) => async () => {
    const open = activeProposal(proposals);
    if (!open) return inline.reviewHunk(keep ? "keep" : "undo");
    const at = await proposals.hunkAt(open.editor.document.uri, open.editor.selection.active.line);
    return at ? proposals.decide(at.requestId, at.hunkId, keep ? "accepted" : "rejected") : false;
  };
  const file = (keep: boolean) => async () => {
    const open = activeProposal(proposals);
    if (!open) return inline.reviewFile(keep ? "keep" : "undo");
    return proposals.decideFile(open.editor.document.uri, keep ? "accepted" : "rejected");
  };
  const all = (keep: boolean) => async () => {
    const open = activeProposal(proposals);
    if (!open) return inline.reviewAll(keep ? "keep" : "undo");
    return keep ? proposals.applyAccepted(open.requestId) : proposals.rejectAll(open.requestId);
  };
  const go = (direction: "next" | "previous") => async () => {
    if (activeProposal(proposals)) {
      await vscode.commands.executeCommand(direction === "next" ? "workbench.action.compareEditor.nextChange" : "workbench.action.compareEditor.previousChange");
      return true;
    }
    return inline.go(direction);
  };
  const register = (id: string, fn: () => Promise<boolean>) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        return await fn();
      } catch (error) {
        void vscode.window.showErrorMessage(`Tandem: ${errorMessage(error)}`);
        return false;
      }
    });
  return [
    register(REVIEW_COMMANDS.keepHunk, hunk(true)),
    register(REVIEW_COMMANDS.undoHunk, hunk(false)),
    register(REVIEW_COMMANDS.keepFile, file(true)),
    register(REVIEW_COMMANDS.undoFile, file(false)),
    register(REVIEW_COMMANDS.keepAll, all(true)),
    register(REVIEW_COMMANDS.undoAll, all(false)),
    register(REVIEW_COMMANDS.nextHunk, go("next")),
    register(REVIEW_COMMANDS.previousHunk, go("previous")),
  ];
}
