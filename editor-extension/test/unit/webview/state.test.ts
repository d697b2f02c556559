import { describe, expect, it } from "vitest";
import type { HostToWebview } from "../../../src/shared/webviewMessages";
import { TAIL_MAX, cappedToString } from "../../../webview/capped";
import { type Entry, initialState, isRunning, reduce, reduceAll, type ViewState } from "../../../webview/state";
import {
  AGENT_TEXT, APPROVAL, OTHER_THREAD, THREAD, THREAD_ID, TURN_DIFF, TURN_ID, afterApproval, delta, fullTurn, item, n,
  setup, untilApproval,
} from "../../webview/fixtures";

function run(messages: HostToWebview[], from: ViewState = initialState()): ViewState {
  // One message at a time, like separate frames, and as one batch: both must agree.
  const stepwise = messages.reduce(reduce, from);
  expect(reduceAll(from, messages)).toEqual(stepwise);
  return stepwise;
}

function entry<K extends Entry["kind"]>(s: ViewState, id: string, kind: K): Extract<Entry, { kind: K }> {
  const e = s.entries[id];
  expect(e?.kind).toBe(kind);
  return e as Extract<Entry, { kind: K }>;
}

const kinds = (s: ViewState): string[] => s.order.map((id) => s.entries[id]?.kind ?? "?");

