import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStubFeedback"));

import { feedbackStub, type MarkdownString, Selection, stub, textDocument, Uri } from "./vscodeStubFeedback";
import { ApprovalBroker } from "../../src/approvalBroker";
import { applyPrompt, askArguments, InlineAsk, waitForTurn } from "../../src/inlineAsk";
import { changedLines, lineRuns } from "../../src/changedLines";
import { NotificationRouter } from "../../src/notifications";
import { ReviewStates } from "../../src/review";
import type { RequestApprovalParams } from "../../src/shared/protocolTypes";
import { ThreadStore } from "../../src/threads";
import { fakeRpc, type Handler } from "./helpers";

const doc = { ...textDocument(Uri.file("/ws/src/app.py"), "import os\n\ndef main():\n    return 1\n"), lineCount: 5 };
const editor = (selection: Selection) => ({ document: doc, selection });

const DIFF = "--- a/src/app.py\n+++ b/src/app.py\n@@ -3,2 +3,3 @@\n def main():\n-    return 1\n+    \"\"\"Entry point.\"\"\"\n+    return 0\n";

beforeEach(() => feedbackStub.reset());

/** An inline ask over fakes; `dispatch` plays the server's notifications. */
function setup(handlers: Record<string, Handler> = {}) {
  const router = new NotificationRouter();
  const store = new ThreadStore();
  router.listen((n) => store.apply(n));
  const broker = new ApprovalBroker();
  const reviews = new ReviewStates();
  broker.addPresenter(reviews.presenter());
  const fake = fakeRpc({
    "command:tandem.ask": () => ({ threadId: "t1", turnId: "u1" }),
    "tandem/turn/interrupt": () => ({}),
    ...handlers,
  });
  const opened: string[] = [];
  const inline = new InlineAsk({ rpc: fake.rpc, router, store, broker, reviews, openInChat: async (id) => void opened.push(id) });
  const commands = inline.register();
  const run = (id: string, ...args: unknown[]) => stub.commands.get(id)!(...args) as Promise<void>;
  const dispatch = (method: Parameters<NotificationRouter["dispatch"]>[0], params: Record<string, unknown>) =>
    router.dispatch(method, { threadId: "t1", ...params });
  const thread = () => feedbackStub.threads.at(-1)!;
  const agentText = () => {
    const body = thread().comments.at(-1)!.body;
    return typeof body === "string" ? body : body.value;
  };
  return { inline, commands, run, dispatch, thread, agentText, broker, reviews, opened, ...fake };
}

describe("inline ask arguments", () => {
  it("uses the selection as the range", () => {
    expect(askArguments(editor(new Selection(2, 0, 3, 12)) as never, "  add types ")).toEqual({
      uri: "file:///ws/src/app.py",
      range: { start: { line: 2, character: 0 }, end: { line: 3, character: 12 } },
      prompt: "add types",
    });
  });

  it("uses the cursor's whole line when nothing is selected", () => {
    expect(askArguments(editor(new Selection(2, 4, 2, 4)) as never, "rename").range).toEqual({
      start: { line: 2, character: 0 },
      end: { line: 2, character: "def main():".length },
    });
  });

  it("waitForTurn resolves at once for a turn that already completed", async () => {
    const store = new ThreadStore();
    store.turnStarted("t", { id: "u", status: "completed" });
    const outcome = await waitForTurn(new NotificationRouter(), store, "u", () => undefined);
    expect(outcome.turn.status).toBe("completed");
  });
});

