/**
 * Unified-diff hunks: parsing and applying a subset of them (pure; no `vscode`).
 *
 * Format (server/tandem/patch/diff.py, what `tandem/requestApproval` sends in
 * `changes[].hunks[].diff`): a header line `@@ -oldStart[,oldCount] +newStart[,newCount] @@`, then
 * one line per hunk line prefixed with " " (context), "-" (removed) or "+" (added), each ending
 * with "\n"; a line `\ No newline at end of file` follows a line that has no line break. Starts
 * are 1-based; for an empty range (count 0) the start is the line *after which* the change goes.
 * A whole file's diff (`FileUpdateChange.diff`) is `--- a/path` / `+++ b/path` followed by hunks.
 */

/** One line of a hunk: `op` " " | "-" | "+", `text` without the line break, `eol` false when none. */
export interface HunkLine {
  op: " " | "-" | "+";
  text: string;
  eol: boolean;
}

/** A parsed hunk. */
export interface ParsedHunk {
  id: string;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: HunkLine[];
}

/** Where a hunk ended up in the text `layoutHunks` produced (0-based lines). */
export interface HunkSpan {
  id: string;
  /** True when the hunk's new lines are in the text, false when the old ones were kept. */
  applied: boolean;
  /** First line of the hunk (its leading context included). */
  startLine: number;
  /** Number of lines the hunk occupies in the text. */
  lineCount: number;
  /** First changed line (after the leading context): where a lens belongs. */
  changeLine: number;
}

