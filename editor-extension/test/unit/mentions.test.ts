import { describe, expect, it } from "vitest";
import { buildTurnInput, mentionGlob, mentionRange, mentionToInput, rankMentionResults } from "../../src/mentions";

const toUri = (p: string) => `file:///ws/${p}`;

describe("mentions -> InputItems", () => {
  it("a path alone is the whole file", () => {
    expect(mentionToInput({ path: "src/app.py" }, toUri)).toEqual({ type: "file", uri: "file:///ws/src/app.py" });
  });

  it("1-based inclusive lines become a 0-based LSP range with an exclusive end", () => {
    expect(mentionRange({ path: "a", startLine: 3, endLine: 7 })).toEqual({
      start: { line: 2, character: 0 },
      end: { line: 7, character: 0 },
    });
    expect(mentionRange({ path: "a", startLine: 5 })).toEqual({ start: { line: 4, character: 0 }, end: { line: 5, character: 0 } });
    expect(mentionRange({ path: "a", startLine: 9, endLine: 2 })).toEqual({ start: { line: 8, character: 0 }, end: { line: 9, character: 0 } });
  });

  it("builds turn input: text, then unique mentions, then images", () => {
    const input = buildTurnInput(
      {
        text: "fix it",
        mentions: [{ path: "a.ts", startLine: 1, endLine: 2 }, { path: "a.ts", startLine: 1, endLine: 2 }, { path: "b.ts" }],
        images: [{ dataUrl: "data:image/png;base64,AAAA", name: "shot.png" }, { dataUrl: "https://x/y.png", name: "bad" }],
      },
      toUri,
    );
    expect(input).toEqual([
      { type: "text", text: "fix it" },
      { type: "file", uri: "file:///ws/a.ts", range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } },
      { type: "file", uri: "file:///ws/b.ts" },
      { type: "image", dataUrl: "data:image/png;base64,AAAA" },
    ]);
    expect(buildTurnInput({ text: "  " }, toUri)).toEqual([]);
  });

  it("search globs are case-insensitive and neutralise glob syntax", () => {
    expect(mentionGlob("")).toBe("**/*");
    expect(mentionGlob("Ap")).toBe("**/*[aA][pP]*");
    expect(mentionGlob("src/a_1")).toBe("**/*[sS][rR][cC]/[aA]_1*");
    expect(mentionGlob("{x}*")).toBe("**/*?[xX]??*");
  });

  it("ranks basename matches first, then shorter paths", () => {
    expect(rankMentionResults(["lib/deep/app.ts", "app.ts", "src/mapper.ts", "app.ts"], "app")).toEqual([
      "app.ts",
      "lib/deep/app.ts",
      "src/mapper.ts",
    ]);
  });
});
