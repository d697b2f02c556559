/**
 * Issue 12 items 10, 13, 14, page side (no DOM): a resumed transcript is replayed as the live
 * stream built it, the token meter's level and words, and the pickers' state.
 */
import { describe, expect, it } from "vitest";
import type { ResumedTurn } from "../../../src/shared/protocolTypes";
import type { HostToWebview, Item } from "../../../src/shared/webviewMessages";
import { resumeSteps } from "../../../webview/resumed";
import { initialState, reduce, reduceAll, type ViewState } from "../../../webview/state";
import { FULL_AT, tokenMeter, WARN_AT } from "../../../webview/tokenMeter";
import { effortLabel } from "../../../webview/render/composerBar";
import { fullTurn, OTHER_THREAD, THREAD, TURN_DIFF } from "../../webview/fixtures";

const user = (id: string, text: string): Item => ({ type: "userMessage", id, content: [{ type: "text", text }] });
const agent = (id: string, text: string): Item => ({ type: "agentMessage", id, text });

const ITEMS: Item[] = [
  user("item_1", "fix the rounding"),
  { type: "commandExecution", id: "item_2", command: "pytest -q", cwd: "/w", status: "completed", exitCode: 1, output: "1 failed" },
  agent("item_3", "Fixed."),
  user("item_4", "and again"),
  { type: "error", id: "item_5", message: "stream broke" },
];
const TURNS: ResumedTurn[] = [
  { id: "u1", status: "completed", usage: { totalTokens: 1200 }, itemIds: ["item_1", "item_2", "item_3"], diff: TURN_DIFF },
  { id: "u2", status: "failed", error: { message: "the model rejected this request" }, itemIds: ["item_4", "item_5"], diff: "" },
  { id: "u3", status: "completed", itemIds: [], diff: "" }, // e.g. a compaction turn with nothing recorded
];

function run(messages: HostToWebview[], from: ViewState = initialState()): ViewState {
  const stepwise = messages.reduce(reduce, from);
  expect(reduceAll(from, messages)).toEqual(stepwise);
  return stepwise;
}

describe("a resumed thread shows what the live stream showed", () => {
  it("steps: each turn's items, then its end; turns without items in their place", () => {
    const steps = resumeSteps(ITEMS, TURNS);
    expect(steps.map((s) => (s.kind === "item" ? `${s.item.id}@${s.turnId}` : `end:${s.turn.id}`))).toEqual([
      "item_1@u1", "item_2@u1", "item_3@u1", "end:u1", "item_4@u2", "item_5@u2", "end:u2", "end:u3",
    ]);
    // An older server (or a fork's copied transcript): items alone.
    expect(resumeSteps(ITEMS.slice(0, 2), undefined).map((s) => s.kind)).toEqual(["item", "item"]);
  });

  it("the reducer builds the same entries as the live turn: turn-end lines with errors, usage and diffs", () => {
    const s = run([{ type: "threadOpened", thread: OTHER_THREAD, items: ITEMS, turns: TURNS }]);
    expect(s.order).toEqual(["item_1", "item_2", "item_3", "turn:u1", "item_4", "item_5", "turn:u2", "turn:u3"]);
    expect(s.entries["turn:u1"]).toMatchObject({ kind: "turn", status: "completed", usage: { totalTokens: 1200 }, diff: TURN_DIFF });
    expect(s.entries["turn:u2"]).toMatchObject({ kind: "turn", status: "failed", error: "the model rejected this request", diff: "" });
    expect(s.entries["item_2"]).toMatchObject({ kind: "command", turnId: "u1", exitCode: 1 });
    expect(s.entries["item_5"]).toMatchObject({ kind: "error", message: "stream broke" });
    expect(s.activeTurnId).toBeNull();
  });

  it("matches the live stream's cards for a whole turn", () => {
    const messages = fullTurn();
    const live = run(messages);
    const turnEntry = Object.values(live.entries).find((e) => e?.kind === "turn");
    if (turnEntry?.kind !== "turn" || !turnEntry.turnId) throw new Error("no turn entry");
    // What the server's rollout has: the completed items, in the order they started.
    const started = messages.flatMap((m) =>
      m.type === "notification" && m.method === "tandem/item/started" ? [(m.params as { item: Item }).item.id] : []);
    const completed = new Map(messages.flatMap((m) =>
      m.type === "notification" && m.method === "tandem/item/completed" ? [[(m.params as { item: Item }).item.id, (m.params as { item: Item }).item] as const] : []));
    const items = [...new Set([...started, ...completed.keys()])].flatMap((id) => completed.get(id) ?? []);
    const turn: ResumedTurn = { id: turnEntry.turnId, status: "completed", usage: turnEntry.usage ?? undefined, itemIds: items.map((i) => i.id), diff: turnEntry.diff };
    const resumed = run([{ type: "threadOpened", thread: THREAD, items, turns: [turn] }]);
    const kinds = (s: ViewState) => s.order.map((id) => s.entries[id]?.kind);
    expect(kinds(resumed)).toEqual(kinds(live));
    expect(resumed.entries[`turn:${turn.id}`]).toEqual(turnEntry);
  });

  it("a turn still running when the window reloaded shows as running", () => {
    const s = run([{ type: "threadOpened", thread: THREAD, items: [user("item_1", "go")],
      turns: [{ id: "u9", status: "inProgress", itemIds: ["item_1"], diff: "" }] }]);
    expect(s.order).toEqual(["item_1"]);
    expect(s.activeTurnId).toBe("u9");
    expect(s.status.busy).toBe(true);
  });
});

