/**
 * Inline ask (Ctrl+I / Cmd+I, command `tandem.inlineAsk`): a widget at the cursor (inlineWidget.ts,
 * a comment thread) takes the prompt; **Ask** runs the server command `tandem.ask {uri, range,
 * prompt}` (server/tandem/lsp/handlers/code_actions.py `ask`: a new thread and turn about that
 * range, returning `{threadId, turnId}`). The widget shows what the agent does, then its change as
 * a diff with **Accept** / **Discard**, with the changed lines marked in the editor:
 *
 * - a change that waits for approval (policy `untrusted`): Accept answers the approval (the hunks
 *   not rejected), Discard declines it — the proposal diff tab is not opened for it
 *   ({@link InlineAsk.skipInline});
 * - a change already in the buffer: Accept keeps it (`tandem/change/accept`), Discard reverts it
 *   (`tandem/change/reject`).
 *
 * The session is a thread like any other: "Open in chat" shows it in the panel. A code block's
 * **Apply** (codeBlocks.ts) is an inline ask too, with the block as the intended replacement.
 */
import * as vscode from "vscode";
import type { ApprovalBroker, ApprovalPresenter, PendingApproval } from "./approvalBroker";
import { INLINE_COMMANDS, INLINE_CONTROLLER_ID, InlineMarks, InlineWidget, type InlinePhase, type WidgetChange } from "./inlineWidget";
import type { NotificationRouter } from "./notifications";
import { isNotification } from "./notifications";
import type { FileChangeItem, Range, Turn } from "./protocol/generated";
import { SERVER_COMMANDS } from "./protocol/methods";
import type { ReviewStates } from "./review";
import { errorMessage, type TandemRpc } from "./rpc/connection";
import type { RequestApprovalParams } from "./shared/protocolTypes";
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

/** The prompt of a code block's Apply: the block as the intended replacement of the range. */
export function applyPrompt(code: string, language: string | null): string {
  const fence = code.includes("```") ? "~~~~" : "```";
  return [
    "Apply this code block to the selected code: replace the selection with it, or merge it in where it belongs",
    "if it is only part of the change. Keep everything else as it is.",
    "",
    `${fence}${language ?? ""}`,
    code.replace(/\n$/, ""),
    fence,
  ].join("\n");
}

/** A session as the extension API shows it. */
export interface InlineSessionInfo {
  id: string;
  uri: string;
  phase: InlinePhase;
  threadId: string | null;
  text: string;
  marked?: { kind: "added" | "removed"; lines: [number, number][] };
}

interface Session {
  widget: InlineWidget;
  range: vscode.Range;
  threadId: string | null;
  turnId: string | null;
  /** The pending file-change approval shown in the widget. */
  requestId: string | null;
  /** The applied change awaiting Accept / Discard. */
  changeId: string | null;
  /** The user accepted a proposal: its change needs no second review. */
  reviewed: boolean;
  lastMessage: string;
}

export interface InlineAskDeps {
  rpc: TandemRpc;
  router: NotificationRouter;
  store: ThreadStore;
  broker: ApprovalBroker;
  reviews: ReviewStates;
  openInChat: (threadId: string) => Promise<void>;
}

let nextSession = 0;

