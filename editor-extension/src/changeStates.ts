/**
 * The review state of the applied changes, as the server last told it (`tandem/change/updated`,
 * one per change: every hunk's state). Pure: no `vscode`. The inline diff asks it which changes
 * still have pending hunks (Keep All / Undo All, the navigator's next file).
 */
import { isNotification, type TandemNotification } from "./notifications";
import type { ChangeFileState, ChangeUpdatedNotification } from "./protocol/generated";

/** A change with pending hunks: what `tandem/change/accept|reject` needs to settle them. */
export interface PendingChange {
  threadId: string;
  turnId: string;
  changeId: string;
  hunkIds: string[];
  /** The files (as the item shows them: relative to the thread's cwd) that have pending hunks. */
  paths: string[];
}

const MAX_CHANGES = 500;

/** The states, by change id (newest last). */
export class ChangeStates {
  private readonly changes = new Map<string, ChangeUpdatedNotification>();
  private readonly listeners = new Set<() => void>();

  /** Update from a notification (`tandem/change/updated`; others are ignored). */
  apply(n: TandemNotification): void {
    if (!isNotification(n, "tandem/change/updated")) return;
    this.changes.delete(n.params.changeId);
    this.changes.set(n.params.changeId, n.params);
    while (this.changes.size > MAX_CHANGES) this.changes.delete(this.changes.keys().next().value as string);
    for (const listener of [...this.listeners]) listener();
  }

  /** A change's state, if told. */
  get(changeId: string): ChangeUpdatedNotification | undefined {
    return this.changes.get(changeId);
  }

  /** Changes with pending hunks (optionally of one thread), oldest first. */
  pending(threadId?: string): PendingChange[] {
    const out: PendingChange[] = [];
    for (const change of this.changes.values()) {
      if (threadId !== undefined && change.threadId !== threadId) continue;
      const files = change.files.filter((f) => f.hunks.some((h) => h.state === "pending"));
      if (files.length === 0) continue;
      out.push({
        threadId: change.threadId,
        turnId: change.turnId,
        changeId: change.changeId,
        hunkIds: files.flatMap((f) => f.hunks.filter((h) => h.state === "pending").map((h) => h.id)),
        paths: files.map(shownPath),
      });
    }
    return out;
  }

  /** Forget everything (the server restarted: its change sets are gone). */
  clear(): void {
    this.changes.clear();
    for (const listener of [...this.listeners]) listener();
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}

/** Where a file of a change is now (a move's destination). */
export function shownPath(file: ChangeFileState): string {
  return file.movePath ?? file.path;
}
