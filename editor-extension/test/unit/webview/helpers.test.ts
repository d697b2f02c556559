import { describe, expect, it } from "vitest";
import { appendCapped, cappedFrom, cappedLength, cappedToString, EMPTY_TEXT, stripAnsi } from "../../../webview/capped";
import { countDiff, parseDiffLines, summarizeDiff } from "../../../webview/diff";
import { classifyHref } from "../../../webview/markdown";
import {
  applyMention, displayPath, findMentionQuery, formatDuration, formatTokens, mentionLabel, parseSlashCommand, slashMatches,
} from "../../../webview/mentions";
import { PRICE_DIFF, TEST_DIFF, TURN_DIFF } from "../../webview/fixtures";

describe("mention parsing", () => {
  it("finds the @query at the caret", () => {
    expect(findMentionQuery("look at @src/pri", 16)).toEqual({ start: 8, end: 16, query: "src/pri" });
    expect(findMentionQuery("@", 1)).toEqual({ start: 0, end: 1, query: "" });
    expect(findMentionQuery("a\n@x", 4)).toEqual({ start: 2, end: 4, query: "x" });
  });

  it("ignores e-mail addresses, finished mentions and a caret elsewhere", () => {
    expect(findMentionQuery("mail me@example.com", 19)).toBeNull();
    expect(findMentionQuery("@src/a.ts done", 14)).toBeNull();
    expect(findMentionQuery("no mention", 5)).toBeNull();
    expect(findMentionQuery("@abc", 9)).toBeNull();
  });

  it("replaces the query with the chosen path", () => {
    const q = findMentionQuery("fix @pri now", 8);
    expect(q).not.toBeNull();
    if (!q) return;
    expect(applyMention("fix @pri now", q, "src/price.py")).toEqual({ text: "fix @src/price.py now", caret: 17 });
    const end = findMentionQuery("fix @pri", 8);
    if (!end) throw new Error("no query");
    expect(applyMention("fix @pri", end, "src/price.py")).toEqual({ text: "fix @src/price.py ", caret: 18 });
  });

  it("labels mentions and shows paths relative to the workspace", () => {
    expect(mentionLabel({ path: "a.ts" })).toBe("a.ts");
    expect(mentionLabel({ path: "a.ts", startLine: 3 })).toBe("a.ts:3");
    expect(mentionLabel({ path: "a.ts", startLine: 3, endLine: 9 })).toBe("a.ts:3-9");
    expect(displayPath("file:///home/dev/shop/src/a%20b.ts", "/home/dev/shop")).toBe("src/a b.ts");
    expect(displayPath("file:///etc/hosts", "/home/dev/shop")).toBe("/etc/hosts");
  });
});

describe("slash commands", () => {
  it("parses known commands with arguments", () => {
    expect(parseSlashCommand("/new")).toEqual({ command: "new" });
    expect(parseSlashCommand("  /review focus on errors ")).toEqual({ command: "review", args: "focus on errors" });
    expect(parseSlashCommand("/unknown")).toBeNull();
    expect(parseSlashCommand("please /undo")).toBeNull();
  });

  it("matches the menu while the name is typed", () => {
    expect(slashMatches("/")?.map((c) => c.name)).toEqual(["new", "compact", "undo", "redo", "review", "skills"]);
    expect(slashMatches("/re")?.map((c) => c.name)).toEqual(["redo", "review"]);
    expect(slashMatches("/review x")).toBeNull();
    expect(slashMatches("hello")).toBeNull();
  });
});

describe("diffs", () => {
  it("counts per file, including content lines that look like headers", () => {
    const files = summarizeDiff(TURN_DIFF);
    expect(files.map((f) => [f.path, f.added, f.removed])).toEqual([
      ["src/shop/price.py", 2, 2],
      ["tests/test_price.py", 5, 0],
    ]);
    expect(files[0]?.diff).toBe(PRICE_DIFF);
    expect(files[1]?.diff).toBe(TEST_DIFF);
    const tricky = "--- a/x.md\n+++ b/x.md\n@@ -1,2 +1,2 @@\n--- old rule\n+++ new rule\n ctx\n";
    expect(summarizeDiff(tricky)).toMatchObject([{ path: "x.md", added: 1, removed: 1 }]);
    expect(countDiff(tricky)).toEqual({ added: 1, removed: 1 });
  });

  it("handles deletions, moves and git headers", () => {
    const del = "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
    expect(summarizeDiff(del)).toMatchObject([{ path: "old.txt", oldPath: null, added: 0, removed: 1 }]);
    const move = "--- a/a.txt\n+++ b/b.txt\n--- a/c.txt\n+++ b/c.txt\n@@ -1 +1 @@\n-x\n+y\n";
    expect(summarizeDiff(move)).toMatchObject([{ path: "b.txt", oldPath: "a.txt" }, { path: "c.txt", added: 1, removed: 1 }]);
    const git = "diff --git a/q.py b/q.py\nindex 1..2 100644\n--- a/q.py\n+++ b/q.py\n@@ -1 +1,2 @@\n a\n+b\n";
    expect(summarizeDiff(git)).toMatchObject([{ path: "q.py", added: 1, removed: 0 }]);
    expect(summarizeDiff("")).toEqual([]);
  });

  it("classifies lines for colouring", () => {
    const kinds = parseDiffLines("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n").map((l) => l.kind);
    expect(kinds).toEqual(["meta", "meta", "hunk", "context", "del", "add", "note"]);
  });
});

describe("capped output", () => {
  it("keeps everything while small", () => {
    const b = appendCapped(appendCapped(EMPTY_TEXT, "ab", 4, 4), "cd", 4, 4);
    expect(b).toEqual({ head: "abcd", tail: "", omitted: 0 });
    expect(cappedToString(b)).toBe("abcd");
  });

  it("keeps head and tail and counts the middle", () => {
    let b = EMPTY_TEXT;
    for (const ch of "abcdefghijklmnop") b = appendCapped(b, ch, 4, 4);
    expect(b).toEqual({ head: "abcd", tail: "mnop", omitted: 8 });
    expect(cappedLength(b)).toBe(16);
    expect(cappedToString(b)).toBe("abcd\n… 8 characters omitted …\nmnop");
    expect(cappedFrom("abcdefghijklmnop", 4, 4)).toEqual(b);
  });

  it("strips terminal escapes", () => {
    expect(stripAnsi("\u001b[1;31mred\u001b[0m\r\nnext\u001b]0;title\u0007")).toBe("red\nnext");
  });
});

describe("formatting and links", () => {
  it("formats tokens and durations", () => {
    expect(formatTokens(950)).toBe("950");
    expect(formatTokens(18_234)).toBe("18k");
    expect(formatTokens(1_234)).toBe("1.2k");
    expect(formatTokens(2_500_000)).toBe("2.5M");
    expect(formatDuration(812)).toBe("812 ms");
    expect(formatDuration(4_200)).toBe("4.2 s");
    expect(formatDuration(185_000)).toBe("3 m 05 s");
  });

  it("tells file links from web links", () => {
    expect(classifyHref("https://example.com")).toEqual({ external: true });
    expect(classifyHref("src/a.ts#L10")).toEqual({ external: false, path: "src/a.ts", line: 10 });
    expect(classifyHref("src/a.ts:7")).toEqual({ external: false, path: "src/a.ts", line: 7 });
    expect(classifyHref("src/my%20file.ts")).toEqual({ external: false, path: "src/my file.ts" });
  });
});
