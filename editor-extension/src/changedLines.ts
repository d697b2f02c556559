/**
 * Where a unified diff (the server's, e.g. a `fileChange` item's `changes[].diff`) touches a file,
 * for the inline ask's in-editor marks: the 0-based lines it adds (in the new text) and removes (in
 * the old text). Pure: no `vscode`; no diff is computed here, the server's is read.
 */

export interface ChangedLines {
  /** 0-based lines of the new text that the diff adds. */
  added: number[];
  /** 0-based lines of the old text that the diff removes. */
  removed: number[];
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The added and removed lines of one file's unified diff (file headers and `\ No newline` are skipped). */
export function changedLines(diff: string): ChangedLines {
  const out: ChangedLines = { added: [], removed: [] };
  let oldLine = -1;
  let newLine = -1;
  for (const line of diff.split("\n")) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]) - 1;
      newLine = Number(hunk[2]) - 1;
      // `-0,0` / `+0,0`: an empty side starts before line 0.
      if (oldLine < 0) oldLine = 0;
      if (newLine < 0) newLine = 0;
      continue;
    }
    if (oldLine < 0 || line.startsWith("--- ") || line.startsWith("+++ ") || line.startsWith("\\")) continue;
    if (line.startsWith("+")) out.added.push(newLine++);
    else if (line.startsWith("-")) out.removed.push(oldLine++);
    else if (line.startsWith(" ") || line === "") {
      oldLine++;
      newLine++;
    }
  }
  return out;
}

/** Consecutive line numbers as `[first, last]` ranges (input sorted ascending). */
export function lineRuns(lines: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const line of lines) {
    const last = runs[runs.length - 1];
    if (last && line === last[1] + 1) last[1] = line;
    else runs.push([line, line]);
  }
  return runs;
}
