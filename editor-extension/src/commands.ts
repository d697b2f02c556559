/**
 * Palette commands (`contributes.commands` in package.json). Ids never reuse the server's own
 * command ids (`tandem.ask`, `tandem.acceptHunk`, `tandem.acceptChange`, `tandem.undo`, ...),
 * which vscode-languageclient registers for the server's code actions and lenses.
 */
import * as vscode from "vscode";
import type { ApprovalBroker } from "./approvalBroker";
import type { ChatController } from "./chat";
import { SERVER_COMMANDS } from "./protocol/methods";
import type { TandemRpc } from "./rpc/connection";
import { errorMessage } from "./rpc/connection";
import type { Mention } from "./shared/webviewMessages";
import type { ThreadStore } from "./threads";
import { pickThread } from "./threadPicker";

export { threadPickItem } from "./threadPicker";

export const COMMANDS = {
  openChat: "tandem.openChat",
  newThread: "tandem.newThread",
  resumeThread: "tandem.resumeThread",
  forkThread: "tandem.forkThread",
  interruptTurn: "tandem.interruptTurn",
  undoLastTurn: "tandem.undoLastTurn",
  redoLastUndo: "tandem.redoLastUndo",
  acceptChange: "tandem.acceptPendingChange",
  rejectChange: "tandem.rejectPendingChange",
  inlineAsk: "tandem.inlineAsk",
  restartServer: "tandem.restartServer",
  showLogs: "tandem.showLogs",
  addSelectionToChat: "tandem.addSelectionToChat",
} as const;

export interface CommandDeps {
  rpc: TandemRpc;
  store: ThreadStore;
  broker: ApprovalBroker;
  controller: ChatController;
  revealChat: () => Promise<void>;
  insertIntoChat: (mention: Mention) => void;
  /** Inline ask; `prompt` skips the input box (keybindings and tests can pass one). */
  inlineAsk: (prompt?: string) => Promise<void>;
  restart: () => Promise<void>;
  showLogs: () => void;
  /** Answer a pending file-change approval with what its review shows ("Apply accepted"). */
  applyProposal: (requestId: string) => Promise<boolean>;
}

/**
 * The mention for an editor selection: workspace-relative path, 1-based lines (a selection ending
 * at column 0 of a later line does not include that line).
 */
export function selectionMention(
  path: string,
  selection: { isEmpty: boolean; start: { line: number }; end: { line: number; character: number } },
): Mention {
  if (selection.isEmpty) return { path };
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line : selection.end.line + 1;
  return { path, startLine: selection.start.line + 1, endLine };
}

/** Register every palette command. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { controller, store } = deps;
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`Tandem: ${errorMessage(error)}`);
        return undefined;
      }
    });
  return [
    register(COMMANDS.openChat, () => deps.revealChat()),
    register(COMMANDS.newThread, async () => {
      await controller.newThread();
      await deps.revealChat();
    }),
    register(COMMANDS.resumeThread, async () => {
      const picked = await pickThread({
        listThreads: () => controller.listThreads(),
        openThread: (threadId) => controller.openThread(threadId),
        activeThreadId: () => store.activeThreadId,
        root: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      });
      if (picked) await deps.revealChat();
    }),
    register(COMMANDS.forkThread, async () => {
      const threadId = store.activeThreadId;
      if (!threadId) return void vscode.window.showInformationMessage("Tandem: there is no thread to fork.");
      await controller.forkThread(threadId);
      await deps.revealChat();
    }),
    register(COMMANDS.interruptTurn, async () => {
      if (!(await controller.interrupt())) void vscode.window.showInformationMessage("Tandem: no turn is running.");
    }),
    register(COMMANDS.undoLastTurn, () => controller.undo()),
    register(COMMANDS.redoLastUndo, () => controller.undo(true)),
    register(COMMANDS.acceptChange, () => reviewChange(deps, true)),
    register(COMMANDS.rejectChange, () => reviewChange(deps, false)),
    register(COMMANDS.inlineAsk, (arg?: { prompt?: string }) => deps.inlineAsk(arg?.prompt)),
    register(COMMANDS.restartServer, () => deps.restart()),
    register(COMMANDS.showLogs, () => deps.showLogs()),
    register(COMMANDS.addSelectionToChat, async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return void vscode.window.showInformationMessage("Tandem: select some code first.");
      const path = vscode.workspace.asRelativePath(editor.document.uri, false);
      deps.insertIntoChat(selectionMention(path, editor.selection));
      await deps.revealChat();
    }),
  ];
}

/**
 * Accept or reject a change: the newest pending file-change approval if there is one (answered as
 * its diff shows it); else keep or undo the applied change under the cursor (the server's own code
 * actions there); else a change of the active thread picked from a list (`tandem/change/accept|reject`).
 */
async function reviewChange(deps: CommandDeps, accept: boolean): Promise<void> {
  const pending = deps.broker.pending().filter((p) => p.params.kind === "fileChange").pop();
  if (pending) {
    if (accept) await deps.applyProposal(pending.requestId);
    else deps.broker.answer(pending.requestId, { decision: "decline" });
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (editor) {
    const wanted = accept ? SERVER_COMMANDS.acceptChange : SERVER_COMMANDS.rejectChange;
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      "vscode.executeCodeActionProvider", editor.document.uri, editor.selection, undefined, 20,
    );
    for (const action of actions ?? []) {
      const command = "command" in action && typeof action.command === "object" ? action.command : (action as vscode.Command);
      if (command?.command === wanted) {
        await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
        return;
      }
    }
  }
  const threadId = deps.store.activeThreadId;
  const changes = threadId ? deps.store.fileChangesOf(threadId) : [];
  if (!threadId || changes.length === 0) {
    void vscode.window.showInformationMessage("Tandem: no change to review.");
    return;
  }
  const pick = await vscode.window.showQuickPick(
    changes.map((c) => ({ label: c.changes.map((f) => f.path).join(", "), description: c.status ?? "", changeId: c.id })),
    { title: accept ? "Keep which Tandem change?" : "Undo which Tandem change?" },
  );
  if (!pick) return;
  const method = accept ? "tandem/change/accept" : "tandem/change/reject";
  const { done, kept } = await deps.rpc.request(method, { threadId, changeId: pick.changeId });
  void vscode.window.showInformationMessage(
    `Tandem: ${accept ? "kept" : "undid"} ${done.length} hunk(s)${kept?.length ? `; left ${kept.length} you edited as they are` : ""}.`,
  );
}
