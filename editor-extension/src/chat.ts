/**
 * The chat panel's logic, without `vscode`: turns webview intents (`WebviewToHost`,
 * src/shared/webviewMessages.ts) into `tandem/*` requests and keeps the page informed
 * (`HostToWebview`). The VS Code specifics (posting to the webview, opening files and diffs,
 * searching the workspace) come in through {@link ChatHost}; chatPanel.ts provides them.
 */
import type { ApprovalBroker, ApprovalPresenter } from "./approvalBroker";
import type { TandemNotification } from "./notifications";
import { errorCode, errorMessage, type TandemRpc } from "./rpc/connection";
import { ERROR_CODES } from "./protocol/methods";
import type { ResumedTurn, ThreadInfo, TokenUsageNotification, TurnStartParams } from "./protocol/generated";
import type { ApprovalDecision, Item } from "./shared/protocolTypes";
import { reviewFiles } from "./chatReview";
import type {
  CapabilitiesMessage, HostToWebview, Mention, PastedImage, SkillRef, SkillsMessage, StatusMessage, WebviewToHost,
} from "./shared/webviewMessages";
import { buildTurnInput, type TurnInput } from "./mentions";
import { threadStartParams, type TandemSettings } from "./settings";
import type { ThreadStore } from "./threads";
import type { ReviewStates } from "./review";
import type { FeedbackActions } from "./feedbackActions";
import type { TurnOptions } from "./turnOptions";

/** What the controller needs from the editor. */
export interface ChatHost {
  /** Post a message to the webview (dropped while no page is listening). */
  post(message: HostToWebview): void;
  /** The workspace folder's path: `cwd` of new threads (undefined: the server's root). */
  cwd(): string | undefined;
  /** A workspace-relative or absolute path as a `file:` URI string. */
  toUri(path: string): string;
  /** Workspace files whose path contains `query`, workspace-relative, at most 20. */
  findFiles(query: string): Promise<string[]>;
  /** Open a file (workspace-relative or absolute) at a 1-based line. */
  openFile(path: string, line?: number): Promise<void>;
  /** Show the diff of a `fileChange` item (or the review of a pending proposal for it); `path`: just that file. */
  openDiff(itemId: string, path?: string): Promise<void>;
  /** Tell the user something in passing (e.g. what an undo did). */
  info(message: string): void;
}

export interface ChatDeps {
  rpc: TandemRpc;
  store: ThreadStore;
  broker: ApprovalBroker;
  /** The hunk decisions of pending file changes, shared with the proposal diff (review.ts). */
  reviews: ReviewStates;
  /**
   * Answers a pending file change as its diff shows it (proposals.ts `applyAccepted`: the hunks the
   * newest preview includes). Without it the chat answers from the review state alone.
   */
  proposals?: { applyAccepted(requestId: string, decision: ApprovalDecision): Promise<boolean> };
  settings: () => TandemSettings;
  connected: () => boolean;
  host: ChatHost;
  /** The composer's model / effort / approval choices, sent with each `tandem/turn/start`. */
  turnOptions?: TurnOptions;
  /** Show the thread picker (the searchable QuickPick of `tandem.resumeThread`). */
  pickThread?: () => Promise<void>;
  /** Where the chat's thread is remembered across window reloads (VS Code's `workspaceState`). */
  lastThread?: { get(): string | undefined; set(threadId: string | undefined): void };
  /** Code-block and failed-turn actions that need VS Code (feedbackHost.ts); absent: not offered. */
  actions?: FeedbackActions;
  /** The slash commands the server announced in `initialize` (null: it did not say). */
  slashCommands?: () => string[] | null;
}

/** Slash commands the server has no method for yet. */
const UNSUPPORTED_SLASH = new Set(["review"]);

export class ChatController {
  private restoring: Promise<void> | null = null;

