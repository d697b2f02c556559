/**
 * The chat page alone in Chromium: fed recorded host messages through window.postMessage, checked
 * through DOM text and roles, its outgoing messages read from window.__tandemOutbox.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearOutbox, feed, outbox, type Session, startSession, waitForPosted } from "./browser";
import {
  afterApproval, APPROVAL, CWD, delta, item, n, OTHER_THREAD, PRICE_HUNK_1, PRICE_HUNK_2, secondTurnPendingCommand, setup,
  TEST_HUNK, THREAD_ID, TURN_ID, untilApproval,
} from "./fixtures";
import { THEMES } from "./themes";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

let session: Session;
const pages: Page[] = [];

async function open(theme: "light" | "dark" = "dark", viewport?: { width: number; height: number }): Promise<Page> {
  const page = await session.open(theme, viewport);
  pages.push(page);
  return page;
}

const text = (page: Page, selector: string): Promise<string> =>
  page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent ?? "").join("\n"));

beforeAll(async () => {
  session = await startSession();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

afterAll(async () => {
  await session?.close();
});

describe("chat page", () => {
  it("says ready, then renders a realistic turn up to the approval", async () => {
    const page = await open();
    expect(await outbox(page)).toEqual([{ type: "ready" }]);
    await feed(page, [...setup(), ...untilApproval()]);

    const log = page.getByRole("log", { name: "Conversation" });
    expect(await log.getAttribute("aria-live")).toBe("polite");

    // user message with its mention chip
    const user = page.getByRole("article", { name: "You said" });
    expect(await user.textContent()).toContain("10.005 should round to 10.01");
    expect(await user.getByRole("button", { name: "Open src/shop/price.py" }).count()).toBe(1);

    // reasoning: collapsed, headline visible
    const reasoning = page.locator("details.reasoning");
    expect(await reasoning.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await reasoning.locator("summary").innerText()).toContain("Reproducing the rounding failure");

    // command card
    const command = page.getByRole("region", { name: "Command: pytest -q tests/" });
    expect(await command.locator(".cmd").innerText()).toBe("pytest -q tests/");
    expect(await command.locator(".badge").innerText()).toBe("Exit 1");
    expect(await command.locator(".duration").innerText()).toBe("812 ms");
    expect(await command.locator(".cwd").innerText()).toBe(""); // the thread's root: not worth saying
    const output = await command.locator(".output-text").innerText();
    expect(output).toContain("E       assert 10.0 == 10.01");
    expect(output).not.toContain("\u001b");

    // plan checklist
    const plan = page.getByRole("region", { name: "Plan" });
    expect(await plan.locator("li").count()).toBe(3);
    expect(await plan.locator("li.step-completed .step-text").allInnerTexts()).toEqual(["Reproduce the failing test"]);
    expect(await plan.locator("li.step-in_progress .step-text").allInnerTexts()).toEqual(["Fix the rounding in price.py"]);
    expect(await plan.locator(".progress").innerText()).toBe("1 of 3 done");

    // the approval, inline after the file change (which it stands in for), every hunk checked
    const approval = page.getByRole("group", { name: "Review 2 files" });
    expect(await approval.getByRole("checkbox").count()).toBe(3);
    expect(await approval.getByRole("checkbox", { checked: true }).count()).toBe(3);
    const names = await approval.getByRole("button").allInnerTexts();
    expect(names).toEqual(expect.arrayContaining(["Accept", "Open diff", "Accept for session", "Reject", "Cancel turn"]));
    const order = await page.locator(".transcript-list > .entry").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["kind"]));
    expect(order).toEqual(["user", "reasoning", "plan", "command", "fileChange", "approval"]);

    // header and stop button
    expect(await page.getByRole("button", { name: /^Thread: / }).innerText()).toContain("The price test fails: fix the rounding");
    expect(await page.getByRole("status", { name: "Agent status" }).innerText()).toContain("gpt-5-codex");
    expect(await page.getByRole("button", { name: "Stop the running turn" }).isVisible()).toBe(true);
    expect(session.problems).toEqual([]);
  });

  it("a hunk's checkbox is the host's decision: unchecking posts decideHunk, hunkDecisions sets it; the rest of the turn renders", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval()]);
    const approval = page.getByRole("group", { name: "Review 2 files" });
    await approval.getByRole("checkbox", { name: /Apply hunk 2 of 2/ }).uncheck();
    expect(await waitForPosted(page, { type: "decideHunk" })).toEqual({
      type: "decideHunk", requestId: APPROVAL.requestId, hunkId: PRICE_HUNK_2.id, decision: "rejected",
    });
    expect(await approval.locator(".hint").innerText()).toBe("2 of 3 hunks selected.");
    // The same review decided in the proposal diff: the host tells the page.
    await feed(page, [{
      type: "hunkDecisions", requestId: APPROVAL.requestId,
      decisions: { [PRICE_HUNK_1.id]: "accepted", [PRICE_HUNK_2.id]: "rejected", [TEST_HUNK.id]: "rejected" },
    }]);
    expect(await approval.getByRole("checkbox", { name: /Apply hunk/ }).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked)))
      .toEqual([true, false, false]);
    expect(await approval.locator(".hint").innerText()).toBe("1 of 3 hunks selected.");
    await approval.getByRole("button", { name: "Accept", exact: true }).click();
    // The host answers with its review's hunks: the page names only the decision.
    expect(await waitForPosted(page, { type: "approve" })).toEqual({ type: "approve", requestId: APPROVAL.requestId, decision: "accept" });
    expect(PRICE_HUNK_2.id).not.toBe(PRICE_HUNK_1.id);
    // answered: disabled until the host resolves it
    expect(await approval.getByRole("button", { name: "Reject" }).isDisabled()).toBe(true);

    await feed(page, afterApproval());
    expect(await page.getByRole("group", { name: "Review 2 files" }).count()).toBe(0);

    const change = page.getByRole("region", { name: "File changes" });
    expect(await change.locator(".badge").innerText()).toBe("Applied");
    expect(await change.locator(".card-head .title").innerText()).toBe("Edited 2 files");
    expect(await change.locator(".file-row").allInnerTexts()).toEqual([
      expect.stringContaining("src/shop/price.py"), expect.stringContaining("tests/test_price.py"),
    ]);
    expect(await change.locator(".dl-add").first().innerText()).toContain("ROUND_HALF_UP");

    const agent = page.getByRole("article", { name: "Tandem said" });
    expect(await agent.locator("code").first().innerText()).toBe("total()");
    expect(await agent.locator("pre code").innerText()).toContain("quantize(CENTS");
    expect(await agent.locator("li").count()).toBe(2);
    expect(await agent.getAttribute("aria-busy")).toBe("false");

    const end = page.getByRole("region", { name: "Turn completed" });
    expect(await end.locator(".turn-diff-head").innerText()).toMatch(/2 files changed\s+\+7\s+−2/);
    expect(await end.locator(".usage").innerText()).toBe("· 18k tokens");
    expect(await page.getByRole("button", { name: "Stop the running turn" }).isVisible()).toBe(false);
    expect(await page.locator(".plan .progress").innerText()).toBe("3 of 3 done");
    // The token meter: the context used of the window (the last request: 9,613 of 272,000), the total in its tooltip.
    const meter = page.getByRole("meter", { name: /^Context 4% full/ });
    expect(await meter.innerText()).toBe("Context 4%");
    expect(await meter.getAttribute("title")).toContain("This thread in total: 18,234 tokens");

    // links: open diff of one file, open a file, a file link inside the markdown
    await clearOutbox(page);
    await change.getByRole("button", { name: "Open diff of tests/test_price.py" }).click();
    await change.getByRole("button", { name: "Open src/shop/price.py" }).click();
    await agent.getByRole("link", { name: "src/shop/price.py" }).click();
    await end.getByRole("button", { name: "Fork from here" }).click();
    expect(await outbox(page)).toEqual([
      { type: "openDiff", itemId: "item-5", path: "tests/test_price.py" },
      { type: "openFile", path: "src/shop/price.py" },
      { type: "openFile", path: "src/shop/price.py", line: 10 },
      { type: "forkThread", threadId: THREAD_ID, turnId: TURN_ID },
    ]);
    expect(session.problems).toEqual([]);
  });

  it("command approvals: Accept for session sends no hunk ids; Cancel turn sends cancel", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval(), ...afterApproval(), ...secondTurnPendingCommand()]);
    const approval = page.getByRole("group", { name: "Run this command?" });
    expect(await approval.locator(".approval-command").innerText()).toContain("pytest -q && ruff check src");
    expect(await approval.locator(".reason").innerText()).toBe("Runs the test suite and the linter.");
    await approval.getByRole("button", { name: "Accept for session" }).click();
    expect(await waitForPosted(page, { type: "approve" })).toEqual({
      type: "approve", requestId: "approval-77c2d9e0a5b3", decision: "acceptForSession",
    });
    await feed(page, [{ type: "approvalResolved", requestId: "approval-77c2d9e0a5b3" },
      { type: "approval", requestId: "r2", threadId: THREAD_ID, turnId: "a41d7730e2c9", itemId: "item-8", kind: "command", command: "rm -rf build" }]);
    await clearOutbox(page);
    await page.getByRole("group", { name: "Run this command?" }).getByRole("button", { name: "Cancel turn" }).click();
    expect(await outbox(page)).toEqual([{ type: "approve", requestId: "r2", decision: "cancel" }]);

    // a prefix rule offered by the server: "Always allow"
    await feed(page, [{ type: "approvalResolved", requestId: "r2" }, {
      type: "approval", requestId: "r3", threadId: THREAD_ID, turnId: "a41d7730e2c9", itemId: "item-9", kind: "command",
      command: "git pull --rebase", prefixRule: ["git", "pull"],
    }]);
    await clearOutbox(page);
    await page.getByRole("button", { name: "Always allow “git pull …”" }).click();
    expect(await outbox(page)).toEqual([{ type: "approve", requestId: "r3", decision: "acceptWithPrefixRule" }]);
  });

  it("unchecking every hunk disables Accept; Reject still works", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval()]);
    const approval = page.getByRole("group", { name: "Review 2 files" });
    for (const box of await approval.getByRole("checkbox").all()) await box.uncheck();
    expect(await approval.getByRole("button", { name: "Accept", exact: true }).isDisabled()).toBe(true);
    expect(await approval.getByRole("button", { name: "Accept for session" }).isDisabled()).toBe(true);
    await approval.getByRole("button", { name: "Reject" }).click();
    expect(await waitForPosted(page, { type: "approve" })).toEqual({ type: "approve", requestId: APPROVAL.requestId, decision: "decline" });
  });

  it("streams the agent message and drops discarded items on streamRetry", async () => {
    const page = await open();
    await feed(page, [...setup(), n("tandem/turn/started", { turn: { id: TURN_ID } }),
      item("started", { type: "agentMessage", id: "a1", text: "" }), delta("agentMessage", "a1", "Half a **sent")]);
    const agent = page.getByRole("article", { name: "Tandem said" });
    expect(await agent.getAttribute("aria-busy")).toBe("true");
    expect(await agent.innerText()).toContain("Half a");
    await feed(page, [n("tandem/turn/streamRetry", {
      turnId: TURN_ID, attempt: 1, maxAttempts: 5, delayMs: 400, message: "stream disconnected before completion", discardedItemIds: ["a1"],
    })]);
    expect(await page.getByRole("article", { name: "Tandem said" }).count()).toBe(0);
    expect(await page.locator(".retry").innerText()).toContain("attempt 1 of 5");
    await feed(page, [item("started", { type: "agentMessage", id: "a2", text: "" }), delta("agentMessage", "a2", "Fresh "),
      delta("agentMessage", "a2", "answer")]);
    expect(await page.getByRole("article", { name: "Tandem said" }).innerText()).toContain("Fresh answer");
    expect(await page.locator(".retry").isVisible()).toBe(false);
  });

  it("shows failed and interrupted turns with their error", async () => {
    const page = await open();
    await feed(page, [...setup(), n("tandem/turn/started", { turn: { id: "t1" } }),
      n("tandem/turn/completed", { turn: { id: "t1", status: "failed", error: { message: "model error: 401 Unauthorized (check OPENAI_API_KEY)" } } }),
      n("tandem/turn/started", { turn: { id: "t2" } }),
      item("started", { type: "error", id: "e1", message: "read_file: no such file" }, "t2"),
      n("tandem/turn/completed", { turn: { id: "t2", status: "interrupted" } }),
      { type: "error", message: "The Tandem server stopped; restarting." }]);
    expect(await page.getByRole("region", { name: "Turn failed" }).innerText()).toContain("401 Unauthorized");
    expect(await page.getByRole("region", { name: "Turn interrupted" }).count()).toBe(1);
    expect(await page.getByRole("alert").allInnerTexts()).toEqual(expect.arrayContaining([
      expect.stringContaining("read_file: no such file"), expect.stringContaining("server stopped"),
    ]));
  });

  it("streaming touches only the streaming card, once per animation frame", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval(), item("started", { type: "agentMessage", id: "s1", text: "" })]);
    await page.evaluate(() => {
      const w = window as unknown as { __mutations: { inAgent: number; outside: number; markdownSets: number } };
      w.__mutations = { inAgent: 0, outside: 0, markdownSets: 0 };
      const agent = document.querySelector('[data-entry-id="s1"]');
      new MutationObserver((records) => {
        for (const r of records) {
          if (agent?.contains(r.target)) {
            w.__mutations.inAgent++;
            if ((r.target as Element).classList?.contains("markdown") && r.type === "childList") w.__mutations.markdownSets++;
          } else {
            w.__mutations.outside++;
          }
        }
      }).observe(document.querySelector(".transcript-list") as Element, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const words = Array.from({ length: 300 }, (_, i) => delta("agentMessage", "s1", `word${i} `));
    await feed(page, words);
    const counts = await page.evaluate(() => (window as unknown as { __mutations: Record<string, number> }).__mutations);
    expect(counts["outside"]).toBe(0);
    expect(counts["inAgent"]).toBeGreaterThan(0);
    // 300 deltas posted in one burst are folded into very few renders (one per frame), not 300.
    expect(counts["markdownSets"]).toBeLessThanOrEqual(3);
    expect(await page.getByRole("article", { name: "Tandem said" }).innerText()).toContain("word299");
  });

  it("renders a resumed thread's items", async () => {
    const page = await open();
    await feed(page, [...setup(), { type: "threadOpened", thread: OTHER_THREAD, items: [
      { type: "userMessage", id: "u1", content: [{ type: "text", text: "Add a CSV export" }, { type: "selection", uri: `file://${CWD}/src/orders.py`, range: { start: { line: 9, character: 0 }, end: { line: 19, character: 0 } } }] },
      { type: "commandExecution", id: "c1", command: "ls src", cwd: CWD, status: "completed", exitCode: 0, output: "orders.py\nprice.py\n", durationMs: 12 },
      { type: "contextCompaction", id: "k1", summary: "Earlier: explored the orders module." },
      { type: "agentMessage", id: "a1", text: "Done: see `export_csv()`." },
    ] }]);
    expect(await page.getByRole("article", { name: "You said" }).innerText()).toContain("src/orders.py:10-20");
    expect(await page.getByRole("region", { name: "Command: ls src" }).locator(".badge").innerText()).toBe("Exit 0");
    expect(await page.locator(".compaction summary").innerText()).toBe("Context compacted");
    expect(await page.getByRole("article", { name: "Tandem said" }).innerText()).toBe("Done: see export_csv().");
    expect(await page.getByRole("button", { name: /^Thread: / }).innerText()).toContain(OTHER_THREAD.preview);
  });

  it("caps long command output in the DOM, keeping head and tail", async () => {
    const page = await open();
    const chunks = Array.from({ length: 400 }, (_, i) => delta("commandOutput", "c1",
      Array.from({ length: 10 }, (__, j) => `line ${i * 10 + j} ${"x".repeat(40)}\n`).join("")));
    await feed(page, [...setup(), item("started", { type: "commandExecution", id: "c1", command: "make -j8", cwd: CWD }), ...chunks]);
    const out = await text(page, ".command .output-text");
    expect(out.startsWith("line 0 ")).toBe(true);
    expect(out).toContain("line 3999 ");
    expect(out).toContain("characters omitted");
    expect(out.length).toBeLessThan(25_000);
    expect(await page.locator(".command .badge").innerText()).toBe("Running…");
  });

  it("composer: Enter sends, Shift+Enter adds a line, slash commands go to the host as slash", async () => {
    const page = await open();
    await feed(page, setup());
    await clearOutbox(page);
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.click();
    await page.keyboard.type("hello");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("world");
    await page.keyboard.press("Enter");
    expect(await outbox(page)).toEqual([{ type: "send", text: "hello\nworld", mentions: [], images: [] }]);
    expect(await box.inputValue()).toBe("");

    // slash menu (a server that announces /review): filter, choose /review (waits for args), send
    await feed(page, [{ type: "capabilities", slashCommands: ["new", "compact", "undo", "redo", "review"] }]);
    await page.keyboard.type("/");
    const menu = page.getByRole("listbox", { name: "Commands" });
    expect(await menu.getByRole("option").allInnerTexts()).toHaveLength(5);
    await page.keyboard.type("rev");
    expect(await menu.getByRole("option").count()).toBe(1);
    await page.keyboard.press("Enter");
    expect(await box.inputValue()).toBe("/review ");
    await page.keyboard.type("the rounding change");
    await page.keyboard.press("Enter");
    await page.keyboard.type("/ne");
    await page.keyboard.press("Enter"); // chooses /new from the menu: runs at once
    await page.keyboard.type("/undo");
    await page.keyboard.press("Escape"); // closes the menu...
    expect(await menu.isVisible()).toBe(false);
    await page.keyboard.press("Enter"); // ...and Enter sends the command
    await page.keyboard.type("/red");
    await page.keyboard.press("Enter"); // chooses /redo from the menu
    expect((await outbox(page)).slice(1)).toEqual([
      { type: "slash", command: "review", args: "the rounding change" },
      { type: "slash", command: "new" },
      { type: "slash", command: "undo" },
      { type: "slash", command: "redo" },
    ]);
  });

  it("@ autocomplete: searchMentions, keyboard choice, chip, sent as mentions", async () => {
    const page = await open();
    await feed(page, setup());
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.click();
    await page.keyboard.type("compare @pri");
    expect(await waitForPosted(page, { type: "searchMentions", query: "pri" })).toEqual({ type: "searchMentions", query: "pri" });
    await feed(page, [{ type: "mentionResults", query: "pri", files: ["src/shop/price.py", "tests/test_price.py"] }]);
    const list = page.getByRole("listbox", { name: "Files" });
    expect(await list.getByRole("option").allInnerTexts()).toEqual([
      expect.stringContaining("price.py"), expect.stringContaining("test_price.py"),
    ]);
    expect(await list.isVisible()).toBe(true);
    await page.keyboard.press("ArrowDown");
    const active = await box.getAttribute("aria-activedescendant");
    expect(await page.locator(`#${active}`).innerText()).toContain("test_price.py");
    expect(await page.locator(`#${active}`).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Enter");
    expect(await list.isVisible()).toBe(false);
    expect(await box.inputValue()).toBe("compare @tests/test_price.py ");
    expect(await page.getByRole("list", { name: "Attachments" }).innerText()).toContain("tests/test_price.py");

    // Escape closes the menu without choosing
    await page.keyboard.type("with @sr");
    await waitForPosted(page, { type: "searchMentions", query: "sr" });
    await feed(page, [{ type: "mentionResults", query: "sr", files: ["src/shop/price.py"] }]);
    expect(await list.isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    expect(await list.isVisible()).toBe(false);
    expect(await box.inputValue()).toBe("compare @tests/test_price.py with @sr");

    await page.keyboard.press("Enter");
    const sent = await waitForPosted(page, { type: "send" });
    expect(sent).toEqual({
      type: "send", text: "compare @tests/test_price.py with @sr", mentions: [{ path: "tests/test_price.py" }], images: [],
    });
    expect(await page.getByRole("list", { name: "Attachments" }).isVisible()).toBe(false);
  });

  it("insert messages add a mention chip and text; pasted images become chips and are sent", async () => {
    const page = await open();
    await feed(page, [...setup(), { type: "insert", text: "Why is this slow?", mention: { path: "src/shop/orders.py", startLine: 12, endLine: 30 } }]);
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    expect(await box.inputValue()).toBe("Why is this slow?");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await page.evaluate(async () => {
      // a 1x1 PNG on the clipboard
      const bytes = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], "image.png", { type: "image/png" }));
      const ta = document.querySelector("textarea");
      ta?.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const chips = page.getByRole("list", { name: "Attachments" });
    await chips.getByRole("button", { name: "Remove image pasted-image-1.png" }).waitFor();
    expect(await chips.innerText()).toContain("src/shop/orders.py:12-30");
    await clearOutbox(page);
    await page.getByRole("button", { name: "Send message" }).click();
    const sent = await waitForPosted(page, { type: "send" });
    expect(sent.text).toBe("Why is this slow?");
    expect(sent.mentions).toEqual([{ path: "src/shop/orders.py", startLine: 12, endLine: 30 }]);
    expect(sent.images).toHaveLength(1);
    expect(sent.images[0]?.name).toBe("pasted-image-1.png");
    expect(sent.images[0]?.dataUrl.startsWith("data:image/png;base64,")).toBe(true);
  });

  it("header and stop: New, Fork, the thread picker, interrupt", async () => {
    const page = await open();
    await feed(page, [...setup(), n("tandem/turn/started", { turn: { id: TURN_ID } })]);
    await clearOutbox(page);
    await page.getByRole("button", { name: "New thread" }).click();
    await page.getByRole("button", { name: "Fork this thread" }).click();
    await page.getByRole("button", { name: /^Thread: / }).click();
    await page.getByRole("button", { name: "Stop the running turn" }).click();
    expect(await outbox(page)).toEqual([
      { type: "newThread" },
      { type: "forkThread", threadId: THREAD_ID },
      { type: "pickThread" },
      { type: "interrupt" },
    ]);
  });

  it("is keyboard usable: Tab reaches the header, the cards and the composer, with visible focus rings", async () => {
    const page = await open();
    await feed(page, [...setup(), ...untilApproval()]);
    await page.getByRole("button", { name: /^Thread: / }).focus();
    const seen: { label: string; outline: string }[] = [];
    for (let i = 0; i < 60; i++) {
      if (i > 0) await page.keyboard.press("Tab");
      const info = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const label = el.getAttribute("aria-label") ?? el.textContent?.trim().slice(0, 40) ?? el.tagName;
        const style = getComputedStyle(el);
        return { label: `${el.tagName.toLowerCase()}:${label}`, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      if (!info) continue;
      if (i > 0 && info.label.startsWith("button:Thread: ")) break; // wrapped around
      seen.push(info);
    }
    const labels = seen.map((s) => s.label);
    if (process.env["TANDEM_WEBVIEW_DEBUG"]) console.log(labels.join("\n"));
    const idx = (pattern: RegExp): number => labels.findIndex((l) => pattern.test(l));
    for (const p of [/^button:Thread: /, /^button:New thread/, /^button:Fork this thread/, /^button:Open src\/shop\/price.py/,
      /^input:/, /^button:Accept$/, /^button:Accept for session/, /^button:Reject/, /^button:Cancel turn/,
      /^textarea:Message to Tandem/, /^button:Stop the running turn/, /^button:Send message/]) {
      expect(idx(p), `${p} in ${labels.join(" | ")}`).toBeGreaterThanOrEqual(0);
    }
    expect(idx(/^button:Thread: /)).toBeLessThan(idx(/^button:Accept$/));
    expect(idx(/^button:Accept$/)).toBeLessThan(idx(/^textarea:/));
    expect(idx(/^textarea:/)).toBeLessThan(idx(/^button:Send message/));
    for (const s of seen) expect(s.outline, s.label).toMatch(/^solid [1-9]/);

    // Escape closes a menu, and focus stays in the composer
    await page.getByRole("textbox", { name: "Message to Tandem" }).focus();
    await page.keyboard.type("/");
    expect(await page.getByRole("listbox").isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    expect(await page.getByRole("listbox").isVisible()).toBe(false);
  });

  it("uses the theme's variables", async () => {
    for (const theme of ["light", "dark"] as const) {
      const page = await open(theme);
      const colors = await page.evaluate(() => {
        const s = getComputedStyle(document.body);
        const b = getComputedStyle(document.querySelector("button.primary") as Element);
        return { bg: s.backgroundColor, fg: s.color, button: b.backgroundColor };
      });
      const hex = (c: string): string => {
        const m = /rgba?\((\d+), (\d+), (\d+)/.exec(c);
        return m ? `#${[m[1], m[2], m[3]].map((x) => Number(x).toString(16).padStart(2, "0")).join("")}` : c;
      };
      expect(hex(colors.bg)).toBe(THEMES[theme]["--vscode-sideBar-background"]);
      expect(hex(colors.fg)).toBe(THEMES[theme]["--vscode-foreground"]);
      expect(hex(colors.button)).toBe(THEMES[theme]["--vscode-button-background"]);
    }
  });

  it("screenshots: light and dark", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const theme of ["light", "dark"] as const) {
      const page = await open(theme, { width: 440, height: 2000 });
      await page.emulateMedia({ colorScheme: theme });
      await feed(page, [...setup(), ...untilApproval()]);
      await page.getByRole("group", { name: "Review 2 files" }).getByRole("button", { name: "Accept", exact: true }).click();
      await feed(page, [...afterApproval(), ...secondTurnPendingCommand()]);
      await page.locator("details.reasoning summary").click(); // show the reasoning body too
      await page.locator(".turn-diff-body summary").click();
      await page.getByRole("textbox", { name: "Message to Tandem" }).click();
      await page.keyboard.type("Also check @pri");
      await waitForPosted(page, { type: "searchMentions", query: "pri" });
      await feed(page, [{ type: "mentionResults", query: "pri", files: ["src/shop/price.py", "tests/test_price.py", "docs/pricing.md"] }]);
      if (process.env["TANDEM_WEBVIEW_CROPS"]) {
        // Close-ups at full resolution for reviewing details (not part of the artifacts contract).
        await page.screenshot({ path: join(ARTIFACTS, `${theme}-menu.png`), clip: { x: 0, y: 1400, width: 440, height: 600 } });
      }
      await page.keyboard.press("Enter"); // choose src/shop/price.py: a chip, and the menu closes
      // Tall enough that the transcript does not scroll: the screenshot shows every card.
      const extra = await page.evaluate(() => {
        const t = document.querySelector(".transcript") as HTMLElement;
        return t.scrollHeight - t.clientHeight;
      });
      await page.setViewportSize({ width: 440, height: 2000 + extra });
      await page.screenshot({ path: join(ARTIFACTS, `${theme}.png`), fullPage: true });
      if (process.env["TANDEM_WEBVIEW_CROPS"]) {
        const height = 2000 + extra;
        for (let y = 0, i = 1; y < height; y += 1000, i++) {
          await page.screenshot({ path: join(ARTIFACTS, `${theme}-part${i}.png`), clip: { x: 0, y, width: 440, height: Math.min(1000, height - y) } });
        }
      }
    }
    expect(session.problems).toEqual([]);
  });
});
