/**
 * The review of applied changes as the page sees it (pure, no DOM): the server's hunk states per
 * change (`tandem/change/updated`) and the turns a checkpoint undo reverted (`tandem/turn/undone`).
 * state.ts folds the notifications in here and hands each file-change card and turn card the part
 * it shows ({@link fileReview}, {@link turnReview}).
 */
import type { ChangeFileState, ChangeUpdatedNotification, TurnUndoneNotification } from "../src/protocol/generated";

export interface ReviewView {
  /** The newest state of each applied change, by change id (= its `fileChange` item id). */
  changes: Readonly<Record<string, ChangeUpdatedNotification>>;
  /** Turns undone from their checkpoint and not redone, oldest first (the last is what a redo brings back). */
  undone: readonly string[];
}

export function emptyReview(): ReviewView {
  return { changes: {}, undone: [] };
}

/** The review after a `tandem/change/updated`. */
export function withChange(review: ReviewView, p: ChangeUpdatedNotification): ReviewView {
  return { ...review, changes: { ...review.changes, [p.changeId]: p } };
}

/** The review after a `tandem/turn/undone`: an undo marks the turn, a redo un-marks it. */
export function withUndo(review: ReviewView, p: TurnUndoneNotification): ReviewView {
  const others = review.undone.filter((id) => id !== p.turnId);
  return { ...review, undone: p.action === "undo" ? [...others, p.turnId] : others };
}

/** How far one file's review is: every hunk still pending, kept, undone, or a mix. */
export type FileReviewState = "pending" | "kept" | "undone" | "partial";

/** One file of a turn (or of a change) under review. */
export interface FileReview {
  /** Where the file is now (a move's destination), as the items show it. */
  path: string;
  state: FileReviewState;
  /** Hunks not yet kept or undone. */
  pending: number;
  undone: number;
  total: number;
}

/** What a turn card shows of the review: its files' states, whether the turn is undone, whether Redo brings it back. */
export interface TurnReview {
  files: FileReview[];
  undone: boolean;
  redoable: boolean;
}

function summarize(path: string, files: readonly ChangeFileState[]): FileReview {
  const states = files.flatMap((f) => f.hunks.map((h) => h.state));
  const pending = states.filter((s) => s === "pending").length;
  const undone = states.filter((s) => s === "rejected").length;
  const total = states.length;
  const state: FileReviewState = pending === total ? "pending" : undone === total ? "undone" : pending === 0 && undone === 0 ? "kept" : "partial";
  return { path, state, pending, undone, total };
}

/** The per-file review of one change (a file-change card), in the change's file order. */
export function fileReview(review: ReviewView, changeId: string): FileReview[] | undefined {
  const change = review.changes[changeId];
  return change?.files.map((f) => summarize(f.movePath ?? f.path, [f]));
}

/**
 * The review of one turn: each file its changes touched (by where it is now), with the hunks of
 * every change of the turn to it taken together.
 */
export function turnReview(review: ReviewView, turnId: string): TurnReview {
  const byPath = new Map<string, ChangeFileState[]>();
  for (const change of Object.values(review.changes)) {
    if (change.turnId !== turnId) continue;
    for (const file of change.files) {
      const path = file.movePath ?? file.path;
      byPath.set(path, [...(byPath.get(path) ?? []), file]);
    }
  }
  const undone = review.undone.includes(turnId);
  return {
    files: [...byPath].map(([path, files]) => summarize(path, files)),
    undone,
    redoable: undone && review.undone[review.undone.length - 1] === turnId,
  };
}

/** A file's review state in words ("" while all of it is pending): Kept, Undone, "1 of 2 undone", "1 of 2 kept". */
export function reviewText(f: FileReview): string {
  if (f.state === "kept") return "Kept";
  if (f.state === "undone") return "Undone";
  if (f.state === "partial") return f.undone > 0 ? `${f.undone} of ${f.total} undone` : `${f.total - f.pending} of ${f.total} kept`;
  return "";
}

/** True when two reviews would render the same (so an entry is replaced only when it changed). */
export function sameReview(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
