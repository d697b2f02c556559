import { describe, expect, it } from "vitest";
import { ChangeStates } from "../../src/changeStates";
import {
  adjacentHunk, byChange, currentHunk, hunkIndexAt, inlineDecorations, navigatorText, removedText,
} from "../../src/inlineDiffModel";
import type { LocatedHunk } from "../../src/protocol/generated";

/** Hunks as `tandem/change/hunks` gives them (server/tandem/lsp/review_wire.py). */
const hunk = (id: string, startLine: number, lineCount: number, blocks: LocatedHunk["blocks"], changeId = "c1"): LocatedHunk => ({
  threadId: "t1", turnId: "u1", changeId, hunkId: id, header: "@@", startLine, lineCount, blocks,
});
// A replacement of one line by two (lines 2-3), a deletion before line 25, an addition at 30-31.
const REPLACE = hunk("h1", 2, 2, [{ startLine: 2, added: 2, removed: ["line 3"] }]);
const DELETE = hunk("h2", 25, 0, [{ startLine: 25, added: 0, removed: ["line 25", "line 26"] }]);
const ADD = hunk("h3", 30, 2, [{ startLine: 30, added: 2, removed: [] }], "c2");
const HUNKS = [REPLACE, DELETE, ADD];

describe("inline diff decorations", () => {
  it("added lines green; removed lines after the line that replaced them, or after the line above a deletion", () => {
    expect(inlineDecorations(HUNKS, 40)).toEqual({
      added: [2, 3, 30, 31],
      removed: [
        { line: 2, text: "− line 3", lines: ["line 3"], deletionOnly: false },
        { line: 24, text: "− line 25  (+1 more removed line)", lines: ["line 25", "line 26"], deletionOnly: true },
      ],
    });
  });

  it("pairs removed and added lines of a run in order; the rest goes after the last added line", () => {
    const run = hunk("h", 5, 2, [{ startLine: 5, added: 2, removed: ["a", "b", "c"] }]);
    expect(inlineDecorations([run], 10).removed.map((r) => [r.line, r.lines])).toEqual([[5, ["a"]], [6, ["b", "c"]]]);
    const more = hunk("h", 5, 3, [{ startLine: 5, added: 3, removed: ["a"] }]);
    expect(inlineDecorations([more], 10).removed.map((r) => [r.line, r.lines])).toEqual([[5, ["a"]]]);
  });

  it("stays inside the document (a deletion at the top or past the end)", () => {
    const top = hunk("h", 0, 0, [{ startLine: 0, added: 0, removed: ["x"] }]);
    const end = hunk("h", 12, 0, [{ startLine: 12, added: 0, removed: ["y"] }]);
    expect(inlineDecorations([top, end], 10).removed.map((r) => r.line)).toEqual([0, 9]);
  });

  it("removed text on screen: the first line, shortened, and how many more", () => {
    expect(removedText(["    if merged and start < merged[-1][1]:"])).toBe("− if merged and start < merged[-1][1]:");
    expect(removedText(["", "b"])).toBe("− (empty line)  (+1 more removed line)");
    expect(removedText(["x".repeat(100)], 10)).toBe(`− ${"x".repeat(9)}…`);
  });
});

describe("hunk navigation", () => {
  it("the current hunk is the one at the cursor, else the next below, else the last", () => {
    expect(hunkIndexAt(HUNKS, 3, 40)).toBe(0);
    expect(hunkIndexAt(HUNKS, 24, 40)).toBe(1); // a deletion sits on the line above it
    expect(currentHunk(HUNKS, 10, 40)?.hunkId).toBe("h2");
    expect(currentHunk(HUNKS, 35, 40)?.hunkId).toBe("h3");
    expect(currentHunk([], 0, 1)).toBeUndefined();
  });

  it("next and previous from a line; none past the ends (the caller goes to another file)", () => {
    expect(adjacentHunk(HUNKS, 0, 40, "next")?.hunkId).toBe("h1");
    expect(adjacentHunk(HUNKS, 2, 40, "next")?.hunkId).toBe("h2");
    expect(adjacentHunk(HUNKS, 30, 40, "next")).toBeUndefined();
    expect(adjacentHunk(HUNKS, 30, 40, "previous")?.hunkId).toBe("h2");
    expect(adjacentHunk(HUNKS, 2, 40, "previous")).toBeUndefined();
  });

  it("the navigator says where the cursor is", () => {
    expect(navigatorText(HUNKS, 3, 40)).toBe("Tandem change 1 of 3");
    expect(navigatorText(HUNKS, 31, 40)).toBe("Tandem change 3 of 3");
    expect(navigatorText(HUNKS, 10, 40)).toBe("3 Tandem changes");
    expect(navigatorText([ADD], 0, 40)).toBe("1 Tandem change");
  });

  it("groups hunks by change for tandem/change/accept|reject", () => {
    expect(byChange(HUNKS)).toEqual([
      { threadId: "t1", changeId: "c1", hunkIds: ["h1", "h2"] },
      { threadId: "t1", changeId: "c2", hunkIds: ["h3"] },
    ]);
  });
});

describe("ChangeStates", () => {
  it("keeps the newest state per change and lists the pending hunks and files", () => {
    const states = new ChangeStates();
    let heard = 0;
    states.onDidChange(() => heard++);
    const updated = (changeId: string, threadId: string, hunks: [string, string][], movePath?: string) => states.apply({
      method: "tandem/change/updated",
      params: { threadId, turnId: "u1", changeId, files: [{ path: "a.py", kind: movePath ? "move" : "update", movePath, hunks: hunks.map(([id, state]) => ({ id, state })) }] },
    });
    updated("c1", "t1", [["h1", "pending"], ["h2", "accepted"]]);
    updated("c2", "t2", [["h3", "rejected"]]);
    updated("c3", "t1", [["h4", "pending"]], "b.py");
    expect(states.pending()).toEqual([
      { threadId: "t1", turnId: "u1", changeId: "c1", hunkIds: ["h1"], paths: ["a.py"] },
      { threadId: "t1", turnId: "u1", changeId: "c3", hunkIds: ["h4"], paths: ["b.py"] },
    ]);
    updated("c1", "t1", [["h1", "accepted"], ["h2", "accepted"]]);
    expect(states.pending("t1").map((p) => p.changeId)).toEqual(["c3"]);
    expect(states.pending("t2")).toEqual([]);
    states.apply({ method: "tandem/turn/completed", params: {} }); // not ours
    states.clear();
    expect(states.pending()).toEqual([]);
    expect(heard).toBe(5);
  });
});