  constructor(private readonly deps: ChatDeps) {
    deps.reviews.onDidChange((requestId) => this.postDecisions(requestId));
    deps.turnOptions?.onDidChange(() => this.postTurnOptions());
  }

  /** Handle one message from the webview; failures are shown in the panel, never thrown. */
  async handle(message: WebviewToHost): Promise<void> {
    try {
      await this.dispatch(message);
    } catch (error) {
      this.deps.host.post({ type: "error", message: errorMessage(error) });
    }
  }

  /** Forward a server notification to the page verbatim. */
  forward(notification: TandemNotification): void {
    this.deps.host.post({ type: "notification", method: notification.method, params: notification.params });
  }

  /** The page (re)loaded: send status, threads, the active thread's transcript and pending approvals. */
  async ready(): Promise<void> {
    const { host, store, broker } = this.deps;
    host.post(this.status());
    host.post(this.capabilities());
    host.post({ type: "threads", threads: store.list(), activeThreadId: store.activeThreadId });
    this.postTurnOptions();
    if (this.deps.connected()) {
      await this.listThreads().catch(() => undefined);
      const active = store.activeThreadId;
      if (active) await this.openThread(active).catch(() => undefined);
      else await this.restoreLastThread();
    }
    for (const approval of broker.pending()) {
      host.post({ type: "approval", ...approval.params, requestId: approval.requestId });
      this.postDecisions(approval.requestId);
    }
  }

  /**
   * After a window reload (nothing open yet): reopen the thread the chat showed last, with its
   * whole transcript (`tandem/thread/resume`); a thread the server does not know is forgotten.
   * Runs once at a time (the page's `ready` and the server's start may both ask).
   */
  restoreLastThread(): Promise<void> {
    const { store, lastThread } = this.deps;
    const remembered = lastThread?.get();
    if (!remembered || store.activeThreadId !== null || !this.deps.connected()) return Promise.resolve();
    this.restoring ??= this.openThread(remembered)
      .then(() => undefined, (error: unknown) => {
        if (errorCode(error) === ERROR_CODES.notFound) lastThread?.set(undefined);
      })
      .finally(() => {
        this.restoring = null;
      });
    return this.restoring;
  }

  /** The panel's status line. */
  status(): StatusMessage {
    const { store, settings } = this.deps;
    const active = store.activeThread();
    const usage = store.usage();
    return {
      type: "status",
      model: active?.info?.model || settings().model || null,
      connected: this.deps.connected(),
      busy: Boolean(active?.runningTurnId),
      usedTokens: usage?.usedTokens ?? null,
      contextWindow: usage?.contextWindow ?? null,
      contextTokens: usage?.contextTokens ?? null,
      used: usage?.used ?? null,
    };
  }

  /** Tell the page what its model / effort / approval pickers show for the active thread. */
  postTurnOptions(): void {
    const options = this.deps.turnOptions;
    if (options) this.deps.host.post({ type: "turnOptions", ...options.view(this.deps.store.activeThread()?.info ?? null) });
  }

  /** What the server supports, for the page (sent on `ready` and whenever the server starts). */
  capabilities(): CapabilitiesMessage {
    return { type: "capabilities", slashCommands: this.deps.slashCommands?.() ?? null };
  }

  /**
   * Send a failed turn's input again as a new turn of `threadId` (the turn-end line's Retry; the
   * input is the failed turn's user message as the server recorded it).
   */
  async retryTurn(threadId: string, input: TurnInput): Promise<void> {
    const { store } = this.deps;
    if (store.activeThreadId !== threadId) await this.openThread(threadId);
    if (store.get(threadId)?.runningTurnId) {
      await this.deps.rpc.request("tandem/turn/steer", { threadId, input: input as TurnStartParams["input"] });
      return;
    }
    const { turn } = await this.startTurn(threadId, input);
    store.turnStarted(threadId, turn);
  }