/** The inline-ask command, its widgets and its commands. */
export class InlineAsk implements vscode.Disposable {
  private readonly controller = vscode.comments.createCommentController(INLINE_CONTROLLER_ID, "Tandem");
  private readonly marks = new InlineMarks();
  private readonly sessions = new Map<string, Session>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: InlineAskDeps) {
    this.controller.options = { prompt: "Ask Tandem about this code…", placeHolder: "e.g. add input validation (Ctrl+Enter to ask)" };
    this.disposables.push(
      this.controller,
      this.marks,
      toDisposable(deps.router.listen((n) => this.onNotification(n))),
      toDisposable(deps.broker.addPresenter(this.presenter())),
    );
  }

  /** Register the widget's commands (package.json puts them in the comment menus). */
  register(): vscode.Disposable[] {
    const wrap = (fn: (session: Session, text: string) => Promise<void> | void) => async (arg: unknown) => {
      const found = this.find(arg);
      if (!found) return;
      try {
        await fn(found.session, found.text);
      } catch (error) {
        found.session.widget.finished(`The request failed: ${errorMessage(error)}`);
      }
    };
    return [
      vscode.commands.registerCommand(INLINE_COMMANDS.submit, wrap((s, text) => this.start(s, text))),
      vscode.commands.registerCommand(INLINE_COMMANDS.cancel, wrap((s) => this.close(s))),
      vscode.commands.registerCommand(INLINE_COMMANDS.close, wrap((s) => this.close(s))),
      vscode.commands.registerCommand(INLINE_COMMANDS.accept, wrap((s) => this.decide(s, "accept"))),
      vscode.commands.registerCommand(INLINE_COMMANDS.discard, wrap((s) => this.decide(s, "discard"))),
      vscode.commands.registerCommand(INLINE_COMMANDS.stop, wrap(async (s) => {
        if (s.threadId && s.turnId) await this.deps.rpc.request("tandem/turn/interrupt", { threadId: s.threadId, turnId: s.turnId });
      })),
      vscode.commands.registerCommand(INLINE_COMMANDS.openInChat, wrap(async (s) => {
        if (s.threadId) await this.deps.openInChat(s.threadId);
      })),
    ];
  }

  /**
   * Ctrl+I: open the widget at the selection (or the cursor's line). With `preset` the prompt is
   * sent at once (keybindings, tests); `range` overrides the selection.
   */
  async run(editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor, preset?: string, range?: vscode.Range): Promise<void> {
    if (!editor) {
      void vscode.window.showInformationMessage("Tandem: open a file to ask about it.");
      return;
    }
    const args = askArguments(editor, preset ?? "");
    const target = range ?? new vscode.Range(args.range.start.line, args.range.start.character, args.range.end.line, args.range.end.character);
    for (const s of [...this.sessions.values()]) if (s.widget.phase === "asking") this.close(s); // one prompt box at a time
    const id = `inline-${++nextSession}`;
    const thread = this.controller.createCommentThread(editor.document.uri, target, []);
    thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
    thread.canReply = true;
    const session: Session = {
      widget: new InlineWidget(id, thread, this.marks), range: target, threadId: null, turnId: null, requestId: null,
      changeId: null, reviewed: false, lastMessage: "",
    };
    this.sessions.set(id, session);
    if (preset?.trim()) await this.start(session, preset);
  }

  /** A code block's Apply: an inline ask on the selection (or the whole file) with the block as the replacement. */
  async applyCode(editor: vscode.TextEditor, code: string, language: string | null): Promise<void> {
    const doc = editor.document;
    const range = editor.selection.isEmpty
      ? new vscode.Range(0, 0, Math.max(0, doc.lineCount - 1), doc.lineAt(Math.max(0, doc.lineCount - 1)).text.length)
      : new vscode.Range(editor.selection.start, editor.selection.end);
    await this.run(editor, applyPrompt(code, language), range);
  }

  /** Wrap the proposal presenter (the diff tab) so that inline-ask changes are reviewed in the widget only. */
  skipInline(presenter: ApprovalPresenter): ApprovalPresenter {
    return {
      show: (approval) => (this.sessionOfThread(approval.params.threadId) ? undefined : presenter.show(approval)),
      dismiss: (requestId, reason) => presenter.dismiss(requestId, reason),
    };
  }

  /** The open sessions (for the extension API and tests). */
  list(): InlineSessionInfo[] {
    return [...this.sessions.values()].map((s) => {
      const agent = s.widget.thread.comments[s.widget.thread.comments.length - 1];
      const body = agent?.body;
      const info: InlineSessionInfo = {
        id: s.widget.id, uri: s.widget.uri.toString(), phase: s.widget.phase, threadId: s.threadId,
        text: typeof body === "string" ? body : body?.value ?? "",
      };
      const marked = this.marks.marked(s.widget.id);
      return marked ? { ...info, marked } : info;
    });
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.widget.dispose();
    this.sessions.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // --- the session's life -------------------------------------------------------------------

  private async start(session: Session, text: string): Promise<void> {
    const prompt = text.trim();
    if (!prompt || session.widget.phase !== "asking") return;
    session.widget.prompted(prompt);
    const r = session.range;
    const args: AskArguments = {
      uri: session.widget.uri.toString(),
      range: { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } },
      prompt,
    };
    const started = (await this.deps.rpc.executeCommand(SERVER_COMMANDS.ask, [args])) as { threadId: string; turnId: string };
    session.threadId = started.threadId;
    session.turnId = started.turnId;
    // A proposal that arrived before the command's answer.
    for (const pending of this.deps.broker.pending()) this.onApproval(pending);
    const seen = this.deps.store.turn(started.turnId);
    if (seen?.status && seen.status !== "inProgress") this.turnEnded(session, seen);
  }

  private async decide(session: Session, choice: "accept" | "discard"): Promise<void> {
    const { broker, reviews, rpc } = this.deps;
    if (session.widget.phase === "proposal" && session.requestId) {
      const requestId = session.requestId;
      const review = reviews.get(requestId);
      const decision = choice === "accept" ? "accept" : "decline";
      session.reviewed = choice === "accept";
      session.requestId = null;
      broker.answer(requestId, review ? review.result(decision) : { decision });
      session.widget.working(choice === "accept" ? "applying the change" : "");
      return;
    }
    if (session.widget.phase === "applied" && session.changeId && session.threadId) {
      const method = choice === "accept" ? "tandem/change/accept" : "tandem/change/reject";
      const { kept } = await rpc.request(method, { threadId: session.threadId, changeId: session.changeId });
      session.changeId = null;
      const note = choice === "accept" ? "Accepted." : "Discarded: the change was reverted.";
      session.widget.finished(kept?.length ? `${note} ${kept.length} hunk(s) you edited were left as they are.` : note);
      if (this.turnDone(session)) this.close(session);
    }
  }

  private close(session: Session): void {
    if (session.requestId) this.deps.broker.answer(session.requestId, { decision: "decline" });
    this.sessions.delete(session.widget.id);
    session.widget.dispose();
  }

  private turnDone(session: Session): boolean {
    const turn = session.turnId ? this.deps.store.turn(session.turnId) : undefined;
    return Boolean(turn?.status && turn.status !== "inProgress");
  }

  private turnEnded(session: Session, turn: Turn): void {
    if (session.widget.phase === "applied" || session.widget.phase === "proposal") return; // still to decide
    if (turn.status === "failed") session.widget.finished(`The turn failed: ${turn.error?.message ?? "unknown error"}`);
    else if (turn.status === "interrupted") session.widget.finished("Stopped.");
    else if (session.reviewed) this.close(session); // the user accepted the proposal: nothing left to review
    else session.widget.finished(session.lastMessage);
  }

  // --- notifications and approvals ----------------------------------------------------------

  private onNotification(n: Parameters<Parameters<NotificationRouter["listen"]>[0]>[0]): void {
    const session = this.sessionOfTurn(n.params["turnId"]) ?? this.sessionOfTurn((n.params["turn"] as { id?: unknown } | undefined)?.id);
    if (!session) return;
    if (isNotification(n, "tandem/item/started") && n.params.item.type === "commandExecution") {
      if (session.widget.phase === "working") session.widget.working(`$ ${n.params.item.command}`);
    } else if (isNotification(n, "tandem/item/completed")) {
      const item = n.params.item;
      if (item.type === "agentMessage" && item.text) session.lastMessage = item.text;
      if (item.type === "fileChange" && item.status === "completed") this.changeApplied(session, item);
    } else if (isNotification(n, "tandem/turn/completed")) {
      this.turnEnded(session, n.params.turn);
    }
  }

  private changeApplied(session: Session, item: FileChangeItem): void {
    if (session.reviewed) return; // reviewed as a proposal already
    session.changeId = item.id;
    session.widget.applied(item.changes.map((c) => ({ path: c.movePath ?? c.path, diff: c.diff ?? "" })));
  }

  private presenter(): ApprovalPresenter {
    return {
      show: (approval) => this.onApproval(approval),
      dismiss: (requestId) => {
        for (const s of this.sessions.values()) {
          if (s.requestId === requestId) {
            s.requestId = null; // answered elsewhere (e.g. the chat card) or withdrawn
            s.widget.working("");
          }
        }
      },
    };
  }

  private onApproval({ requestId, params }: PendingApproval): undefined {
    const session = this.sessionOfThread(params.threadId);
    if (!session || params.kind !== "fileChange" || session.requestId === requestId) return undefined;
    session.requestId = requestId;
    session.widget.proposal(proposalChanges(params));
    return undefined;
  }

  private sessionOfThread(threadId: string): Session | undefined {
    return [...this.sessions.values()].find((s) => s.threadId === threadId);
  }

  private sessionOfTurn(turnId: unknown): Session | undefined {
    return typeof turnId === "string" ? [...this.sessions.values()].find((s) => s.turnId === turnId) : undefined;
  }

  /** The session a command was run for: a widget id (from a link), a comment thread (title action) or a reply. */
  private find(arg: unknown): { session: Session; text: string } | undefined {
    if (typeof arg === "string") {
      const session = this.sessions.get(arg);
      return session && { session, text: "" };
    }
    const reply = arg as { thread?: vscode.CommentThread; text?: string } | vscode.CommentThread | undefined;
    const thread = reply && "thread" in reply && reply.thread ? reply.thread : (reply as vscode.CommentThread | undefined);
    const session = [...this.sessions.values()].find((s) => s.widget.thread === thread);
    const text = reply && "text" in reply && typeof reply.text === "string" ? reply.text : "";
    return session && { session, text };
  }
}

/** A file-change request's files as the widget shows them. */
function proposalChanges(params: RequestApprovalParams): WidgetChange[] {
  return (params.changes ?? []).map((c) => ({ path: c.movePath ?? c.path, diff: c.diff }));
}

function toDisposable(d: { dispose(): unknown }): vscode.Disposable {
  return new vscode.Disposable(() => void d.dispose());
}
