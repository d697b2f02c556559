/**
 * The review in the chat page (Chromium): the compact "Review N files" card of a proposal, the
 * review state of an applied change, the turn's "N files changed" summary with Keep / Undo per file
 * and for the turn, Restore checkpoint and the undone mark. Fed host messages as the server sends
 * them; checked through roles and text; screenshots (light, dark; 300 px and 440 px wide) in
 * test-artifacts/webview/review-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import { clearOutbox, feed, outbox, type Session, startSession, waitForPosted } from "./browser";
import {
  afterApproval, APPROVAL, n, PRICE_HUNK_1, PRICE_HUNK_2, setup, TEST_HUNK, THREAD_ID, TURN_ID, untilApproval,
} from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

let session: Session;
const pages: Page[] = [];

async function open(theme: "light" | "dark" = "dark", width = 440): Promise<Page> {
  const page = await session.open(theme, { width, height: 1400 });
  pages.push(page);
  return page;
}

/** `tandem/change/updated` for the fixture's change (item-5): price.py's two hunks, the new test's one. */
function changeUpdated(price: [string, string], test: string): HostToWebview {
  return n("tandem/change/updated", {
    turnId: TURN_ID, changeId: "item-5",
    files: [
      { path: "src/shop/price.py", kind: "update", hunks: [{ id: PRICE_HUNK_1.id, state: price[0] }, { id: PRICE_HUNK_2.id, state: price[1] }] },
      { path: "tests/test_price.py", kind: "add", hunks: [{ id: TEST_HUNK.id, state: test }] },
    ],
  });
}

const undone = (action: "undo" | "redo"): HostToWebview =>
  n("tandem/turn/undone", { turnId: TURN_ID, action, restored: ["src/shop/price.py", "tests/test_price.py"], kept: [] });