  /** Approvals in the panel: `approval` when asked, `approvalResolved` when answered elsewhere or withdrawn. */
  presenter(): ApprovalPresenter {
    return {
      show: ({ requestId, params }) => this.deps.host.post({ type: "approval", ...params, requestId }),
      dismiss: (requestId) => this.deps.host.post({ type: "approvalResolved", requestId }),
    };
  }

  /** Start a new thread with the settings and make it the chat's thread. */
  async newThread(): Promise<ThreadInfo> {
    const { thread } = await this.deps.rpc.request(
      "tandem/thread/start",
      threadStartParams(this.deps.settings(), this.deps.host.cwd()),
    );
    this.opened(thread, []);
    return thread;
  }

  /** Resume a thread (loaded or recorded) and show its transcript as the live stream showed it. */
  async openThread(threadId: string): Promise<ThreadInfo> {
    const { thread, items, turns, tokenUsage } = await this.deps.rpc.request("tandem/thread/resume", { threadId });
    this.opened(thread, items, turns, tokenUsage);
    return thread;
  }

  /**
   * Fork a thread (up to `turnId`) and show the fork. The server forks only loaded threads, so a
   * recorded one (e.g. after a restart) is resumed first.
   */
  async forkThread(threadId: string, turnId?: string): Promise<ThreadInfo> {
    const { rpc } = this.deps;
    const { thread } = await this.loaded(threadId, () => rpc.request("tandem/thread/fork", turnId ? { threadId, turnId } : { threadId }));
    let items = await rpc.request("tandem/thread/resume", { threadId: thread.id }).then((r) => r.items, () => []);
    let turns: ResumedTurn[] | undefined;
    if (items.length === 0) {
      // The server records no transcript items for a fork (only its model history), so resuming
      // it shows nothing: show the source's transcript up to the fork point instead (its turns
      // too, when the server gives them: turn-end lines and diff summaries as in the source).
      const source = await rpc.request("tandem/thread/resume", { threadId }).catch(() => ({ items: [], turns: undefined }));
      const cut = turnId && source.turns ? source.turns.findIndex((t) => t.id === turnId) : -1;
      if (source.turns && cut >= 0) {
        turns = source.turns.slice(0, cut + 1);
        const kept = new Set(turns.flatMap((t) => t.itemIds ?? []));
        items = source.items.filter((item) => kept.has(item.id));
      } else {
        turns = turnId ? undefined : source.turns;
        items = turnId ? transcriptUpTo(source.items, this.deps.store.turnsOf(threadId), turnId) : source.items;
      }
    }
    this.opened(thread, items, turns);
    return thread;
  }

  /** Refresh the thread list from the server. */
  async listThreads(): Promise<ThreadInfo[]> {
    const { threads } = await this.deps.rpc.request("tandem/thread/list", {});
    this.deps.store.setList(threads);
    this.postThreads();
    return threads;
  }

  /**
   * Send a message: a new thread first if there is none; `turn/steer` into a running turn,
   * otherwise `turn/start` (resuming the thread once if the server no longer has it loaded, e.g.
   * after a restart).
   */
  async send(
    text: string, mentions: readonly Mention[] = [], images: readonly PastedImage[] = [], skills: readonly SkillRef[] = [],
  ): Promise<void> {
    const input = buildTurnInput({ text, mentions, images, skills }, (p) => this.deps.host.toUri(p));
    if (input.length === 0) return;
    const { store, rpc } = this.deps;
    const threadId = store.activeThreadId ?? (await this.newThread()).id;
    if (store.get(threadId)?.runningTurnId) {
      await rpc.request("tandem/turn/steer", { threadId, input: input as TurnStartParams["input"] });
      return;
    }
    const { turn, thread } = await this.startTurn(threadId, input);
    store.turnStarted(threadId, turn);
    if (thread) {
      store.upsert(thread); // named after the first prompt, with the composer's overrides applied
      this.postThreads();
      this.postTurnOptions();
    }
  }