/** A hunk whose old lines are not found in the text it is applied to. */
export class HunkMismatchError extends Error {
  constructor(readonly hunkId: string, message: string) {
    super(message);
    this.name = "HunkMismatchError";
  }
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const NO_NEWLINE = "\\";

/**
 * Parse one hunk (`HunkInfo.diff`: its header line then its lines).
 *
 * @throws Error when the header is not a unified-diff hunk header.
 */
export function parseHunk(hunk: { id: string; diff: string }): ParsedHunk {
  const [header = "", ...rest] = splitRaw(hunk.diff);
  const parsed = parseHeader(hunk.id, header);
  parsed.lines = parseBody(rest);
  return parsed;
}

/** Parse a whole unified diff of one file into its hunks (ids `h0`, `h1`, ...); headers before the first `@@` are skipped. */
export function parseUnifiedDiff(diff: string): ParsedHunk[] {
  const hunks: ParsedHunk[] = [];
  let body: string[] | null = null;
  const flush = () => {
    const last = hunks[hunks.length - 1];
    if (last && body) last.lines = parseBody(body);
  };
  for (const line of splitRaw(diff)) {
    if (line.startsWith("@@ ")) {
      flush();
      hunks.push(parseHeader(`h${hunks.length}`, line));
      body = [];
    } else if (body) {
      body.push(line);
    }
  }
  flush();
  return hunks;
}

/** The same hunk the other way round (apply it to the new text to get the old one). */
export function reverseHunk(hunk: ParsedHunk): ParsedHunk {
  const swap = { " ": " ", "-": "+", "+": "-" } as const;
  // A reversed hunk lists its "-" lines before its "+" lines within each change block.
  const lines: HunkLine[] = [];
  let minus: HunkLine[] = [];
  let plus: HunkLine[] = [];
  const flush = () => {
    lines.push(...minus, ...plus);
    minus = [];
    plus = [];
  };
  for (const line of hunk.lines) {
    const op = swap[line.op];
    if (op === " ") {
      flush();
      lines.push(line);
    } else (op === "-" ? minus : plus).push({ ...line, op });
  }
  flush();
  return {
    id: hunk.id,
    oldStart: hunk.newStart,
    oldCount: hunk.newCount,
    newStart: hunk.oldStart,
    newCount: hunk.oldCount,
    lines,
  };
}

/**
 * Apply the hunks whose ids are in `acceptedIds` to `original`; the others leave their text as it
 * was. Hunks are located by their header (and, if the text moved, by searching for their old
 * lines, nearest first).
 *
 * @param original the file's current text ("" for a file to be created).
 * @param hunks `HunkInfo`s (`{id, diff}`) or already parsed hunks, in any order.
 * @param acceptedIds ids of the hunks to apply.
 * @returns the resulting text.
 * @throws HunkMismatchError when a hunk's old lines are not in `original`.
 */
export function applyHunks(
  original: string,
  hunks: ReadonlyArray<{ id: string; diff: string } | ParsedHunk>,
  acceptedIds: Iterable<string>,
): string {
  return layoutHunks(original, hunks, acceptedIds).text;
}

/** {@link applyHunks}, also reporting where each hunk landed (for code lenses). */
export function layoutHunks(
  original: string,
  hunks: ReadonlyArray<{ id: string; diff: string } | ParsedHunk>,
  acceptedIds: Iterable<string>,
): { text: string; spans: HunkSpan[] } {
  const accepted = new Set(acceptedIds);
  const lines = splitLines(original);
  const located = hunks
    .map((h) => ("lines" in h ? h : parseHunk(h)))
    .map((hunk) => ({ hunk, start: locate(lines, hunk) }))
    .sort((a, b) => a.start - b.start);
  const out: string[] = [];
  const spans: HunkSpan[] = [];
  let pos = 0;
  for (const { hunk, start } of located) {
    if (start < pos) throw new HunkMismatchError(hunk.id, `hunk ${hunk.id} overlaps the hunk before it`);
    out.push(...lines.slice(pos, start));
    const applied = accepted.has(hunk.id);
    const side = hunk.lines.filter((l) => l.op === " " || l.op === (applied ? "+" : "-"));
    const lead = hunk.lines.findIndex((l) => l.op !== " ");
    spans.push({
      id: hunk.id,
      applied,
      startLine: out.length,
      lineCount: side.length,
      changeLine: out.length + (lead < 0 ? 0 : lead),
    });
    out.push(...(applied ? side.map(joinLine) : lines.slice(start, start + oldLength(hunk))));
    pos = start + oldLength(hunk);
  }
  out.push(...lines.slice(pos));
  return { text: out.join(""), spans };
}

/** Split text into lines that keep their "\n" (the last one may have none). */
export function splitLines(text: string): string[] {
  if (!text) return [];
  const parts = text.split("\n");
  const lines = parts.slice(0, -1).map((p) => `${p}\n`);
  const last = parts[parts.length - 1];
  if (last) lines.push(last);
  return lines;
}

function splitRaw(diff: string): string[] {
  const lines = diff.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function parseHeader(id: string, header: string): ParsedHunk {
  const m = HEADER.exec(header);
  if (!m) throw new Error(`hunk ${id}: not a unified-diff hunk header: ${JSON.stringify(header.slice(0, 80))}`);
  const num = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  return {
    id,
    oldStart: num(m[1], 0),
    oldCount: num(m[2], 1),
    newStart: num(m[3], 0),
    newCount: num(m[4], 1),
    lines: [],
  };
}

function parseBody(raw: string[]): HunkLine[] {
  const lines: HunkLine[] = [];
  for (const line of raw) {
    if (line.startsWith(NO_NEWLINE)) {
      const previous = lines[lines.length - 1];
      if (previous) previous.eol = false;
      continue;
    }
    const op = line[0];
    if (op === "-" || op === "+" || op === " ") lines.push({ op, text: line.slice(1), eol: true });
    else if (line === "") lines.push({ op: " ", text: "", eol: true }); // a context line whose space was trimmed
  }
  return lines;
}

function joinLine(line: HunkLine): string {
  return line.eol ? `${line.text}\n` : line.text;
}

function oldLength(hunk: ParsedHunk): number {
  return hunk.lines.filter((l) => l.op !== "+").length;
}

/** Index in `lines` where the hunk's old lines start. */
function locate(lines: string[], hunk: ParsedHunk): number {
  const old = hunk.lines.filter((l) => l.op !== "+").map(joinLine);
  const expected = hunk.oldCount === 0 || old.length === 0 ? hunk.oldStart : hunk.oldStart - 1;
  const matches = (at: number) => at >= 0 && at + old.length <= lines.length && old.every((l, i) => sameLine(lines[at + i], l, at + i === lines.length - 1));
  if (matches(expected)) return expected;
  for (let distance = 1; distance <= lines.length; distance++) {
    if (matches(expected - distance)) return expected - distance;
    if (matches(expected + distance)) return expected + distance;
  }
  throw new HunkMismatchError(hunk.id, `hunk ${hunk.id} (${hunk.lines.length} lines at line ${hunk.oldStart}) does not match the file`);
}

/** Lines are equal; the file's last line may differ from the diff only in its final line break. */
function sameLine(actual: string | undefined, expected: string, isLast: boolean): boolean {
  if (actual === expected) return true;
  return isLast && actual !== undefined && actual.replace(/\n$/, "") === expected.replace(/\n$/, "");
}
