/**
 * Inline ask (Ctrl+I / Cmd+I, command `tandem.inlineAsk`): ask for a prompt, then run the server
 * command `tandem.ask {uri, range, prompt}` (server/tandem/lsp/handlers/code_actions.py `ask`,
 * which starts a thread and a turn about that range and returns `{threadId, turnId}`). The
 * server applies the agent's change to the open buffer and offers Accept / Reject code lenses
 * (`tandem.acceptHunk` / `tandem.rejectHunk`, executed by the language client). While the turn
 * runs, a cancellable progress notification shows what the agent does; cancel interrupts it.
 */
import * as vscode from "vscode";
import type { NotificationRouter } from "./notifications";
import { isNotification } from "./notifications";
import type { Range, Turn } from "./protocol/generated";
import { SERVER_COMMANDS } from "./protocol/methods";
import type { TandemRpc } from "./rpc/connection";
import type { ThreadStore } from "./threads";

/** The arguments of `tandem.ask`. */
export interface AskArguments {
  uri: string;
  range: Range;
  prompt: string;
}

/**
 * `tandem.ask` arguments for an editor: the selection, or (when it is empty) the cursor's whole line.
 *
 * @param editor anything with `document.uri`, `document.lineAt(line).text` and `selection`.
 */
export function askArguments(
  editor: {
    document: { uri: { toString(): string }; lineAt(line: number): { text: string } };
    selection: { isEmpty: boolean; start: { line: number; character: number }; end: { line: number; character: number } };
  },
  prompt: string,
): AskArguments {
  const { selection, document } = editor;
  const range: Range = selection.isEmpty
    ? {
        start: { line: selection.start.line, character: 0 },
        end: { line: selection.start.line, character: document.lineAt(selection.start.line).text.length },
      }
    : {
        start: { line: selection.start.line, character: selection.start.character },
        end: { line: selection.end.line, character: selection.end.character },
      };
  return { uri: document.uri.toString(), range, prompt: prompt.trim() };
}

/** What one turn did, as seen in notifications. */
interface TurnOutcome {
  turn: Turn;
  lastMessage: string | null;
  changedFiles: boolean;
}

/**
 * Wait for `turnId` to complete (`tandem/turn/completed`, or already completed in `store`),
 * reporting activity (`$ command` for each command item) on the way.
 */
export function waitForTurn(
  router: NotificationRouter,
  store: ThreadStore,
  turnId: string,
  onActivity: (message: string) => void,
): Promise<TurnOutcome> {
  return new Promise((resolve) => {
    let lastMessage: string | null = null;
    let changedFiles = false;
    const finish = (turn: Turn) => {
      subscription.dispose();
      resolve({ turn, lastMessage, changedFiles });
    };
    const subscription = router.listen((n) => {
      if (isNotification(n, "tandem/item/started") && n.params.turnId === turnId && n.params.item.type === "commandExecution") {
        onActivity(`$ ${n.params.item.command}`);
      } else if (isNotification(n, "tandem/item/completed") && n.params.turnId === turnId) {
        if (n.params.item.type === "agentMessage") lastMessage = n.params.item.text ?? lastMessage;
        if (n.params.item.type === "fileChange" && n.params.item.status === "completed") changedFiles = true;
      } else if (isNotification(n, "tandem/turn/completed") && n.params.turn.id === turnId) {
        finish(n.params.turn);
      }
    });
    const seen = store.turn(turnId);
    if (seen?.status && seen.status !== "inProgress") finish(seen);
  });
}

/** The inline-ask command. */
export class InlineAsk {
  constructor(
    private readonly rpc: TandemRpc,
    private readonly router: NotificationRouter,
    private readonly store: ThreadStore,
    private readonly openInChat: (threadId: string) => Promise<void>,
  ) {}

  async run(editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor, preset?: string): Promise<void> {
    if (!editor) {
      void vscode.window.showInformationMessage("Tandem: open a file to ask about it.");
      return;
    }
    const prompt = preset ?? await vscode.window.showInputBox({
      title: "Ask Tandem",
      prompt: editor.selection.isEmpty ? "About the current line" : "About the selection",
      placeHolder: "e.g. add input validation",
      ignoreFocusOut: true,
    });
    if (!prompt?.trim()) return;
    const args = askArguments(editor, prompt);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tandem: ${truncate(args.prompt, 50)}`, cancellable: true },
      async (progress, token) => {
        const started = (await this.rpc.executeCommand(SERVER_COMMANDS.ask, [args])) as { threadId: string; turnId: string };
        const outcome = waitForTurn(this.router, this.store, started.turnId, (message) => progress.report({ message }));
        token.onCancellationRequested(() => {
          void this.rpc.request("tandem/turn/interrupt", { threadId: started.threadId, turnId: started.turnId });
        });
        const { turn, lastMessage, changedFiles } = await outcome;
        if (turn.status === "failed") {
          void vscode.window.showErrorMessage(`Tandem: ${turn.error?.message ?? "the turn failed"}`);
        } else if (turn.status === "completed" && !changedFiles && lastMessage) {
          void vscode.window.showInformationMessage(truncate(lastMessage, 400), "Open in Chat").then((choice) => {
            if (choice) void this.openInChat(started.threadId);
          });
        }
      },
    );
  }
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