  /** Interrupt the active thread's running turn (nothing when none runs). */
  async interrupt(): Promise<boolean> {
    const active = this.deps.store.activeThread();
    if (!active?.runningTurnId) return false;
    await this.deps.rpc.request("tandem/turn/interrupt", { threadId: active.id, turnId: active.runningTurnId });
    return true;
  }

  /**
   * Undo the active thread's newest turn that is not undone (`tandem/undo`), or with `redo` bring back
   * what the newest undo reverted (`tandem/redo`); tells the user what the server reported and returns it.
   */
  async undo(redo = false, turnId?: string, thread?: string): Promise<string> {
    const threadId = thread ?? this.deps.store.activeThreadId;
    if (!threadId) throw new Error(`There is no Tandem thread to ${redo ? "redo" : "undo"}.`);
    const result = redo
      ? await this.deps.rpc.request("tandem/redo", { threadId })
      : await this.deps.rpc.request("tandem/undo", turnId ? { threadId, turnId } : { threadId });
    const restored = result.restored ?? [];
    const kept = result.kept ?? [];
    const files = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
    let summary = `${redo ? "Redid" : "Undid"} the turn: restored ${files(restored.length)}`;
    summary += kept.length ? `; kept your edits in ${kept.map((k) => k.path).join(", ")}.` : ".";
    this.deps.host.info(summary);
    return summary;
  }

  private async dispatch(message: WebviewToHost): Promise<void> {
    const { host, broker } = this.deps;
    switch (message.type) {
      case "ready":
        return this.ready();
      case "send":
        // A prompt is never dropped: if it cannot be sent, it goes back into the composer.
        return this.send(message.text, message.mentions, message.images, message.skills).catch((error: unknown) => {
          host.post({ type: "restoreDraft", text: message.text, mentions: message.mentions });
          throw error;
        });
      case "interrupt":
        await this.interrupt();
        return;
      case "newThread":
        await this.newThread();
        return;
      case "selectThread":
        await this.openThread(message.threadId);
        return;
      case "forkThread":
        await this.forkThread(message.threadId, message.turnId);
        return;
      case "listThreads":
        await this.listThreads();
        return;
      case "approve": {
        const review = this.deps.reviews.get(message.requestId);
        // A file change is answered as its diff shows it: the preview's hunks (one review state).
        const answered = review && this.deps.proposals
          ? await this.deps.proposals.applyAccepted(message.requestId, message.decision)
          : broker.answer(message.requestId, review ? review.result(message.decision) : { decision: message.decision });
        if (!answered) host.post({ type: "approvalResolved", requestId: message.requestId });
        return;
      }
      case "decideHunk": {
        const review = this.deps.reviews.get(message.requestId);
        if (!review) host.post({ type: "approvalResolved", requestId: message.requestId });
        else review.decide(message.hunkId, message.decision);
        return;
      }
      case "openFile":
        return host.openFile(message.path, message.line);
      case "openDiff":
        return host.openDiff(message.itemId, message.path);
      case "reviewFiles":
        return reviewFiles(this.deps.rpc, host, message);
      case "restoreCheckpoint":
        await this.undo(false, message.turnId, message.threadId);
        return;
      case "redoCheckpoint":
        await this.undo(true, undefined, message.threadId);
        return;
      case "slash":
        return this.slash(message.command);
      case "searchMentions": {
        const files = await host.findFiles(message.query);
        host.post({ type: "mentionResults", query: message.query, files });
        return;
      }
      case "listSkills":
        await this.postSkills(false);
        return;
      case "pickThread":
        await this.deps.pickThread?.();
        return;
      case "setTurnOption":
        this.deps.turnOptions?.choose(message.option, message.value);
        return;
      case "codeBlock":
        await this.deps.actions?.codeBlock(message.action, message.code, message.language);
        return;
      case "retryTurn":
        return this.retryTurn(message.threadId, message.input as TurnInput);
      case "failureAction":
        if (message.action === "compact") return this.slash("compact");
        await this.deps.actions?.failureAction(message.action, message.threadId);
        return;
    }
  }