describe("reducer", () => {
  it("builds the transcript of a whole turn in order", () => {
    const s = run(fullTurn());
    expect(kinds(s)).toEqual(["user", "reasoning", "plan", "command", "fileChange", "agent", "turn"]);
    expect(s.activeThreadId).toBe(THREAD_ID);
    expect(s.threads.map((t) => t.id)).toEqual([THREAD.id, OTHER_THREAD.id]);
    expect(isRunning(s)).toBe(false);
    expect(s.status.usedTokens).toBe(18_234);
  });

  it("streams agent message deltas into one entry and finalises it at item/completed", () => {
    let s = run([...setup(), ...untilApproval()]);
    s = run([item("started", { type: "agentMessage", id: "m", text: "" }), delta("agentMessage", "m", "Hel"), delta("agentMessage", "m", "lo **you**")], s);
    expect(entry(s, "m", "agent")).toMatchObject({ text: "Hello **you**", streaming: true });
    s = run([item("completed", { type: "agentMessage", id: "m", text: "Hello **you**!" })], s);
    expect(entry(s, "m", "agent")).toMatchObject({ text: "Hello **you**!", streaming: false });
  });

  it("keeps streamed text when the completed item carries none, and creates entries for early deltas", () => {
    const s = run([...setup(), delta("agentMessage", "x", "early"), item("completed", { type: "agentMessage", id: "x" })]);
    expect(entry(s, "x", "agent")).toMatchObject({ text: "early", streaming: false });
  });

  it("does not mutate the previous state", () => {
    const before = run(setup());
    const frozen = JSON.stringify(before);
    const after = reduce(before, delta("agentMessage", "m", "x"));
    expect(JSON.stringify(before)).toBe(frozen);
    expect(after.entries).not.toBe(before.entries);
    // Unchanged entries keep their identity (the renderer skips them).
    const s1 = run([...setup(), ...untilApproval()]);
    const s2 = reduce(s1, delta("commandOutput", "item-4", "more\n"));
    expect(s2.entries["item-1"]).toBe(s1.entries["item-1"]);
    expect(s2.entries["item-4"]).not.toBe(s1.entries["item-4"]);
  });

  it("removes discarded partial items on streamRetry and shows the retry", () => {
    let s = run([...setup(), n("tandem/turn/started", { turn: { id: TURN_ID } }),
      item("started", { type: "reasoning", id: "r1" }), delta("reasoning", "r1", "thinking"),
      item("started", { type: "agentMessage", id: "a1" }), delta("agentMessage", "a1", "half a sent")]);
    expect(s.order).toContain("a1");
    s = run([n("tandem/turn/streamRetry", {
      turnId: TURN_ID, attempt: 1, maxAttempts: 5, delayMs: 200, message: "stream disconnected", discardedItemIds: ["r1", "a1"],
    })], s);
    expect(s.order).not.toContain("a1");
    expect(s.order).not.toContain("r1");
    expect(s.entries["a1"]).toBeUndefined();
    expect(s.retry).toEqual({ attempt: 1, maxAttempts: 5, message: "stream disconnected", code: null });
    s = run([item("started", { type: "agentMessage", id: "a2" }), delta("agentMessage", "a2", "again")], s);
    expect(s.retry).toBeNull();
    expect(entry(s, "a2", "agent").text).toBe("again");
  });

  it("accumulates command output (without terminal escapes) and takes the final status", () => {
    const s = run([...setup(), ...untilApproval()]);
    const c = entry(s, "item-4", "command");
    expect(cappedToString(c.output)).toContain("E       assert 10.0 == 10.01");
    expect(cappedToString(c.output)).toContain("1 failed, 1 passed");
    expect(cappedToString(c.output)).not.toContain("\u001b[");
    expect(c).toMatchObject({ status: "failed", exitCode: 1, durationMs: 812, command: "pytest -q tests/" });
  });

  it("caps very long command output, keeping head and tail", () => {
    const cmd = { type: "commandExecution" as const, id: "c", command: "yes", cwd: "/", status: "inProgress" as const };
    const lines = Array.from({ length: 5000 }, (_, i) => delta("commandOutput", "c", `line ${i}\n`));
    const s = run([...setup(), item("started", cmd), ...lines]);
    const text = cappedToString(entry(s, "c", "command").output);
    expect(text.startsWith("line 0\nline 1\n")).toBe(true);
    expect(text.endsWith("line 4999\n")).toBe(true);
    expect(text).toContain("characters omitted");
    expect(text.length).toBeLessThan(TAIL_MAX + 5000);
  });

  it("adds an approval next to its item and removes it on approvalResolved or serverRequest/resolved", () => {
    let s = run([...setup(), ...untilApproval()]);
    const id = `approval:${APPROVAL.requestId}`;
    expect(s.order[s.order.indexOf("item-5") + 1]).toBe(id);
    expect(entry(s, id, "approval").request.changes?.[0]?.hunks).toHaveLength(2);
    expect(run([{ type: "approvalResolved", requestId: APPROVAL.requestId }], s).entries[id]).toBeUndefined();
    s = run([n("tandem/serverRequest/resolved", { requestId: APPROVAL.requestId })], s);
    expect(s.order).not.toContain(id);
  });

  it("hunkDecisions sets a pending approval's decisions (and nothing for an approval that is gone)", () => {
    let s = run([...setup(), ...untilApproval()]);
    const id = `approval:${APPROVAL.requestId}`;
    expect(entry(s, id, "approval").decisions).toBeUndefined();
    const decisions = { h1: "rejected", h2: "accepted" } as const;
    s = run([{ type: "hunkDecisions", requestId: APPROVAL.requestId, decisions }], s);
    expect(entry(s, id, "approval").decisions).toEqual(decisions);
    const after = run([{ type: "hunkDecisions", requestId: "gone", decisions }], s);
    expect(after.entries).toEqual(s.entries);
    expect(after.order).toEqual(s.order);
  });

  it("inserts an approval right after its item even when later items exist", () => {
    const s = run([...setup(), item("started", { type: "commandExecution", id: "c1", command: "a", cwd: "/" }),
      item("started", { type: "commandExecution", id: "c2", command: "b", cwd: "/" }),
      { type: "approval", requestId: "r", threadId: THREAD_ID, turnId: TURN_ID, itemId: "c1", kind: "command", command: "a" }]);
    expect(s.order).toEqual(["c1", "approval:r", "c2"]);
  });

  it("withdraws the approvals of a turn when it ends", () => {
    const s = run([...setup(), ...untilApproval(), n("tandem/turn/completed", { turn: { id: TURN_ID, status: "interrupted" } })]);
    expect(s.order.some((id) => id.startsWith("approval:"))).toBe(false);
    expect(entry(s, `turn:${TURN_ID}`, "turn").status).toBe("interrupted");
  });

  it("keeps one plan per turn, updated by planUpdated and plan items", () => {
    let s = run([...setup(), ...untilApproval()]);
    const plans = s.order.filter((id) => s.entries[id]?.kind === "plan");
    expect(plans).toHaveLength(1);
    const p = entry(s, plans[0] as string, "plan");
    expect(p.steps.map((x) => x.status)).toEqual(["completed", "in_progress", "pending"]);
    expect(p.explanation).toBe("Small fix, then a test.");
    s = run(afterApproval(), s);
    const done = entry(s, plans[0] as string, "plan");
    expect(done.steps.every((x) => x.status === "completed")).toBe(true);
    expect(done.done).toBe(true);
  });

  it("summarises the turn diff at turn end", () => {
    const s = run(fullTurn());
    const t = entry(s, `turn:${TURN_ID}`, "turn");
    expect(t).toMatchObject({ status: "completed", diff: TURN_DIFF, error: null });
    expect(t.usage?.totalTokens).toBe(18_234);
    // A diff that arrives after completion still lands on the summary.
    const later = run([n("tandem/turn/diffUpdated", { turnId: TURN_ID, diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" })], s);
    expect(entry(later, `turn:${TURN_ID}`, "turn").diff).toContain("+++ b/x");
  });

  it("shows a failed turn's error", () => {
    const s = run([...setup(), n("tandem/turn/started", { turn: { id: "t9" } }),
      n("tandem/turn/completed", { turn: { id: "t9", status: "failed", error: { message: "model error: 401 invalid key" } } })]);
    expect(entry(s, "turn:t9", "turn")).toMatchObject({ status: "failed", error: "model error: 401 invalid key" });
    expect(isRunning(s)).toBe(false);
  });

  it("tracks the running turn for the stop button", () => {
    let s = run(setup());
    expect(isRunning(s)).toBe(false);
    s = run([n("tandem/turn/started", { turn: { id: TURN_ID } })], s);
    expect(isRunning(s)).toBe(true);
    expect(s.activeTurnId).toBe(TURN_ID);
  });

  it("replaces the transcript when a thread is opened, and ignores other threads' notifications", () => {
    let s = run(fullTurn());
    s = run([{ type: "threadOpened", thread: OTHER_THREAD, items: [
      { type: "userMessage", id: "u", content: [{ type: "text", text: "hi" }] },
      { type: "agentMessage", id: "a", text: "hello" },
      { type: "plan", id: "p", steps: [{ step: "x", status: "completed" }] },
    ] }], s);
    expect(s.order).toEqual(["u", "a", "p"]);
    expect(entry(s, "a", "agent").streaming).toBe(false);
    expect(s.activeThreadId).toBe(OTHER_THREAD.id);
    // THREAD's notifications (n() stamps THREAD_ID) no longer apply.
    s = run([delta("agentMessage", "a", " there")], s);
    expect(entry(s, "a", "agent").text).toBe("hello");
  });

  it("keeps status and token usage", () => {
    const s = run([...setup(), n("tandem/thread/tokenUsage", {
      used: { totalTokens: 5000 }, last: { totalTokens: 2720 }, contextWindow: 272_000,
    })]);
    expect(s.status).toMatchObject({ model: "gpt-5-codex", connected: true, usedTokens: 5000, lastTokens: 2720, contextWindow: 272_000 });
  });

  it("turns host errors into notices and stores mention results", () => {
    const s = run([{ type: "error", message: "server crashed" }, { type: "error", message: "again" },
      { type: "mentionResults", query: "pri", files: ["src/price.py"] }]);
    expect(s.order).toEqual(["notice:1", "notice:2"]);
    expect(entry(s, "notice:2", "notice").message).toBe("again");
    expect(s.mentionResults?.files).toEqual(["src/price.py"]);
  });

  it("builds the final agent text from the deltas of the fixture", () => {
    const s = run(fullTurn());
    expect(entry(s, "item-6", "agent").text).toBe(AGENT_TEXT.join(""));
    expect(entry(s, "item-2", "reasoning").summary[0]).toContain("Reproducing the rounding failure");
  });
});
