/**
 * The page's view state and the pure reducer that builds it from host messages (no DOM here).
 *
 * The transcript is `order` (entry ids, top to bottom) + `entries` (by id). Entries are replaced,
 * never mutated, so the renderer updates exactly the cards whose entry object changed.
 * `reduceAll` folds a batch of messages (one animation frame's worth) copying the maps once.
 */
import type { ItemNotification, TandemMethods, TurnErrorCode } from "../src/protocol/generated";
import type { CommandExecutionItem, PlanStep, ThreadInfo } from "../src/shared/protocolTypes";
import type { HostToWebview, Item, MentionResultsMessage } from "../src/shared/webviewMessages";
import type { AgentEntry, CommandEntry, Entry, ReasoningEntry, UserEntry } from "./entries";
import { appendCapped, cappedFrom, EMPTY_TEXT, stripAnsi } from "./capped";
import { emptyReview, fileReview, turnReview, withChange, withUndo, type ReviewView } from "./reviewState";
import { resumeSteps } from "./resumed";
import type { TurnOptionsView } from "../src/shared/turnOptions";
import type { Usage } from "../src/shared/protocolTypes";

export type {
  AgentEntry, ApprovalEntry, CommandEntry, CompactionEntry, Entry, ErrorEntry, FileChangeEntry, McpToolCallEntry,
  NoticeEntry, PlanEntry, ReasoningEntry, SkillsEntry, TurnEntry, UserEntry,
} from "./entries";

export interface StatusView {
  model: string | null;
  connected: boolean;
  busy: boolean;
  /** The thread's total tokens. */
  usedTokens: number | null;
  /** Tokens of the latest model request (how full the context is). */
  lastTokens: number | null;
  contextWindow: number | null;
  /** How full the thread's context is now (the server's estimate; compare with `contextWindow`). */
  contextTokens: number | null;
  /** The thread's cumulative counts (the token meter's tooltip). */
  used: Usage | null;
}

export interface RetryView { attempt: number; maxAttempts: number; message: string; code: TurnErrorCode | null }

export interface ViewState {
  threads: ThreadInfo[];
  activeThreadId: string | null;
  thread: ThreadInfo | null;
  status: StatusView;
  order: readonly string[];
  entries: Readonly<Record<string, Entry>>;
  /** The running turn, if any. */
  activeTurnId: string | null;
  /** Entry id of each turn's plan (a turn has one plan, updated in place). */
  planByTurn: Readonly<Record<string, string>>;
  /** Latest `diffUpdated` diff of each turn. */
  turnDiffs: Readonly<Record<string, string>>;
  retry: RetryView | null;
  mentionResults: MentionResultsMessage | null;
  /** Counter for ids of entries the page makes up (notices). */
  seq: number;
  /** The review of applied changes: hunk states per change, undone turns (reviewState.ts). */
  review: ReviewView;
  /** The composer's model / effort / approval pickers (null until the host says). */
  turnOptions: TurnOptionsView | null;
  /** Pending approvals by the item they are for (a command waiting for approval is not running yet). */
  approvalByItem: Readonly<Record<string, string>>;
  /** Slash commands the server supports (`capabilities`); null until it says (see webview/slash.ts). */
  slashCommands: readonly string[] | null;
}

export function initialState(): ViewState {
  return {
    threads: [],
    activeThreadId: null,
    thread: null,
    status: { model: null, connected: false, busy: false, usedTokens: null, lastTokens: null, contextWindow: null,
      contextTokens: null, used: null },
    order: [],
    entries: {},
    activeTurnId: null,
    planByTurn: {},
    turnDiffs: {},
    retry: null,
    mentionResults: null,
    seq: 0,
    review: emptyReview(),
    turnOptions: null,
    approvalByItem: {},
    slashCommands: null,
  };
}

/** Whether a turn is running (the stop button shows). */
export function isRunning(state: ViewState): boolean {
  return state.activeTurnId !== null || state.status.busy;
}

export function reduce(state: ViewState, message: HostToWebview): ViewState {
  return reduceAll(state, [message]);
}

/** Folds `messages` into `state`; `state` itself is left untouched. */
export function reduceAll(state: ViewState, messages: readonly HostToWebview[]): ViewState {
  if (messages.length === 0) return state;
  const draft = new Draft(state);
  for (const message of messages) draft.apply(message);
  return draft.finish();
}