  /** Tell the page a pending file change's hunk decisions (nothing for other requests). */
  private postDecisions(requestId: string): void {
    const review = this.deps.reviews.get(requestId);
    if (review) this.deps.host.post({ type: "hunkDecisions", requestId, decisions: review.snapshot() });
  }

  private async slash(command: string): Promise<void> {
    if (command === "new") {
      await this.newThread();
    } else if (command === "undo" || command === "redo") {
      await this.undo(command === "redo");
    } else if (command === "compact") {
      const threadId = this.deps.store.activeThreadId;
      if (!threadId) {
        this.deps.host.post({ type: "error", message: "/compact needs a thread: send a message first." });
        return;
      }
      await this.loaded(threadId, () => this.deps.rpc.request("tandem/thread/compact", { threadId }));
    } else if (command === "skills") {
      await this.postSkills(true);
    } else if (UNSUPPORTED_SLASH.has(command)) {
      this.deps.host.post({ type: "error", message: `/${command} is not supported by this server version.` });
    } else {
      this.deps.host.post({ type: "error", message: `Unknown command /${command}.` });
    }
  }

  /**
   * The skills a thread in the workspace sees (`tandem/skills/list {cwd}`), posted as a `skills`
   * message: for the `$` completion, or (`show`) listed in the transcript for `/skills`.
   */
  async postSkills(show: boolean): Promise<SkillsMessage> {
    const cwd = this.deps.store.activeThread()?.info?.cwd || this.deps.host.cwd();
    const { skills, errors } = await this.deps.rpc.request("tandem/skills/list", cwd ? { cwd } : {});
    const message: SkillsMessage = show ? { type: "skills", skills, errors, show } : { type: "skills", skills, errors };
    this.deps.host.post(message);
    return message;
  }

  private startTurn(threadId: string, input: TurnInput) {
    const overrides = this.deps.turnOptions?.overrides(this.deps.store.get(threadId)?.info ?? null) ?? {};
    const params: TurnStartParams = { threadId, input: input as TurnStartParams["input"], ...overrides };
    return this.loaded(threadId, () => this.deps.rpc.request("tandem/turn/start", params));
  }

  /** Run `call`; if the server does not have `threadId` loaded (-32001), resume it once and retry. */
  private async loaded<T>(threadId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (errorCode(error) !== ERROR_CODES.notFound) throw error;
      await this.deps.rpc.request("tandem/thread/resume", { threadId });
      return call();
    }
  }

  private opened(thread: ThreadInfo, items: Item[], turns?: ResumedTurn[], tokenUsage?: TokenUsageNotification | null): void {
    const { store, host } = this.deps;
    store.upsert(thread);
    if (tokenUsage) store.setUsage(tokenUsage);
    store.setActive(thread.id);
    this.deps.lastThread?.set(thread.id);
    host.post({ type: "threadOpened", thread, items, ...(turns ? { turns } : {}), ...(tokenUsage ? { tokenUsage } : {}) });
    this.postThreads();
    host.post(this.status());
    this.postTurnOptions();
  }

  private postThreads(): void {
    const { store, host } = this.deps;
    host.post({ type: "threads", threads: store.list(), activeThreadId: store.activeThreadId });
  }
}

/**
 * The items of a transcript up to and including turn `turnId`: turns start with a `userMessage`
 * item, and `turnIds` lists the thread's turns in order. The whole transcript when the turn is
 * not among `turnIds` (e.g. a thread resumed from disk whose turn ids this window never saw).
 */
export function transcriptUpTo(items: Item[], turnIds: readonly string[], turnId: string): Item[] {
  const index = turnIds.indexOf(turnId);
  if (index < 0) return items;
  let turns = 0;
  const cut = items.findIndex((item) => item.type === "userMessage" && turns++ === index + 1);
  return cut < 0 ? items : items.slice(0, cut);
}
