/**
 * Thread and turn state kept from the server's notifications and request results: which thread
 * the chat shows, which turns run, token usage, the latest `fileChange` items (for "open diff").
 * No `vscode` import: unit and contract tests drive it directly.
 */
import type { FileChangeItem, ThreadInfo, TokenUsageNotification, Turn, Usage } from "./protocol/generated";
import { isNotification, type TandemNotification } from "./notifications";

/**
 * Usage of one thread (`tandem/thread/tokenUsage`, or the `tokenUsage` of `tandem/thread/resume`):
 * `usedTokens` = the thread's cumulative `used.totalTokens`; `contextTokens` = how full its context
 * is now (the server's estimate; older servers: the last response's total); `contextWindow` = the
 * model's window.
 */
export interface ThreadUsage {
  usedTokens: number;
  contextWindow: number | null;
  contextTokens: number | null;
  lastTokens: number | null;
  /** The cumulative counts (input, cached, output, reasoning). */
  used: Usage;
}

/** A thread's usage from a `tandem/thread/tokenUsage` notification (or the same shape in a resume result). */
export function usageFrom(p: TokenUsageNotification): ThreadUsage {
  const used: Usage = p.used ?? {};
  return {
    usedTokens: used.totalTokens ?? 0,
    contextWindow: p.contextWindow ?? null,
    contextTokens: p.contextTokens ?? p.last?.totalTokens ?? null,
    lastTokens: p.last?.totalTokens ?? null,
    used,
  };
}

/** What the extension knows about one thread. */
export interface ThreadState {
  id: string;
  info: ThreadInfo | null;
  runningTurnId: string | null;
  lastTurnId: string | null;
  usage: ThreadUsage | null;
}

const MAX_FILE_CHANGES = 200;
const MAX_TURNS = 500;

/** The store; `onDidChange` listeners run after every change. */
export class ThreadStore {
  private readonly threads = new Map<string, ThreadState>();
  private readonly fileChanges = new Map<string, { threadId: string; item: FileChangeItem }>();
  private readonly turns = new Map<string, Turn>();
  private readonly turnOrder = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();
  private listed: ThreadInfo[] = [];
  private active: string | null = null;

  /** The thread the chat panel shows (null before the first one is started or resumed). */
  get activeThreadId(): string | null {
    return this.active;
  }

  /** Make `threadId` the chat's thread (null: none). */
  setActive(threadId: string | null): void {
    this.active = threadId;
    if (threadId) this.ensure(threadId);
    this.changed();
  }

  /** Remember a thread's info (from thread/start, resume, fork or list). */
  upsert(info: ThreadInfo): void {
    this.ensure(info.id).info = info;
    const index = this.listed.findIndex((t) => t.id === info.id);
    if (index >= 0) this.listed[index] = info;
    else this.listed.unshift(info);
    this.changed();
  }

  /** Replace the known thread list (result of `tandem/thread/list`, newest first). */
  setList(threads: ThreadInfo[]): void {
    this.listed = [...threads];
    for (const info of threads) {
      const state = this.ensure(info.id);
      // Recorded (not loaded) threads come without provider/policies: keep richer info we have.
      if (!state.info || info.modelProvider) state.info = info;
      else state.info = { ...state.info, preview: info.preview || state.info.preview, updatedAt: info.updatedAt ?? state.info.updatedAt };
    }
    this.changed();
  }

  /** Thread infos for the chat's thread list (newest first). */
  list(): ThreadInfo[] {
    return [...this.listed];
  }

  get(threadId: string): ThreadState | undefined {
    return this.threads.get(threadId);
  }

  /** The active thread's state, if any. */
  activeThread(): ThreadState | undefined {
    return this.active ? this.threads.get(this.active) : undefined;
  }

  /** True while any thread has a running turn. */
  anyRunning(): boolean {
    return [...this.threads.values()].some((t) => t.runningTurnId !== null);
  }