type Params<M extends keyof TandemMethods> = TandemMethods[M]["params"];

/** A mutable working copy; the maps are copied on first write. */
class Draft {
  private s: ViewState;
  private order: string[] | null = null;
  private entries: Record<string, Entry> | null = null;

  constructor(state: ViewState) {
    this.s = { ...state };
  }

  finish(): ViewState {
    if (this.order) this.s.order = this.order;
    if (this.entries) this.s.entries = this.entries;
    return this.s;
  }

  // --- transcript primitives ------------------------------------------------------------

  private get(id: string): Entry | undefined {
    return (this.entries ?? this.s.entries)[id];
  }

  private ids(): string[] {
    return (this.order ??= [...this.s.order]);
  }

  private map(): Record<string, Entry> {
    return (this.entries ??= { ...this.s.entries });
  }

  /** Sets entry `entry.id`; new entries go at the end (or right after `after` when it is shown). */
  private put(entry: Entry, after?: string): void {
    const map = this.map();
    if (!(entry.id in map)) {
      const ids = this.ids();
      const at = after === undefined ? -1 : ids.lastIndexOf(after);
      if (at < 0) ids.push(entry.id);
      else ids.splice(at + 1, 0, entry.id);
    }
    map[entry.id] = entry;
  }

  private remove(id: string): void {
    if (this.get(id) === undefined) return;
    delete this.map()[id];
    const ids = this.ids();
    const at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1);
  }

  private clearTranscript(): void {
    this.order = [];
    this.entries = {};
    this.s.planByTurn = {};
    this.s.turnDiffs = {};
    this.s.activeTurnId = null;
    this.s.retry = null;
    this.s.approvalByItem = {};
  }

  /** Records (or, with null, clears) the pending approval of item `itemId` and marks its command card. */
  private setWaiting(itemId: string, requestId: string | null): void {
    const byItem = { ...this.s.approvalByItem };
    if (requestId === null) delete byItem[itemId];
    else byItem[itemId] = requestId;
    this.s.approvalByItem = byItem;
    const e = this.get(itemId);
    if (e?.kind === "command" && e.approvalRequestId !== requestId) this.put({ ...e, approvalRequestId: requestId });
  }

  /** Removes an approval card (answered, withdrawn, or its turn ended) and its mark on the command. */
  private removeApproval(requestId: string): void {
    const entry = this.get(approvalId(requestId));
    if (entry?.kind === "approval" && this.s.approvalByItem[entry.request.itemId] === requestId) {
      this.setWaiting(entry.request.itemId, null);
    }
    this.remove(approvalId(requestId));
  }

  // --- messages -------------------------------------------------------------------------

  apply(message: HostToWebview): void {
    switch (message.type) {
      case "threads":
        this.s.threads = message.threads;
        this.s.activeThreadId = message.activeThreadId;
        if (message.activeThreadId !== null && this.s.thread?.id !== message.activeThreadId) {
          this.s.thread = message.threads.find((t) => t.id === message.activeThreadId) ?? this.s.thread;
        }
        break;
      case "threadOpened":
        this.clearTranscript();
        this.s.thread = message.thread;
        this.s.activeThreadId = message.thread.id;
        if (!this.s.threads.some((t) => t.id === message.thread.id)) this.s.threads = [message.thread, ...this.s.threads];
        this.s.status = { ...this.s.status, model: message.thread.model || this.s.status.model, ...usageOf(message.tokenUsage) };
        this.replay(message.thread.id, message);
        break;
      case "turnOptions":
        this.s.turnOptions = message;
        break;
      case "status":
        this.s.status = {
          ...this.s.status,
          model: message.model,
          connected: message.connected,
          busy: message.busy,
          usedTokens: message.usedTokens,
          contextWindow: message.contextWindow,
          // Absent (an older host): keep what tokenUsage said; null: the thread has no usage yet.
          contextTokens: message.contextTokens === undefined ? this.s.status.contextTokens : message.contextTokens,
          used: message.used === undefined ? this.s.status.used : message.used,
        };
        break;
      case "approval":
        this.put({ kind: "approval", id: approvalId(message.requestId), turnId: message.turnId, request: message },
          message.itemId);
        this.setWaiting(message.itemId, message.requestId);
        break;
      case "approvalResolved":
        this.removeApproval(message.requestId);
        break;
      case "capabilities":
        this.s.slashCommands = message.slashCommands;
        break;
      case "hunkDecisions": {
        const entry = this.get(approvalId(message.requestId));
        if (entry?.kind === "approval") this.put({ ...entry, decisions: message.decisions });
        break;
      }
      case "mentionResults":
        this.s.mentionResults = message;
        break;
      case "error":
        this.s.seq += 1;
        this.put({ kind: "notice", id: `notice:${this.s.seq}`, turnId: null, message: message.message });
        break;
      case "skills":
        // The composer keeps the list for its `$` completion; `/skills` also lists it in the transcript.
        if (message.show) {
          this.s.seq += 1;
          this.put({ kind: "skills", id: `skills:${this.s.seq}`, turnId: null, skills: message.skills, errors: message.errors });
        }
        break;
      case "insert":
        break; // the composer handles it; nothing to show in the transcript
      case "notification":
        this.notification(message.method, message.params);
        break;
    }
  }

  private notification(method: string, params: Record<string, unknown>): void {
    const threadId = params["threadId"];
    if (typeof threadId === "string" && this.s.activeThreadId !== null && threadId !== this.s.activeThreadId) return;
    switch (method as keyof TandemMethods) {
      case "tandem/turn/started": {
        const p = params as unknown as Params<"tandem/turn/started">;
        this.s.activeTurnId = p.turn.id;
        this.s.status = { ...this.s.status, busy: true };
        this.s.retry = null;
        break;
      }
      case "tandem/turn/completed":
        this.turnCompleted(params as unknown as Params<"tandem/turn/completed">);
        break;
      case "tandem/item/started":
      case "tandem/item/updated": {
        const p = params as unknown as ItemNotification;
        this.upsertItem(p.item as Item, p.turnId, false);
        this.s.retry = null;
        break;
      }
      case "tandem/item/completed": {
        const p = params as unknown as ItemNotification;
        this.upsertItem(p.item as Item, p.turnId, true);
        break;
      }
      case "tandem/item/agentMessageDelta": {
        const p = params as unknown as Params<"tandem/item/agentMessageDelta">;
        const e = this.get(p.itemId);
        const base: AgentEntry = e?.kind === "agent" ? e
          : { kind: "agent", id: p.itemId, turnId: p.turnId, text: "", streaming: true };
        this.put({ ...base, text: base.text + p.delta, streaming: true });
        this.s.retry = null;
        break;
      }
      case "tandem/item/reasoningDelta": {
        const p = params as unknown as Params<"tandem/item/reasoningDelta">;
        const e = this.get(p.itemId);
        const base: ReasoningEntry = e?.kind === "reasoning" ? e
          : { kind: "reasoning", id: p.itemId, turnId: p.turnId, summary: [], text: "", streaming: true };
        this.put({ ...base, text: base.text + p.delta, streaming: true });
        this.s.retry = null;
        break;
      }
      case "tandem/item/commandOutputDelta": {
        const p = params as unknown as Params<"tandem/item/commandOutputDelta">;
        const e = this.get(p.itemId);
        if (e?.kind === "command") this.put({ ...e, output: appendCapped(e.output, stripAnsi(p.delta)) });
        break;
      }
      case "tandem/turn/planUpdated": {
        const p = params as unknown as Params<"tandem/turn/planUpdated">;
        this.putPlan(p.turnId, null, p.plan, p.explanation ?? null, false);
        break;
      }
      case "tandem/turn/diffUpdated": {
        const p = params as unknown as Params<"tandem/turn/diffUpdated">;
        this.s.turnDiffs = { ...this.s.turnDiffs, [p.turnId]: p.diff };
        const turn = this.get(turnEntryId(p.turnId));
        if (turn?.kind === "turn") this.put({ ...turn, diff: p.diff });
        break;
      }
      case "tandem/turn/streamRetry": {
        const p = params as unknown as Params<"tandem/turn/streamRetry">;
        for (const id of p.discardedItemIds ?? []) this.remove(id);
        this.s.retry = { attempt: p.attempt, maxAttempts: p.maxAttempts, message: p.message, code: p.code ?? null };
        break;
      }
      case "tandem/thread/tokenUsage": {
        const p = params as unknown as Params<"tandem/thread/tokenUsage">;
        this.s.status = {
          ...this.s.status,
          usedTokens: p.used.totalTokens ?? this.s.status.usedTokens,
          lastTokens: p.last.totalTokens ?? this.s.status.lastTokens,
          contextWindow: p.contextWindow ?? this.s.status.contextWindow,
          contextTokens: p.contextTokens ?? p.last.totalTokens ?? this.s.status.contextTokens,
          used: p.used,
        };
        break;
      }
      case "tandem/serverRequest/resolved": {
        const p = params as unknown as Params<"tandem/serverRequest/resolved">;
        this.removeApproval(p.requestId);
        break;
      }
      case "tandem/change/updated": {
        const p = params as unknown as Params<"tandem/change/updated">;
        this.s.review = withChange(this.s.review, p);
        this.refreshReview(p.changeId, [p.turnId]);
        break;
      }
      case "tandem/turn/undone": {
        const p = params as unknown as Params<"tandem/turn/undone">;
        const before = this.s.review.undone;
        this.s.review = withUndo(this.s.review, p);
        this.refreshReview(null, [...new Set([...before, ...this.s.review.undone, p.turnId])]);
        break;
      }
      case "tandem/mcp/status": {
        // The panel's MCP status: a notice per server that failed to start (the others are silent).
        const p = params as unknown as Params<"tandem/mcp/status">;
        for (const server of p.servers) {
          if (server.state !== "failed") continue;
          this.put({ kind: "notice", id: `mcp:${p.threadId}:${server.name}`, turnId: null,
            message: `MCP server ${server.name} failed to start: ${server.error ?? "unknown error"}` });
        }
        break;
      }
      default:
        break; // requests and unknown notifications are not for the transcript
    }
  }

  /** Re-derive the review shown by change `changeId`'s card and the cards of `turnIds`. */
  private refreshReview(changeId: string | null, turnIds: readonly string[]): void {
    const change = changeId === null ? undefined : this.get(changeId);
    if (change?.kind === "fileChange" && changeId !== null) this.put({ ...change, review: fileReview(this.s.review, changeId) });
    for (const turnId of turnIds) {
      const turn = this.get(turnEntryId(turnId));
      if (turn?.kind === "turn") this.put({ ...turn, review: turnReview(this.s.review, turnId) });
    }
  }

  /** A resumed transcript, replayed as the live stream built it (webview/resumed.ts). */
  private replay(threadId: string, message: Extract<HostToWebview, { type: "threadOpened" }>): void {
    for (const step of resumeSteps(message.items, message.turns)) {
      if (step.kind === "item") this.upsertItem(step.item, step.turnId, true);
      else if (step.turn.status === "inProgress") {
        this.s.activeTurnId = step.turn.id;
        this.s.status = { ...this.s.status, busy: true };
      } else {
        if (step.turn.diff) this.s.turnDiffs = { ...this.s.turnDiffs, [step.turn.id]: step.turn.diff };
        this.turnCompleted({ threadId, turn: step.turn });
      }
    }
  }

  private turnCompleted(p: Params<"tandem/turn/completed">): void {
    const turnId = p.turn.id;
    const ids = this.ids();
    for (const id of [...ids]) {
      const e = this.get(id);
      if (!e || e.turnId !== turnId) continue;
      if (e.kind === "approval") this.removeApproval(e.request.requestId); // withdrawn with the turn
      else if ((e.kind === "agent" || e.kind === "reasoning") && e.streaming) this.put({ ...e, streaming: false });
      else if (e.kind === "plan" && !e.done) this.put({ ...e, done: true });
    }
    this.put({
      kind: "turn",
      id: turnEntryId(turnId),
      turnId,
      status: p.turn.status ?? "completed",
      error: p.turn.error?.message ?? null,
      usage: p.turn.usage ?? null,
      diff: this.s.turnDiffs[turnId] ?? "",
      review: turnReview(this.s.review, turnId),
      errorCode: p.turn.error?.code ?? null,
    });
    if (this.s.activeTurnId === turnId || this.s.activeTurnId === null) {
      this.s.activeTurnId = null;
      this.s.status = { ...this.s.status, busy: false };
    }
    this.s.retry = null;
  }

  private putPlan(turnId: string | null, itemId: string | null, steps: PlanStep[], explanation: string | null,
    done: boolean): void {
    const known = turnId !== null ? this.s.planByTurn[turnId] : undefined;
    const id = known ?? itemId ?? `plan:${turnId ?? "?"}`;
    const prev = this.get(id);
    this.put({
      kind: "plan",
      id,
      turnId,
      steps,
      explanation: explanation ?? (prev?.kind === "plan" ? prev.explanation : null),
      done: done || (prev?.kind === "plan" && prev.done),
    });
    if (turnId !== null && known === undefined) this.s.planByTurn = { ...this.s.planByTurn, [turnId]: id };
  }

  /** Adds or refreshes the entry of `item`; `final` for completed items (and resumed transcripts). */
  private upsertItem(item: Item, turnId: string | null, final: boolean): void {
    const prev = this.get(item.id);
    switch (item.type) {
      case "userMessage":
        this.put({ kind: "user", id: item.id, turnId, item });
        break;
      case "agentMessage": {
        const streamed = prev?.kind === "agent" ? prev.text : "";
        this.put({ kind: "agent", id: item.id, turnId, text: item.text || streamed, streaming: !final });
        break;
      }
      case "reasoning": {
        const streamed = prev?.kind === "reasoning" ? prev.text : "";
        const summary = item.summary ?? [];
        const text = final && (summary.length > 0 || item.text) ? item.text ?? "" : item.text || streamed;
        this.put({ kind: "reasoning", id: item.id, turnId, summary, text, streaming: !final });
        break;
      }
      case "commandExecution":
        this.put(commandEntry(item, turnId, prev, this.s.approvalByItem[item.id] ?? null));
        break;
      case "fileChange":
        this.put({
          kind: "fileChange", id: item.id, turnId, changes: item.changes, status: item.status ?? "inProgress",
          review: fileReview(this.s.review, item.id),
        });
        break;
      case "mcpToolCall":
        this.put({ kind: "mcpToolCall", id: item.id, turnId, item });
        break;
      case "plan":
        this.putPlan(turnId, item.id, item.steps, item.explanation ?? null, final);
        break;
      case "contextCompaction":
        this.put({ kind: "compaction", id: item.id, turnId, summary: item.summary ?? "" });
        break;
      case "error":
        this.put({ kind: "error", id: item.id, turnId, message: item.message });
        break;
      default:
        break; // an item type this page does not know yet
    }
  }
}

