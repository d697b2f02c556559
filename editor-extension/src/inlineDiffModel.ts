/**
 * What the inline diff of applied changes draws, and where the hunk navigator is — pure (no
 * `vscode`, no diff arithmetic): everything comes from the server's located hunks
 * (`tandem/change/hunks`, {@link LocatedHunk}: per hunk its runs of changed lines in the document's
 * text now, with the lines each run removed).
 *
 * A run's added lines are drawn as green whole-line decorations. VS Code gives extensions no way
 * to insert lines into an editor, so the lines a run removed are shown as red text after a line:
 * next to the added line they were replaced by (pairing the run's removed and added lines in
 * order), the rest after its last added line; a run that only removed lines shows them after the
 * line above where they stood. The full removed text is in the hover.
 */
import type { LocatedHunk } from "./protocol/generated";

/** One removed-text annotation: shown after line `line`, `text` on screen, `lines` in the hover. */
export interface RemovedNote {
  line: number;
  text: string;
  lines: string[];
  /** True when the line itself is unchanged (the removed lines stood below it): drawn with a deletion mark. */
  deletionOnly: boolean;
}

/** Everything the inline diff draws in one document. */
export interface InlineDecorations {
  /** Lines the agent added (0-based), in order. */
  added: number[];
  removed: RemovedNote[];
}

/** Longest removed line shown on screen (the hover has all of it). */
export const REMOVED_TEXT_MAX = 80;

/** The on-screen text of removed lines: the first one (shortened), and how many more there are. */
export function removedText(lines: readonly string[], max = REMOVED_TEXT_MAX): string {
  const first = (lines[0] ?? "").replace(/\t/g, "    ").trimEnd();
  const shown = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  const more = lines.length > 1 ? `  (+${lines.length - 1} more removed line${lines.length > 2 ? "s" : ""})` : "";
  return `− ${shown.trimStart() || "(empty line)"}${more}`;
}

/**
 * The decorations of `hunks` in a document of `lineCount` lines (lines outside it are clamped in).
 */
export function inlineDecorations(hunks: readonly LocatedHunk[], lineCount: number): InlineDecorations {
  const last = Math.max(lineCount - 1, 0);
  const clamp = (line: number) => Math.min(Math.max(line, 0), last);
  const added: number[] = [];
  const removed: RemovedNote[] = [];
  for (const hunk of hunks) {
    for (const block of hunk.blocks) {
      const gone = block.removed ?? [];
      for (let i = 0; i < block.added; i++) added.push(clamp(block.startLine + i));
      if (gone.length === 0) continue;
      if (block.added === 0) {
        const line = clamp(block.startLine - 1);
        removed.push({ line, text: removedText(gone), lines: [...gone], deletionOnly: true });
        continue;
      }
      // Pair removed line i with added line i; what is left goes after the last added line.
      const paired = Math.min(block.added, gone.length) - (gone.length > block.added ? 1 : 0);
      for (let i = 0; i < paired; i++) {
        removed.push({ line: clamp(block.startLine + i), text: removedText([gone[i] as string]), lines: [gone[i] as string], deletionOnly: false });
      }
      const rest = gone.slice(paired);
      if (rest.length > 0) {
        removed.push({ line: clamp(block.startLine + paired), text: removedText(rest), lines: rest, deletionOnly: false });
      }
    }
  }
  added.sort((a, b) => a - b);
  removed.sort((a, b) => a.line - b.line);
  return { added: [...new Set(added)], removed };
}

/** The first and last line a hunk covers on screen (its changed lines; a pure deletion: its mark line). */
export function hunkLines(hunk: LocatedHunk, lineCount: number): { first: number; last: number } {
  const last = Math.max(lineCount - 1, 0);
  if (hunk.lineCount > 0) {
    return { first: Math.min(hunk.startLine, last), last: Math.min(hunk.startLine + hunk.lineCount - 1, last) };
  }
  const line = Math.min(Math.max(hunk.startLine - 1, 0), last);
  return { first: line, last: line };
}

/** Hunks in the order they appear (a server answer is already in line order; this keeps it so). */
export function sortHunks(hunks: readonly LocatedHunk[]): LocatedHunk[] {
  return [...hunks].sort((a, b) => a.startLine - b.startLine);
}

/** Index of the hunk containing `line`, or -1. */
export function hunkIndexAt(hunks: readonly LocatedHunk[], line: number, lineCount: number): number {
  return hunks.findIndex((h) => {
    const { first, last } = hunkLines(h, lineCount);
    return line >= first && line <= last;
  });
}

/**
 * The hunk the keep / undo commands act on: the one containing `line`, else the next one below it,
 * else the last one; undefined when there is none.
 */
export function currentHunk(hunks: readonly LocatedHunk[], line: number, lineCount: number): LocatedHunk | undefined {
  const at = hunkIndexAt(hunks, line, lineCount);
  if (at >= 0) return hunks[at];
  return hunks.find((h) => hunkLines(h, lineCount).first > line) ?? hunks[hunks.length - 1];
}

/** Which way the navigator moves. */
export type Direction = "next" | "previous";

/**
 * The hunk after (or before) `line` in `direction`; undefined when there is none in that direction
 * (the caller then goes to another file, or wraps around).
 */
export function adjacentHunk(hunks: readonly LocatedHunk[], line: number, lineCount: number, direction: Direction): LocatedHunk | undefined {
  if (direction === "next") return hunks.find((h) => hunkLines(h, lineCount).first > line);
  return [...hunks].reverse().find((h) => hunkLines(h, lineCount).last < line);
}

/** The navigator's text: "Tandem change 2 of 3" inside a hunk, "3 Tandem changes" elsewhere. */
export function navigatorText(hunks: readonly LocatedHunk[], line: number, lineCount: number): string {
  const total = hunks.length;
  const at = hunkIndexAt(hunks, line, lineCount);
  if (at >= 0) return `Tandem change ${at + 1} of ${total}`;
  return `${total} Tandem change${total === 1 ? "" : "s"}`;
}

/** Located hunks grouped by change (`tandem/change/accept|reject` take one change's hunk ids). */
export function byChange(hunks: readonly LocatedHunk[]): { threadId: string; changeId: string; hunkIds: string[] }[] {
  const groups = new Map<string, { threadId: string; changeId: string; hunkIds: string[] }>();
  for (const h of hunks) {
    const group = groups.get(h.changeId) ?? { threadId: h.threadId, changeId: h.changeId, hunkIds: [] };
    group.hunkIds.push(h.hunkId);
    groups.set(h.changeId, group);
  }
  return [...groups.values()];
}
