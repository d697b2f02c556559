/**
 * A recorded turn as the host relays it to the page (shapes as the server emits them: see
 * server/tandem/agent/turn.py and tools/{shell,apply_patch}.py): user message, streamed reasoning,
 * the plan, a failing test command with output, an approval for a two-file change (three hunks),
 * the change applied, the turn diff, a streamed agent message, token usage, completion.
 * Used by the page tests (Chromium) and the reducer's unit tests.
 */
import type { ChangeProposal, Item, ThreadInfo } from "../../src/shared/protocolTypes";
import type { ApprovalMessage, HostToWebview } from "../../src/shared/webviewMessages";

export const THREAD_ID = "0b7c2a52-5f2e-4a57-9a38-6e0f6f3f2a10";
export const TURN_ID = "6c1e0f9a2b44";
export const CWD = "/home/dev/shop";

export const THREAD: ThreadInfo = {
  id: THREAD_ID,
  cwd: CWD,
  model: "gpt-5-codex",
  modelProvider: "openai",
  approvalPolicy: "on-request",
  sandboxMode: "workspace-write",
  createdAt: "2025-06-02T09:14:00Z",
  preview: "The price test fails: fix the rounding",
};

export const OTHER_THREAD: ThreadInfo = {
  ...THREAD,
  id: "5d0e8b11-90aa-4c1b-8f55-0c2d6f9e1b77",
  createdAt: "2025-06-01T16:40:00Z",
  preview: "Add a CSV export to the orders page",
};

export function n(method: string, params: Record<string, unknown>): HostToWebview {
  return { type: "notification", method, params: { threadId: THREAD_ID, ...params } };
}

export function item(phase: "started" | "updated" | "completed", it: Item, turnId = TURN_ID): HostToWebview {
  return n(`tandem/item/${phase}`, { turnId, item: it });
}

export function delta(kind: "agentMessage" | "reasoning" | "commandOutput", itemId: string, text: string,
  turnId = TURN_ID): HostToWebview {
  return n(`tandem/item/${kind}Delta`, { turnId, itemId, delta: text });
}

export const PRICE_HUNK_1 = {
  id: "4be1c0a7-0",
  header: "@@ -1,3 +1,3 @@",
  diff: "@@ -1,3 +1,3 @@\n-from decimal import Decimal\n+from decimal import ROUND_HALF_UP, Decimal\n \n \n",
};
export const PRICE_HUNK_2 = {
  id: "9d03e5f2-1",
  header: "@@ -7,4 +7,4 @@",
  diff: "@@ -7,4 +7,4 @@\n     subtotal = Decimal(0)\n     for item in items:\n         subtotal += Decimal(str(item.price)) * item.qty\n"
    + "-    return float(round(subtotal, 2))\n+    return float(subtotal.quantize(CENTS, rounding=ROUND_HALF_UP))\n",
};
export const TEST_HUNK = {
  id: "c71f08e3-0",
  header: "@@ -0,0 +1,5 @@",
  diff: "@@ -0,0 +1,5 @@\n+from shop.price import Item, total\n+\n+\n+def test_rounds_half_up():\n"
    + "+    assert total([Item(price=10.005, qty=1)]) == 10.01\n",
};

export const PRICE_DIFF = `--- a/src/shop/price.py\n+++ b/src/shop/price.py\n${PRICE_HUNK_1.diff}${PRICE_HUNK_2.diff}`;
export const TEST_DIFF = `--- /dev/null\n+++ b/tests/test_price.py\n${TEST_HUNK.diff}`;
export const TURN_DIFF = PRICE_DIFF + TEST_DIFF;

export const CHANGES: ChangeProposal[] = [
  { path: "src/shop/price.py", kind: "update", diff: PRICE_DIFF, hunks: [PRICE_HUNK_1, PRICE_HUNK_2], oldText: null, newText: null },
  { path: "tests/test_price.py", kind: "add", diff: TEST_DIFF, hunks: [TEST_HUNK], oldText: null, newText: null },
];

export const APPROVAL: ApprovalMessage = {
  type: "approval",
  requestId: "approval-3e9d1f0c2a11",
  threadId: THREAD_ID,
  turnId: TURN_ID,
  itemId: "item-5",
  kind: "fileChange",
  reason: null,
  changes: CHANGES,
};

const PLAN_TEXT = ["Reproduce the failing test", "Fix the rounding in price.py", "Add a regression test"];
const plan = (done: number): { step: string; status: "pending" | "in_progress" | "completed" }[] =>
  PLAN_TEXT.map((step, i) => ({ step, status: i < done ? "completed" : i === done ? "in_progress" : "pending" }));

const TEST_OUTPUT = [
  "F.                                                                       [100%]\n",
  "=================================== FAILURES ===================================\n",
  "_____________________________ test_total_rounds ______________________________\n\n",
  "    def test_total_rounds():\n>       assert total([Item(price=10.005, qty=1)]) == 10.01\n",
  "E       assert 10.0 == 10.01\n\ntests/test_orders.py:12: AssertionError\n",
  "\u001b[31m1 failed\u001b[0m, 1 passed in 0.08s\n",
];

export const AGENT_TEXT = [
  "Fixed: `total()` rounded with Python's `round`, which rounds half to even on a binary float, so ",
  "10.005 became 10.0.\n\n",
  "Changes in [src/shop/price.py](src/shop/price.py#L10):\n\n",
  "- amounts stay `Decimal` and are rounded with `quantize(CENTS, rounding=ROUND_HALF_UP)`\n",
  "- a regression test in `tests/test_price.py`\n\n",
  "```python\nreturn float(subtotal.quantize(CENTS, rounding=ROUND_HALF_UP))\n```\n",
];

