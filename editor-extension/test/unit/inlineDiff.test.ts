import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./reviewStub"));

import { fakeDocument, fakeEditor, review, Selection, stub, Uri, window, workspace } from "./reviewStub";
import { ChangeStates } from "../../src/changeStates";
import { APPLIED_CHANGES_CONTEXT, InlineDiff } from "../../src/inlineDiff";
import { NotificationRouter } from "../../src/notifications";
import type { LocatedHunk } from "../../src/protocol/generated";
import { fakeRpc } from "./helpers";

const A = Uri.file("/ws/a.py");
const B = Uri.file("/ws/b.py");
const TEXT = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
const hunk = (id: string, startLine: number, lineCount: number, removed: string[], changeId = "c1"): LocatedHunk => ({
  threadId: "t1", turnId: "u1", changeId, hunkId: id, header: "@@", startLine, lineCount,
  blocks: [{ startLine, added: lineCount, removed }],
});
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

function setup(hunks: Record<string, LocatedHunk[]>) {
  const router = new NotificationRouter();
  const states = new ChangeStates();
  const { rpc, requests } = fakeRpc({
    "tandem/change/hunks": (p) => ({ hunks: hunks[p.uri as string] ?? [] }),
    "tandem/change/accept": (p) => ({ done: p.hunkIds, kept: [] }),
    "tandem/change/reject": (p) => ({ done: [], kept: p.hunkIds }),
  });
  const inline = new InlineDiff({ rpc, router, states, media: Uri.file("/ext/media") as never, running: () => true, resolve: (_t, p) => Uri.file(`/ws/${p}`) as never });
  inline.register();
  const types = vi.mocked(window.createTextEditorDecorationType).mock.results.slice(-3).map((r) => (r.value as { key: string }).key);
  return { router, states, rpc, requests, inline, types: { added: types[0]!, removed: types[1]!, deletion: types[2]! } };
}

function show(uri: Uri, line = 0) {
  const editor = fakeEditor(fakeDocument(uri, TEXT));
  editor.selection = new Selection(line, 0, line, 0);
  window.visibleTextEditors.push(editor);
  window.activeTextEditor = editor;
  stub.openDocuments.push(editor.document as never);
  return editor;
}

beforeEach(() => review.reset());

describe("inline diff of applied changes", () => {
  it("draws the server's hunks: green added lines, removed text after a line, a mark for a deletion; the navigator shows", async () => {
    const { inline, types, requests } = setup({ [A.toString()]: [hunk("h1", 2, 1, ["old 3"]), hunk("h2", 10, 0, ["line 10"])] });
    const editor = show(A, 2);
    inline.refreshVisible();
    await settle();
    expect(requests.map((r) => r.params)).toEqual([{ uri: A.toString() }]);
    const lines = (key: string) => (editor.decorations.get(key) as { start?: { line: number }; range?: { start: { line: number } } }[])
      .map((d) => (d.range ?? d).start!.line);
    expect(lines(types.added)).toEqual([2]);
    expect(lines(types.removed)).toEqual([2, 9]);
    expect((editor.decorations.get(types.removed) as { renderOptions: { after: { contentText: string } } }[]).map((d) => d.renderOptions.after.contentText))
      .toEqual(["− old 3", "− line 10"]);
    expect(lines(types.deletion)).toEqual([9]);
    expect(inline.navigator()).toBe("Tandem change 1 of 2");
    expect(review.contexts.get(APPLIED_CHANGES_CONTEXT)).toBe(true);
    expect(inline.snapshot()).toEqual([expect.objectContaining({ uri: A.toString(), decorations: expect.objectContaining({ added: [2] }) })]);
  });

  it("asks again when the server reports a review state; an empty answer clears the decorations and hides the navigator", async () => {
    const hunks: Record<string, LocatedHunk[]> = { [A.toString()]: [hunk("h1", 2, 1, [])] };
    const { router, inline, types, requests } = setup(hunks);
    const editor = show(A);
    inline.refreshVisible();
    await settle();
    hunks[A.toString()] = [];
    router.dispatch("tandem/change/updated", { threadId: "t1", turnId: "u1", changeId: "c1", files: [] });
    await settle();
    expect(requests).toHaveLength(2);
    expect(editor.decorations.get(types.added)).toEqual([]);
    expect(inline.navigator()).toBeUndefined();
    expect(review.contexts.get(APPLIED_CHANGES_CONTEXT)).toBe(false);
  });

  it("keep / undo the hunk at the cursor, the file, everything; tells of hunks left alone", async () => {
    const { inline, states, requests } = setup({ [A.toString()]: [hunk("h1", 2, 1, []), hunk("h2", 10, 1, []), hunk("h3", 20, 1, [], "c2")] });
    show(A, 10);
    inline.refreshVisible();
    await settle();
    const sent = () => requests.filter((r) => r.method !== "tandem/change/hunks").map((r) => [r.method, r.params]);
    await inline.reviewHunk("keep");
    expect(sent()).toEqual([["tandem/change/accept", { threadId: "t1", changeId: "c1", hunkIds: ["h2"] }]]);
    await inline.reviewFile("undo");
    expect(sent().slice(1)).toEqual([
      ["tandem/change/reject", { threadId: "t1", changeId: "c1", hunkIds: ["h1", "h2"] }],
      ["tandem/change/reject", { threadId: "t1", changeId: "c2", hunkIds: ["h3"] }],
    ]);
    expect(stub.infos.at(-1)).toBe("Tandem: left 3 hunks you edited since as they are.");
    states.apply({ method: "tandem/change/updated", params: { threadId: "t9", turnId: "u9", changeId: "c9", files: [{ path: "z.py", kind: "update", hunks: [{ id: "h9", state: "pending" }] }] } });
    await inline.reviewAll("keep");
    expect(sent().at(-1)).toEqual(["tandem/change/accept", { threadId: "t9", changeId: "c9", hunkIds: ["h9"] }]);
  });

  it("next / previous: within the file, then to the next file with pending hunks, then around", async () => {
    const { inline, states } = setup({ [A.toString()]: [hunk("h1", 2, 1, []), hunk("h2", 10, 1, [])], [B.toString()]: [hunk("h3", 5, 2, [])] });
    const editor = show(A, 0);
    inline.refreshVisible();
    await settle();
    await inline.go("next");
    expect(editor.selection.active.line).toBe(2);
    await inline.go("next");
    expect(editor.selection.active.line).toBe(10);
    states.apply({ method: "tandem/change/updated", params: { threadId: "t1", turnId: "u1", changeId: "c3", files: [{ path: "b.py", kind: "update", hunks: [{ id: "h3", state: "pending" }] }] } });
    const other = fakeEditor(fakeDocument(B, TEXT));
    vi.mocked(window.showTextDocument).mockResolvedValueOnce(other as never);
    await inline.go("next");
    expect(vi.mocked(workspace.openTextDocument)).toHaveBeenLastCalledWith(B);
    expect(other.selection.active.line).toBe(5);
    await inline.go("previous");
    expect(editor.selection.active.line).toBe(2);
    states.clear(); // no other file: from a.py's first hunk around to its last
    await inline.go("previous");
    expect(editor.selection.active.line).toBe(10);
  });

  it("clears everything when the server stops", async () => {
    const { inline, types } = setup({ [A.toString()]: [hunk("h1", 2, 1, [])] });
    const editor = show(A);
    inline.refreshVisible();
    await settle();
    inline.clear();
    expect(editor.decorations.get(types.added)).toEqual([]);
    expect(inline.snapshot()).toEqual([]);
  });
});