  /** Ids of a thread's turns seen in this window, in order (for cutting a transcript at a turn). */
  turnsOf(threadId: string): string[] {
    return [...(this.turnOrder.get(threadId) ?? [])];
  }

  /** A turn as last reported (`turn/started` / `turn/completed`), if seen. */
  turn(turnId: string): Turn | undefined {
    return this.turns.get(turnId);
  }

  /** Usage to show: the active thread's (null before its first model response: it follows thread switches). */
  usage(): ThreadUsage | null {
    return this.activeThread()?.usage ?? null;
  }

  /** Set a thread's usage (e.g. from `tandem/thread/resume`'s `tokenUsage`). */
  setUsage(params: TokenUsageNotification): void {
    this.ensure(params.threadId).usage = usageFrom(params);
    this.changed();
  }

  /** True when the thread is not named yet here (unknown info or an empty preview): a list refresh names it. */
  needsName(threadId: string): boolean {
    return !this.threads.get(threadId)?.info?.preview;
  }

  /** A `fileChange` item seen in a notification (latest version), with its thread. */
  fileChange(itemId: string): { threadId: string; item: FileChangeItem } | undefined {
    return this.fileChanges.get(itemId);
  }

  /** Ids of the `fileChange` items of a thread, newest first. */
  fileChangesOf(threadId: string): FileChangeItem[] {
    return [...this.fileChanges.values()].filter((c) => c.threadId === threadId).map((c) => c.item).reverse();
  }

  /** Mark a turn as started right away (from the `turn/start` result; the notification may come later). */
  turnStarted(threadId: string, turn: Turn): void {
    this.record(threadId, turn);
  }

  /** Forget running turns (the server went away). */
  resetRunning(): void {
    for (const state of this.threads.values()) state.runningTurnId = null;
    this.changed();
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Update from one notification (the reducer). */
  apply(n: TandemNotification): void {
    if (isNotification(n, "tandem/turn/started") || isNotification(n, "tandem/turn/completed")) {
      this.record(n.params.threadId, n.params.turn);
    } else if (isNotification(n, "tandem/thread/tokenUsage")) {
      this.setUsage(n.params);
    } else if (isNotification(n, "tandem/item/started") || isNotification(n, "tandem/item/updated") ||
      isNotification(n, "tandem/item/completed")) {
      const item = n.params.item;
      if (item.type === "fileChange") {
        this.fileChanges.delete(item.id);
        this.fileChanges.set(item.id, { threadId: n.params.threadId, item: item as FileChangeItem });
        trim(this.fileChanges, MAX_FILE_CHANGES);
      }
    }
  }

  private record(threadId: string, turn: Turn): void {
    const state = this.ensure(threadId);
    const previous = this.turns.get(turn.id);
    // A completion may arrive before the turn/start result: never go back to running.
    const done = (t: Turn | undefined) => t?.status !== undefined && t.status !== "inProgress";
    const effective = done(previous) && !done(turn) ? previous! : turn;
    this.turns.delete(turn.id);
    this.turns.set(turn.id, effective);
    trim(this.turns, MAX_TURNS);
    state.lastTurnId = turn.id;
    const order = this.turnOrder.get(threadId) ?? [];
    if (!order.includes(turn.id)) this.turnOrder.set(threadId, [...order, turn.id].slice(-MAX_TURNS));
    if (!done(effective)) state.runningTurnId = turn.id;
    else if (state.runningTurnId === turn.id) state.runningTurnId = null;
    this.changed();
  }

  private ensure(threadId: string): ThreadState {
    let state = this.threads.get(threadId);
    if (!state) {
      state = { id: threadId, info: null, runningTurnId: null, lastTurnId: null, usage: null };
      this.threads.set(threadId, state);
    }
    return state;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function trim<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const first = map.keys().next();
    if (first.done) return;
    map.delete(first.value);
  }
}