beforeAll(async () => {
  session = await startSession();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

afterAll(async () => {
  await session?.close();
});

describe("review in the chat", () => {
  it("a proposal is one compact 'Review N files' card: files, hunks, Accept; no diff in the chat, the item card hidden", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval()]);
    const card = page.getByRole("group", { name: "Review 2 files" });
    expect(await card.locator(".review-file").allInnerTexts()).toEqual([
      expect.stringMatching(/src\/shop\/price\.py\s+\+2\s+−2/), expect.stringMatching(/tests\/test_price\.py\s+\+5\s+−0/),
    ]);
    expect(await card.locator("pre.diff").count()).toBe(0); // the diff is in the editor's diff tab
    // The file-change card of the same proposal is not a second view of it while it waits.
    expect(await page.getByRole("region", { name: "File changes" }).isVisible()).toBe(false);

    await card.getByRole("button", { name: "Show the proposed change to tests/test_price.py" }).click();
    await card.getByRole("button", { name: "Open diff" }).click();
    expect(await outbox(page)).toEqual(expect.arrayContaining([
      { type: "openDiff", itemId: "item-5", path: "tests/test_price.py" },
      { type: "openDiff", itemId: "item-5" },
    ]));

    // Decisions made in the diff show here too: rejected unchecked, accepted with a ✓.
    await feed(page, [{
      type: "hunkDecisions", requestId: APPROVAL.requestId,
      decisions: { [PRICE_HUNK_1.id]: "accepted", [PRICE_HUNK_2.id]: "rejected", [TEST_HUNK.id]: "pending" },
    }]);
    const boxes = card.getByRole("checkbox");
    expect(await boxes.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked))).toEqual([true, false, true]);
    expect(await card.locator(".hunk-mark").allInnerTexts()).toEqual(["✓", "", ""]);
    expect(await card.locator(".hint").innerText()).toBe("2 of 3 hunks selected.");
    await card.getByRole("button", { name: "Accept", exact: true }).click();
    expect(await waitForPosted(page, { type: "approve" })).toEqual({ type: "approve", requestId: APPROVAL.requestId, decision: "accept" });
    await feed(page, afterApproval());
    expect(await page.getByRole("region", { name: "File changes" }).isVisible()).toBe(true);
    expect(session.problems).toEqual([]);
  });

  it("an applied change's card and the turn summary follow the server's review states; Keep / Undo per file and for the turn", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval(), ...afterApproval(), changeUpdated(["pending", "pending"], "pending")]);
    const end = page.getByRole("region", { name: "Turn completed" });
    const summary = end.locator(".turn-diff");
    expect(await summary.locator(".turn-diff-head").innerText()).toMatch(/2 files changed\s+\+7\s+−2/);
    expect(await summary.locator("button.secondary").allInnerTexts()).toEqual(["Keep All", "Undo All", "Keep", "Undo", "Keep", "Undo"]);

    await clearOutbox(page);
    await summary.getByRole("button", { name: "Undo tests/test_price.py" }).click();
    await summary.getByRole("button", { name: "Keep src/shop/price.py" }).click();
    await summary.getByRole("button", { name: "Keep all changes of this turn" }).click();
    await summary.getByRole("button", { name: "Undo all changes of this turn" }).click();
    expect(await outbox(page)).toEqual([
      { type: "reviewFiles", threadId: THREAD_ID, turnId: TURN_ID, action: "undo", paths: ["tests/test_price.py"] },
      { type: "reviewFiles", threadId: THREAD_ID, turnId: TURN_ID, action: "keep", paths: ["src/shop/price.py"] },
      { type: "reviewFiles", threadId: THREAD_ID, turnId: TURN_ID, action: "keep" },
      { type: "reviewFiles", threadId: THREAD_ID, turnId: TURN_ID, action: "undo" },
    ]);

    // The server undid the test file and kept one hunk of price.py.
    await feed(page, [changeUpdated(["accepted", "pending"], "rejected")]);
    expect(await summary.locator(".turn-diff-head").innerText()).toContain("· 1 undone");
    const rows = summary.locator(".file-row");
    expect(await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["state"]))).toEqual(["partial", "undone"]);
    expect(await rows.nth(1).innerText()).toContain("Undone");
    expect(await rows.nth(1).getByRole("button").count()).toBe(1); // only the path link: nothing left to review
    const change = page.getByRole("region", { name: "File changes" });
    expect(await change.locator(".card-head .badge").innerText()).toBe("Partly undone");
    expect(await change.locator(".review-state").allInnerTexts()).toEqual(["1 of 2 kept", "Undone"]);
    await page.screenshot({ path: join(ARTIFACTS, "review-summary-dark-440.png"), fullPage: true });

    // All reviewed: no Keep / Undo left.
    await feed(page, [changeUpdated(["accepted", "accepted"], "rejected")]);
    expect(await summary.getByRole("button", { name: /^(Keep|Undo)/ }).count()).toBe(0);
    expect(await change.locator(".review-state").allInnerTexts()).toEqual(["Kept", "Undone"]);
    expect(session.problems).toEqual([]);
  });

  it("Restore checkpoint undoes the turn; the transcript marks it undone, Redo un-marks it", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval(), ...afterApproval(), changeUpdated(["pending", "pending"], "pending")]);
    const end = page.locator("section.turn-end");
    await clearOutbox(page);
    await end.getByRole("button", { name: "Restore checkpoint" }).click();
    expect(await outbox(page)).toEqual([{ type: "restoreCheckpoint", threadId: THREAD_ID, turnId: TURN_ID }]);

    await feed(page, [undone("undo"), changeUpdated(["rejected", "rejected"], "rejected")]);
    expect(await end.getAttribute("data-undone")).toBe("true");
    expect(await end.locator(".undone-badge").innerText()).toBe("Undone");
    expect(await end.getByRole("button", { name: "Restore checkpoint" }).count()).toBe(0);
    expect(await end.locator(".file-row").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["state"]))).toEqual(["undone", "undone"]);
    await clearOutbox(page);
    await end.getByRole("button", { name: "Redo" }).click();
    expect(await outbox(page)).toEqual([{ type: "redoCheckpoint", threadId: THREAD_ID }]);

    await feed(page, [undone("redo"), changeUpdated(["accepted", "accepted"], "accepted")]);
    expect(await end.getAttribute("data-undone")).toBe("false");
    expect(await end.locator(".undone-badge").count()).toBe(0);
    expect(await end.getByRole("button", { name: "Restore checkpoint" }).count()).toBe(1);
    expect(await end.locator(".file-row").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["state"]))).toEqual(["kept", "kept"]);
    expect(session.problems).toEqual([]);
  });

  it("screenshots: the review card and the summary at 300 px, light and dark", async () => {
    for (const theme of ["light", "dark"] as const) {
      const page = await open(theme, 300);
      await page.emulateMedia({ colorScheme: theme });
      await feed(page, [...setup(), ...untilApproval(), {
        type: "hunkDecisions", requestId: APPROVAL.requestId,
        decisions: { [PRICE_HUNK_1.id]: "accepted", [PRICE_HUNK_2.id]: "rejected", [TEST_HUNK.id]: "pending" },
      }]);
      const card = page.getByRole("group", { name: "Review 2 files" });
      await card.scrollIntoViewIfNeeded();
      // Nothing of the card is cut off at 300 px: no horizontal overflow.
      expect(await card.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
      await card.screenshot({ path: join(ARTIFACTS, `review-card-${theme}-300.png`) });
      await feed(page, [...afterApproval(), changeUpdated(["accepted", "pending"], "rejected")]);
      const end = page.locator("section.turn-end");
      await end.scrollIntoViewIfNeeded();
      expect(await end.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
      await end.screenshot({ path: join(ARTIFACTS, `review-summary-${theme}-300.png`) });
    }
    expect(session.problems).toEqual([]);
  });
});