function commandEntry(item: CommandExecutionItem, turnId: string | null, prev: Entry | undefined,
  approvalRequestId: string | null): CommandEntry {
  const streamed = prev?.kind === "command" ? prev.output : EMPTY_TEXT;
  const output = item.output ? cappedFrom(stripAnsi(item.output)) : streamed;
  return {
    kind: "command",
    id: item.id,
    turnId,
    command: item.command,
    cwd: item.cwd,
    status: item.status ?? "inProgress",
    exitCode: item.exitCode ?? null,
    durationMs: item.durationMs ?? null,
    output,
    approvalRequestId: item.status === "inProgress" || item.status === undefined ? approvalRequestId : null,
  };
}

/** The status fields of a thread's token usage (all null when it has none yet: the meter follows thread switches). */
function usageOf(p: Params<"tandem/thread/tokenUsage"> | null | undefined): Partial<StatusView> {
  return {
    usedTokens: p?.used.totalTokens ?? null,
    lastTokens: p?.last.totalTokens ?? null,
    contextWindow: p?.contextWindow ?? null,
    contextTokens: p?.contextTokens ?? p?.last.totalTokens ?? null,
    used: p?.used ?? null,
  };
}

export function approvalId(requestId: string): string {
  return `approval:${requestId}`;
}

export function turnEntryId(turnId: string): string {
  return `turn:${turnId}`;
}

/**
 * The input of turn `turnId`: the content of its first user message (for Retry), or null when the
 * transcript does not have it.
 */
export function turnInput(state: ViewState, turnId: string): UserEntry["item"]["content"] | null {
  for (const id of state.order) {
    const e = state.entries[id];
    if (e?.kind === "user" && e.turnId === turnId) return e.item.content;
  }
  return null;
}
