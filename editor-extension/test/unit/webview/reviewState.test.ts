import { describe, expect, it } from "vitest";
import type { HostToWebview } from "../../../src/shared/webviewMessages";
import { emptyReview, turnReview, withChange, withUndo } from "../../../webview/reviewState";
import { initialState, reduce, reduceAll, type ViewState } from "../../../webview/state";
import { fullTurn, n, PRICE_HUNK_1, PRICE_HUNK_2, TEST_HUNK, TURN_ID } from "../../webview/fixtures";

function run(messages: HostToWebview[], from: ViewState = initialState()): ViewState {
  const stepwise = messages.reduce(reduce, from);
  expect(reduceAll(from, messages)).toEqual(stepwise);
  return stepwise;
}

const updated = (price: [string, string], test: string, changeId = "item-5", turnId = TURN_ID): HostToWebview => n("tandem/change/updated", {
  turnId, changeId,
  files: [
    { path: "src/shop/price.py", kind: "update", hunks: [{ id: PRICE_HUNK_1.id, state: price[0] }, { id: PRICE_HUNK_2.id, state: price[1] }] },
    { path: "tests/test_price.py", kind: "add", hunks: [{ id: TEST_HUNK.id, state: test }] },
  ],
});
const undone = (action: "undo" | "redo", turnId = TURN_ID): HostToWebview => n("tandem/turn/undone", { turnId, action, restored: [], kept: [] });

describe("review state in the page", () => {
  it("a change's states reach its file-change card and its turn's summary, in either order", () => {
    const before = run([...fullTurn(), updated(["pending", "rejected"], "accepted")]);
    const after = run([updated(["pending", "rejected"], "accepted"), ...fullTurn()]);
    for (const s of [before, after]) {
      const change = s.entries["item-5"];
      expect(change?.kind === "fileChange" && change.review).toEqual([
        { path: "src/shop/price.py", state: "partial", pending: 1, undone: 1, total: 2 },
        { path: "tests/test_price.py", state: "kept", pending: 0, undone: 0, total: 1 },
      ]);
      const turn = s.entries[`turn:${TURN_ID}`];
      expect(turn?.kind === "turn" && turn.review?.files.map((f) => [f.path, f.state])).toEqual([
        ["src/shop/price.py", "partial"], ["tests/test_price.py", "kept"],
      ]);
    }
  });

  it("an undo marks the turn (Redo offered while it is the newest undo); a redo un-marks it", () => {
    let s = run([...fullTurn(), undone("undo")]);
    const turn = () => s.entries[`turn:${TURN_ID}`];
    expect(turn()?.kind === "turn" && turn()).toMatchObject({ review: { undone: true, redoable: true } });
    s = run([undone("undo", "later-turn")], s);
    expect(turn()?.kind === "turn" && turn()).toMatchObject({ review: { undone: true, redoable: false } });
    s = run([undone("redo", "later-turn"), undone("redo")], s);
    expect(turn()?.kind === "turn" && turn()).toMatchObject({ review: { undone: false, redoable: false } });
  });

  it("folds changes of one turn by file; other threads' notifications are ignored", () => {
    let review = withChange(emptyReview(), {
      threadId: "t", turnId: "u", changeId: "a",
      files: [{ path: "x.py", kind: "update", hunks: [{ id: "1", state: "accepted" }] }],
    });
    review = withChange(review, {
      threadId: "t", turnId: "u", changeId: "b",
      files: [{ path: "x.py", kind: "update", hunks: [{ id: "2", state: "pending" }] }, { path: "old.py", movePath: "new.py", kind: "move", hunks: [{ id: "3", state: "rejected" }] }],
    });
    expect(turnReview(review, "u").files).toEqual([
      { path: "x.py", state: "partial", pending: 1, undone: 0, total: 2 },
      { path: "new.py", state: "undone", pending: 0, undone: 1, total: 1 },
    ]);
    expect(withUndo(withUndo(review, { threadId: "t", turnId: "u", action: "undo" }), { threadId: "t", turnId: "u", action: "redo" }).undone).toEqual([]);
    const s = run([...fullTurn(), { type: "notification", method: "tandem/change/updated", params: { threadId: "someone-else", turnId: TURN_ID, changeId: "item-5", files: [] } }]);
    expect(s.review.changes).toEqual({});
  });
});
