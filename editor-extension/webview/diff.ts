/**
 * Unified diffs as the server prints them (git style: `--- a/x` / `+++ b/x`, `@@ -l,s +l,s @@`
 * hunks, `\ No newline at end of file`): line classification for colouring and per-file +/- counts.
 * Hunk bodies are consumed by their header's line counts, so content lines that look like headers
 * (`--- x` removed, `+++ y` added) are counted right.
 */

export type DiffLineKind = "meta" | "hunk" | "add" | "del" | "context" | "note";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export interface DiffFileSummary {
  /** The file's path (new side; old side for a deletion), without git's `a/` / `b/` prefix. */
  path: string;
  /** The old path when it differs from `path` (a move). */
  oldPath: string | null;
  added: number;
  removed: number;
  /** This file's part of the diff. */
  diff: string;
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

function splitLines(diff: string): string[] {
  const lines = diff.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Every line of `diff` with its kind. */
export function parseDiffLines(diff: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldLeft = 0;
  let newLeft = 0;
  for (const text of splitLines(diff)) {
    if (oldLeft > 0 || newLeft > 0) {
      const c = text[0];
      if (c === "+") {
        newLeft--;
        out.push({ kind: "add", text });
        continue;
      }
      if (c === "-") {
        oldLeft--;
        out.push({ kind: "del", text });
        continue;
      }
      if (c === " " || text === "") {
        oldLeft--;
        newLeft--;
        out.push({ kind: "context", text });
        continue;
      }
      if (c === "\\") {
        out.push({ kind: "note", text });
        continue;
      }
      oldLeft = newLeft = 0; // malformed hunk: fall back to header parsing
    }
    const hunk = HUNK.exec(text);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      out.push({ kind: "hunk", text });
    } else if (text.startsWith("\\")) {
      out.push({ kind: "note", text });
    } else {
      out.push({ kind: "meta", text });
    }
  }
  return out;
}

function stripPrefix(path: string): string {
  const p = path.split("\t")[0] ?? path;
  return p.startsWith("a/") || p.startsWith("b/") ? p.slice(2) : p;
}

/** One summary per file section of `diff`, in order. */
export function summarizeDiff(diff: string): DiffFileSummary[] {
  const files: DiffFileSummary[] = [];
  let current: (DiffFileSummary & { lines: string[] }) | null = null;
  const flush = (): void => {
    if (current) {
      files.push({ path: current.path, oldPath: current.oldPath, added: current.added, removed: current.removed,
        diff: current.lines.join("\n") + "\n" });
    }
    current = null;
  };
  const lines = parseDiffLines(diff);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as DiffLine;
    if (line.kind === "meta" && line.text.startsWith("diff --git ")) {
      flush();
      const m = /^diff --git a\/(.*) b\/(.*)$/.exec(line.text);
      current = { path: m?.[2] ?? line.text.slice(11), oldPath: null, added: 0, removed: 0, diff: "", lines: [] };
    } else if (line.kind === "meta" && line.text.startsWith("--- ")) {
      const next = lines[i + 1];
      if (next?.kind === "meta" && next.text.startsWith("+++ ")) {
        if (!current || current.lines.some((l) => l.startsWith("@@") || l.startsWith("+++ "))) {
          flush();
          current = { path: "", oldPath: null, added: 0, removed: 0, diff: "", lines: [] };
        }
        const oldName = stripPrefix(line.text.slice(4));
        const newName = stripPrefix(next.text.slice(4));
        const deleted = newName === "/dev/null";
        current.path = deleted ? oldName : newName;
        current.oldPath = !deleted && oldName !== "/dev/null" && oldName !== newName ? oldName : null;
      }
    }
    if (!current) current = { path: "", oldPath: null, added: 0, removed: 0, diff: "", lines: [] };
    current.lines.push(line.text);
    if (line.kind === "add") current.added++;
    else if (line.kind === "del") current.removed++;
  }
  flush();
  return files.filter((f) => f.path !== "" || f.added > 0 || f.removed > 0);
}

/** Total +/- of `diff`. */
export function countDiff(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of parseDiffLines(diff)) {
    if (line.kind === "add") added++;
    else if (line.kind === "del") removed++;
  }
  return { added, removed };
}
