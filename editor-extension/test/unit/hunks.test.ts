import { describe, expect, it } from "vitest";
import { applyHunks, HunkMismatchError, layoutHunks, parseHunk, parseUnifiedDiff, reverseHunk, splitLines } from "../../src/hunks";
import fixtures from "./fixtures/serverHunks.json";

interface Case {
  original: string;
  proposed: string;
  diff: string;
  hunks: { id: string; header: string; diff: string }[];
  partial: Record<string, string | null>;
}
const cases = fixtures as unknown as Record<string, Case>;
const get = (name: string): Case => cases[name]!;
const ids = (c: Case) => c.hunks.map((h) => h.id);

describe("applyHunks on hunks made by the server (tandem/patch/diff.py)", () => {
  it.each(["twoHunks", "add", "addNoEol", "delete", "noEolChanged", "noEolAdded", "appendToNoEol", "insertOnly"])(
    "%s: accepting every hunk gives the proposed text, none gives the original",
    (name) => {
      const c = get(name);
      expect(applyHunks(c.original, c.hunks, ids(c))).toBe(c.proposed);
      expect(applyHunks(c.original, c.hunks, [])).toBe(c.original);
    },
  );

  it("accepting some hunks gives what the server applies for them (select_hunks)", () => {
    for (const name of ["twoHunks", "appendToNoEol", "insertOnly"]) {
      const c = get(name);
      expect(c.hunks.length).toBeGreaterThan(1);
      for (const hunk of c.hunks) expect(applyHunks(c.original, c.hunks, [hunk.id])).toBe(c.partial[hunk.id]);
    }
  });

  it("applies a subset in any order of the hunk list", () => {
    const c = get("twoHunks");
    const [first, second] = c.hunks;
    expect(applyHunks(c.original, [second!, first!], [second!.id])).toBe(c.original.replace("line 18\n", "LINE EIGHTEEN\n"));
  });

  it("adds create the whole file from an empty original", () => {
    const c = get("add");
    expect(c.hunks[0]!.header).toBe("@@ -0,0 +1,2 @@");
    expect(applyHunks("", c.hunks, ids(c))).toBe("hello\nworld\n");
  });

  it("honours no-newline markers on either side", () => {
    expect(applyHunks("a\nb\nc", get("noEolChanged").hunks, ids(get("noEolChanged")))).toBe("a\nb\nC");
    expect(applyHunks("a\nb\nc", get("noEolAdded").hunks, ids(get("noEolAdded")))).toBe("a\nb\nc\n");
    expect(applyHunks("", get("addNoEol").hunks, ids(get("addNoEol")))).toBe("hello\nworld");
    const parsed = parseHunk(get("noEolChanged").hunks[0]!);
    expect(parsed.lines.map((l) => [l.op, l.text, l.eol])).toEqual([
      [" ", "a", true],
      [" ", "b", true],
      ["-", "c", false],
      ["+", "C", false],
    ]);
  });

  it("finds a hunk whose lines moved (the file changed above it)", () => {
    const c = get("twoHunks");
    const shifted = `new first line\n${c.original}`;
    expect(applyHunks(shifted, c.hunks, ids(c))).toBe(`new first line\n${c.proposed}`);
  });

  it("throws HunkMismatchError when the old lines are not in the file", () => {
    const c = get("twoHunks");
    expect(() => applyHunks("something else\n", c.hunks, ids(c))).toThrow(HunkMismatchError);
  });

  it("reports where each hunk landed (for lenses)", () => {
    const c = get("twoHunks");
    const { spans } = layoutHunks(c.original, c.hunks, [c.hunks[1]!.id]);
    expect(spans).toEqual([
      { id: c.hunks[0]!.id, applied: false, startLine: 0, lineCount: 5, changeLine: 1 },
      { id: c.hunks[1]!.id, applied: true, startLine: 14, lineCount: 6, changeLine: 17 },
    ]);
  });
});

describe("whole-file diffs", () => {
  it("parseUnifiedDiff + reverseHunk turn the new text back into the old one", () => {
    for (const name of ["twoHunks", "noEolChanged", "appendToNoEol", "insertOnly", "add"]) {
      const c = get(name);
      const hunks = parseUnifiedDiff(c.diff);
      expect(hunks.length).toBe(c.hunks.length);
      expect(applyHunks(c.original, hunks, hunks.map((h) => h.id))).toBe(c.proposed);
      const reversed = hunks.map(reverseHunk);
      expect(applyHunks(c.proposed, reversed, reversed.map((h) => h.id))).toBe(c.original);
    }
  });
});

describe("splitLines", () => {
  it("keeps line breaks and a last line without one", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb")).toEqual(["a\n", "b"]);
    expect(splitLines("a\r\nb\n")).toEqual(["a\r\n", "b\n"]);
  });
});