describe("the token meter", () => {
  const at = (contextTokens: number | null, contextWindow: number | null = 1000) =>
    tokenMeter({ contextTokens, contextWindow, usedTokens: 50_000, used: { totalTokens: 50_000, inputTokens: 45_000, cachedInputTokens: 30_000, outputTokens: 5_000, reasoningOutputTokens: 2_000 } });

  it("shows the context used of the window, not the cumulative tokens", () => {
    const m = at(420);
    expect(m).toMatchObject({ hidden: false, text: "Context 42%", level: "ok", offerCompact: false, fraction: 0.42 });
    expect(m.tooltip.split("\n")).toEqual([
      "Context: 420 of 1,000 tokens (42%)",
      "This thread in total: 50,000 tokens",
      "input 45k · cached 30k · output 5.0k · reasoning 2.0k",
    ]);
  });

  it("turns amber, then red near the limit, and offers /compact there", () => {
    expect(at(WARN_AT * 1000 - 1).level).toBe("ok");
    expect(at(WARN_AT * 1000)).toMatchObject({ level: "warn", offerCompact: true });
    expect(at(FULL_AT * 1000)).toMatchObject({ level: "full", offerCompact: true, text: "Context 85%" });
    expect(at(5000)).toMatchObject({ level: "full", text: "Context 100%" });
    expect(at(FULL_AT * 1000).tooltip).toContain("/compact");
  });

  it("is hidden before the first response, and counts tokens when the window is not known", () => {
    expect(at(null).hidden).toBe(true);
    expect(at(12_345, null)).toMatchObject({ text: "Context 12k", level: "ok", fraction: null });
  });

  it("follows thread switches: a thread without usage shows none", () => {
    let s = run([{ type: "threadOpened", thread: THREAD, items: [], tokenUsage: {
      threadId: THREAD.id, used: { totalTokens: 9000 }, last: { totalTokens: 800 }, contextWindow: 1000, contextTokens: 850 } }]);
    expect(tokenMeter(s.status)).toMatchObject({ level: "full", text: "Context 85%" });
    s = run([{ type: "threadOpened", thread: OTHER_THREAD, items: [] }], s);
    expect(tokenMeter(s.status).hidden).toBe(true);
  });
});

describe("the pickers' state", () => {
  it("keeps the host's turn options", () => {
    const view = {
      provider: "openai", providerName: "OpenAI", models: [], model: "gpt-5.5", effort: "high", efforts: ["low", "high"],
      approvalMode: "auto" as const, customApproval: null,
    };
    const s = run([{ type: "turnOptions", ...view }]);
    expect(s.turnOptions).toEqual({ type: "turnOptions", ...view });
    expect(effortLabel("high")).toBe("High effort");
    expect(effortLabel("none")).toBe("No reasoning");
  });
});