describe("the inline widget", () => {
  it("opens a prompt box at the cursor; Ask runs tandem.ask; the applied change is shown with Accept / Discard", async () => {
    const t = setup({ "tandem/change/accept": () => ({ done: ["h1"], kept: [] }) });
    await t.inline.run(editor(new Selection(2, 0, 3, 0)) as never);
    expect(t.thread().contextValue).toBe("tandem.ask.asking");
    expect(t.thread().canReply).toBe(true);
    expect(t.thread().range).toMatchObject({ start: { line: 2, character: 0 }, end: { line: 3, character: 0 } });
    expect(t.requests).toEqual([]);

    await t.run("tandem.inlineAsk.submit", { thread: t.thread(), text: "add a docstring" });
    expect(t.requests[0]).toEqual({
      method: "command:tandem.ask",
      params: { args: [{ uri: "file:///ws/src/app.py", range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, prompt: "add a docstring" }] },
    });
    expect(t.thread().comments.map((c) => c.author.name)).toEqual(["You", "Tandem"]);
    expect(t.thread().comments[0]!.body).toBe("add a docstring");
    expect(t.thread().contextValue).toBe("tandem.ask.working");

    t.dispatch("tandem/item/started", { turnId: "u1", item: { type: "commandExecution", id: "c1", command: "pytest -q", cwd: "/ws" } });
    expect(t.agentText()).toContain("`$ pytest -q`");
    t.dispatch("tandem/item/completed", { turnId: "u1", item: { type: "fileChange", id: "fc1", status: "completed", changes: [{ path: "src/app.py", kind: "update", diff: DIFF }] } });
    expect(t.thread().contextValue).toBe("tandem.ask.applied");
    expect(t.agentText()).toContain("```diff\n@@ -3,2 +3,3 @@");
    expect(t.agentText()).toMatch(/\[Accept\]\(command:tandem\.inlineAsk\.accept\?/);
    expect(t.agentText()).toMatch(/\[Discard\]\(command:tandem\.inlineAsk\.discard\?/);
    expect((t.thread().comments.at(-1)!.body as MarkdownString).isTrusted).toMatchObject({ enabledCommands: expect.arrayContaining(["tandem.inlineAsk.accept"]) });
    expect(t.inline.list()[0]).toMatchObject({ phase: "applied", threadId: "t1", marked: { kind: "added", lines: [[3, 4]] } });

    t.dispatch("tandem/turn/completed", { turn: { id: "u1", status: "completed" } });
    expect(t.thread().contextValue).toBe("tandem.ask.applied"); // still to decide
    const id = t.inline.list()[0]!.id;
    await t.run("tandem.inlineAsk.accept", id); // the link in the answer passes the widget's id
    expect(t.requests.at(-1)).toEqual({ method: "tandem/change/accept", params: { threadId: "t1", changeId: "fc1" } });
    expect(t.thread().disposed).toBe(true);
    expect(t.inline.list()).toEqual([]);
  });

  it("Discard reverts an applied change (tandem/change/reject)", async () => {
    const t = setup({ "tandem/change/reject": () => ({ done: ["h1"], kept: [] }) });
    await t.inline.run(editor(new Selection(2, 0, 2, 0)) as never, "simplify");
    t.dispatch("tandem/item/completed", { turnId: "u1", item: { type: "fileChange", id: "fc2", status: "completed", changes: [{ path: "src/app.py", kind: "update", diff: DIFF }] } });
    await t.run("tandem.inlineAsk.discard", t.thread()); // the title action passes the thread
    expect(t.requests.at(-1)).toEqual({ method: "tandem/change/reject", params: { threadId: "t1", changeId: "fc2" } });
    expect(t.agentText()).toMatch(/^Discarded: the change was reverted\./);
    expect(t.thread().contextValue).toBe("tandem.ask.finished");
  });

  it("a proposal (approval needed) is reviewed in the widget, not in the diff tab: Accept answers it", async () => {
    const t = setup();
    const diffTab = { show: vi.fn(), dismiss: vi.fn() };
    t.broker.addPresenter(t.inline.skipInline(diffTab));
    await t.inline.run(editor(new Selection(2, 0, 3, 0)) as never, "add a docstring");
    const params: RequestApprovalParams = {
      requestId: "r1", threadId: "t1", turnId: "u1", itemId: "fc3", kind: "fileChange",
      changes: [{ path: "src/app.py", kind: "update", diff: DIFF, hunks: [{ id: "h1", header: "@@ -3,2 +3,3 @@", diff: DIFF }], oldText: null, newText: null }],
    };
    const reply = t.broker.handle(params);
    expect(diffTab.show).not.toHaveBeenCalled();
    expect(t.thread().contextValue).toBe("tandem.ask.proposal");
    expect(t.agentText()).toContain("Proposed change:");
    expect(t.inline.list()[0]!.marked).toEqual({ kind: "removed", lines: [[3, 3]] });
    await t.run("tandem.inlineAsk.accept", t.inline.list()[0]!.id);
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: ["h1"] });
    // Applied as reviewed: no second review; the turn's end closes the widget.
    t.dispatch("tandem/item/completed", { turnId: "u1", item: { type: "fileChange", id: "fc3", status: "completed", changes: [{ path: "src/app.py", kind: "update", diff: DIFF }] } });
    expect(t.thread().contextValue).toBe("tandem.ask.working");
    t.dispatch("tandem/turn/completed", { turn: { id: "u1", status: "completed" } });
    expect(t.thread().disposed).toBe(true);
    // Other threads' proposals still open the diff tab.
    void t.broker.handle({ ...params, requestId: "r2", threadId: "other" });
    expect(diffTab.show).toHaveBeenCalledTimes(1);
  });

  it("a turn without a change shows the answer; failures and Stop; Open in chat; Cancel closes the prompt", async () => {
    const t = setup();
    await t.inline.run(editor(new Selection(0, 0, 0, 0)) as never, "what does this import?");
    t.dispatch("tandem/item/completed", { turnId: "u1", item: { type: "agentMessage", id: "m1", text: "It imports `os`." } });
    t.dispatch("tandem/turn/completed", { turn: { id: "u1", status: "completed" } });
    expect(t.thread().contextValue).toBe("tandem.ask.finished");
    expect(t.agentText()).toContain("It imports `os`.");
    await t.run("tandem.inlineAsk.openInChat", t.thread());
    expect(t.opened).toEqual(["t1"]);

    const f = setup({ "command:tandem.ask": () => ({ threadId: "t1", turnId: "u2" }) });
    await f.inline.run(editor(new Selection(0, 0, 0, 0)) as never, "go");
    await f.run("tandem.inlineAsk.stop", f.thread());
    expect(f.requests.at(-1)).toEqual({ method: "tandem/turn/interrupt", params: { threadId: "t1", turnId: "u2" } });
    f.dispatch("tandem/turn/completed", { turn: { id: "u2", status: "failed", error: { message: "model unavailable" } } });
    expect(f.agentText()).toContain("The turn failed: model unavailable");

    const c = setup();
    await c.inline.run(editor(new Selection(0, 0, 0, 0)) as never);
    await c.run("tandem.inlineAsk.cancel", { thread: c.thread(), text: "" });
    expect(c.thread().disposed).toBe(true);
    expect(c.requests).toEqual([]);
  });

  it("a code block's Apply asks for the block as the replacement of the selection or the whole file", async () => {
    const t = setup();
    await t.inline.applyCode({ document: doc, selection: new Selection(2, 0, 2, 0) } as never, "def main():\n    return 0\n", "python");
    const args = (t.requests[0]!.params["args"] as { range: unknown; prompt: string }[])[0]!;
    expect(args.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 4, character: 0 } });
    expect(args.prompt).toBe(applyPrompt("def main():\n    return 0\n", "python"));
    expect(args.prompt).toContain("```python\ndef main():\n    return 0\n```");
  });
});

describe("inline diff lines", () => {
  it("reads added lines in the new text and removed lines in the old, per hunk", () => {
    expect(changedLines(DIFF)).toEqual({ added: [3, 4], removed: [3] });
    expect(changedLines("@@ -0,0 +1,2 @@\n+a\n+b\n")).toEqual({ added: [0, 1], removed: [] });
    expect(changedLines("@@ -1,3 +1,2 @@\n a\n-b\n c\n@@ -10,1 +9,2 @@\n x\n+y\n\\ No newline at end of file\n")).toEqual({ added: [9], removed: [1] });
    expect(lineRuns([1, 2, 3, 7, 9, 10])).toEqual([[1, 3], [7, 7], [9, 10]]);
  });
});