/** Session setup: status, thread list, the opened (empty) thread. */
export function setup(): HostToWebview[] {
  return [
    { type: "status", model: "gpt-5-codex", connected: true, busy: false, usedTokens: null, contextWindow: 272_000 },
    { type: "threads", threads: [THREAD, OTHER_THREAD], activeThreadId: THREAD_ID },
    { type: "threadOpened", thread: THREAD, items: [] },
  ];
}

/** The turn up to (and including) the file-change approval. */
export function untilApproval(): HostToWebview[] {
  const user: Item = {
    type: "userMessage",
    id: "item-1",
    content: [
      { type: "text", text: "The price test fails — 10.005 should round to 10.01. Fix it." },
      { type: "file", uri: `file://${CWD}/src/shop/price.py` },
    ],
  };
  const command: Item = { type: "commandExecution", id: "item-4", command: "pytest -q tests/", cwd: CWD, status: "inProgress", output: "" };
  return [
    n("tandem/turn/started", { turn: { id: TURN_ID, status: "inProgress" } }),
    { type: "status", model: "gpt-5-codex", connected: true, busy: true, usedTokens: null, contextWindow: 272_000 },
    item("started", user),
    item("completed", user),
    item("started", { type: "reasoning", id: "item-2", summary: [], text: "" }),
    delta("reasoning", "item-2", "**Reproducing the rounding failure**\n\n"),
    delta("reasoning", "item-2", "The test expects half-up rounding; `round()` on floats "),
    delta("reasoning", "item-2", "rounds half to even and 10.005 is stored as 10.00499…"),
    item("completed", {
      type: "reasoning", id: "item-2",
      summary: ["**Reproducing the rounding failure**\n\nThe test expects half-up rounding; `round()` on floats rounds half to even and 10.005 is stored as 10.00499…"],
      text: "",
    }),
    n("tandem/turn/planUpdated", { turnId: TURN_ID, plan: plan(0), explanation: "Small fix, then a test." }),
    item("started", { type: "plan", id: "item-3", steps: plan(0), explanation: "Small fix, then a test." }),
    item("started", command),
    ...TEST_OUTPUT.map((chunk) => delta("commandOutput", "item-4", chunk)),
    item("completed", { ...command, status: "failed", exitCode: 1, durationMs: 812, output: TEST_OUTPUT.join("") }),
    n("tandem/turn/planUpdated", { turnId: TURN_ID, plan: plan(1), explanation: null }),
    item("updated", { type: "plan", id: "item-3", steps: plan(1), explanation: "Small fix, then a test." }),
    item("started", {
      type: "fileChange", id: "item-5", status: "inProgress",
      changes: CHANGES.map((c) => ({ path: c.path, kind: c.kind, diff: c.diff })),
    }),
    APPROVAL,
  ];
}

/** The rest of the turn after the user accepted the change. */
export function afterApproval(): HostToWebview[] {
  return [
    { type: "approvalResolved", requestId: APPROVAL.requestId },
    n("tandem/serverRequest/resolved", { requestId: APPROVAL.requestId }),
    n("tandem/turn/diffUpdated", { turnId: TURN_ID, diff: TURN_DIFF }),
    item("completed", {
      type: "fileChange", id: "item-5", status: "completed",
      changes: CHANGES.map((c) => ({ path: c.path, kind: c.kind, diff: c.diff })),
    }),
    n("tandem/turn/planUpdated", { turnId: TURN_ID, plan: plan(3), explanation: null }),
    item("updated", { type: "plan", id: "item-3", steps: plan(3), explanation: "Small fix, then a test." }),
    item("started", { type: "agentMessage", id: "item-6", text: "" }),
    ...AGENT_TEXT.map((chunk) => delta("agentMessage", "item-6", chunk)),
    item("completed", { type: "agentMessage", id: "item-6", text: AGENT_TEXT.join("") }),
    n("tandem/thread/tokenUsage", {
      used: { inputTokens: 16_410, cachedInputTokens: 9_216, outputTokens: 1_824, reasoningOutputTokens: 640, totalTokens: 18_234 },
      last: { inputTokens: 9_002, cachedInputTokens: 8_704, outputTokens: 611, reasoningOutputTokens: 128, totalTokens: 9_613 },
      contextWindow: 272_000,
    }),
    item("completed", { type: "plan", id: "item-3", steps: plan(3), explanation: "Small fix, then a test." }),
    n("tandem/turn/completed", {
      turn: { id: TURN_ID, status: "completed", usage: { inputTokens: 16_410, outputTokens: 1_824, totalTokens: 18_234 } },
    }),
    { type: "status", model: "gpt-5-codex", connected: true, busy: false, usedTokens: 18_234, contextWindow: 272_000 },
  ];
}

export const TURN2_ID = "a41d7730e2c9";

/** A second turn that stops at a command approval (for the screenshots: every card type at once). */
export function secondTurnPendingCommand(): HostToWebview[] {
  const user: Item = { type: "userMessage", id: "item-7", content: [{ type: "text", text: "Now run the whole suite." }] };
  const command: Item = { type: "commandExecution", id: "item-8", command: "pytest -q && ruff check src", cwd: CWD, status: "inProgress", output: "" };
  return [
    n("tandem/turn/started", { turn: { id: TURN2_ID, status: "inProgress" } }),
    item("started", user, TURN2_ID),
    item("completed", user, TURN2_ID),
    item("started", command, TURN2_ID),
    {
      type: "approval", requestId: "approval-77c2d9e0a5b3", threadId: THREAD_ID, turnId: TURN2_ID, itemId: "item-8",
      kind: "command", command: "pytest -q && ruff check src", cwd: CWD, reason: "Runs the test suite and the linter.",
    },
  ];
}

export function fullTurn(): HostToWebview[] {
  return [...setup(), ...untilApproval(), ...afterApproval()];
}
