/**
 * The chat page's controls and feedback (issue 12, items 15–18 and 21) in Chromium: a command
 * waiting for approval, following the transcript (scroll to a sent prompt, "Jump to latest", the
 * off-screen approval pill), code blocks (highlighting, Copy / Insert / Apply), tables that scroll,
 * a failed turn's advice and Retry, and the small things (reasoning paragraphs, relative paths,
 * long messages collapsed, the model label, a status line that neither wraps nor shifts, a failed
 * command's tail, the slash commands the server supports). Screenshots in
 * test-artifacts/webview/feedback/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import type { Item } from "../../src/shared/protocolTypes";
import { clearOutbox, feed, outbox, pagesPerTest, waitForPosted } from "./browser";
import { CWD, delta, item, n, secondTurnPendingCommand, setup, THREAD, THREAD_ID, TURN2_ID, TURN_ID } from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview/feedback", import.meta.url));

const { open } = pagesPerTest();

beforeAll(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
});

const user = (id: string, text: string, turnId = TURN_ID): HostToWebview[] => {
  const it: Item = { type: "userMessage", id, content: [{ type: "text", text }] };
  return [item("started", it, turnId), item("completed", it, turnId)];
};

const agent = (id: string, text: string, turnId = TURN_ID): HostToWebview[] => [
  item("started", { type: "agentMessage", id, text: "" }, turnId),
  delta("agentMessage", id, text, turnId),
  item("completed", { type: "agentMessage", id, text }, turnId),
];

const turnStarted = (turnId = TURN_ID): HostToWebview => n("tandem/turn/started", { turn: { id: turnId, status: "inProgress" } });

/** Many paragraphs: enough to make the transcript scroll. */
const LONG = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: the agent explains what it found in some detail.`).join("\n\n");

const scrollState = (page: Page) => page.locator("main.transcript").evaluate((el) => ({
  atBottom: el.scrollHeight - el.scrollTop - el.clientHeight < 48,
  scrollTop: el.scrollTop,
}));

describe("a command waiting for approval", () => {
  it("says Waiting for approval (card and status line) until answered, then Running…", async () => {
    const page = await open();
    await feed(page, [...setup(), ...secondTurnPendingCommand()]);
    const card = page.getByRole("region", { name: "Command: pytest -q && ruff check src" });
    expect(await card.locator(".badge").innerText()).toBe("Waiting for approval");
    expect(await card.getAttribute("data-phase")).toBe("waitingForApproval");
    expect(await page.locator(".status-line .busy-label").innerText()).toBe("Waiting for approval");
    expect(await page.locator("body").innerText()).not.toContain("Running…");
    await page.screenshot({ path: join(ARTIFACTS, "01-waiting-for-approval-dark.png") });

    await feed(page, [{ type: "approvalResolved", requestId: "approval-77c2d9e0a5b3" }]);
    expect(await card.locator(".badge").innerText()).toBe("Running…");
    expect(await page.locator(".status-line .busy-label").innerText()).toBe("Working…");
  });
});

describe("keys in the chat: Esc stops the running turn, Ctrl+L starts a new thread", () => {
  it("Esc posts interrupt while a turn runs, from the composer or a card; not after the turn; not when it closes the menu; Ctrl+L posts newThread", async () => {
    const page = await open();
    await feed(page, [...setup(), ...secondTurnPendingCommand()]);
    await clearOutbox(page);
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    // Esc that closes the slash menu only closes the menu.
    await box.click();
    await page.keyboard.type("/");
    await page.getByRole("listbox", { name: "Commands" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("listbox", { name: "Commands" }).waitFor({ state: "hidden" });
    expect(await outbox(page)).toEqual([]);
    // In the composer, and on the approval card's buttons.
    await page.keyboard.press("Escape");
    expect(await waitForPosted(page, { type: "interrupt" })).toEqual({ type: "interrupt" });
    await clearOutbox(page);
    await page.getByRole("button", { name: "Decline", exact: true }).focus();
    await page.keyboard.press("Escape");
    expect(await outbox(page)).toEqual([{ type: "interrupt" }]);
    // The turn ended: Esc does nothing.
    await clearOutbox(page);
    await feed(page, [n("tandem/turn/completed", { turn: { id: TURN2_ID, status: "interrupted" } })]);
    await box.click();
    await page.keyboard.press("Escape");
    expect(await outbox(page)).toEqual([]);
    // Ctrl+L starts a new thread (the page handles it: VS Code's focusedView keybinding does not fire in a webview).
    await page.keyboard.press("Control+l");
    expect(await outbox(page)).toEqual([{ type: "newThread" }]);
  });
});

describe("following the transcript", () => {
  it("scrolls to a prompt the user sends, offers Jump to latest when scrolled up, and an approval pill", async () => {
    const page = await open("dark", { width: 440, height: 700 });
    await feed(page, [...setup(), turnStarted(), ...user("u1", "Explain the code base."), ...agent("a1", LONG)]);
    expect((await scrollState(page)).atBottom).toBe(true);
    const jump = page.getByRole("button", { name: "Jump to latest ↓" });
    expect(await jump.isVisible()).toBe(false);

    // Scrolled up: the button appears; new output does not pull the view down.
    await page.locator("main.transcript").evaluate((el) => { el.scrollTop = 0; });
    await jump.waitFor({ state: "visible", timeout: 5_000 });
    await feed(page, [delta("agentMessage", "a1", "\n\nOne more paragraph.")]);
    expect((await scrollState(page)).scrollTop).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "02-jump-to-latest-dark.png") });
    await jump.click();
    await page.waitForFunction(() => {
      const el = document.querySelector("main.transcript") as HTMLElement;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    }, undefined, { timeout: 5_000 });
    await jump.waitFor({ state: "hidden", timeout: 5_000 });

    // The turn ends; the user scrolls up and sends a new prompt: it is scrolled into view.
    await feed(page, [n("tandem/turn/completed", { turn: { id: TURN_ID, status: "completed" } })]);
    await page.locator("main.transcript").evaluate((el) => { el.scrollTop = 0; });
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.fill("And the tests?");
    await box.press("Enter");
    await feed(page, [turnStarted("t2"), ...user("u2", "And the tests?", "t2")]);
    expect((await scrollState(page)).atBottom).toBe(true);
    expect(await page.getByRole("article", { name: "You said" }).last().isVisible()).toBe(true);

    // An approval arrives while the user reads above: a pill says so, and brings it into view.
    await page.locator("main.transcript").evaluate((el) => { el.scrollTop = 0; });
    await feed(page, [
      item("started", { type: "commandExecution", id: "c2", command: "pytest -q", cwd: CWD, status: "inProgress" }, "t2"),
      { type: "approval", requestId: "r2", threadId: THREAD_ID, turnId: "t2", itemId: "c2", kind: "command", command: "pytest -q", cwd: CWD },
    ]);
    const pill = page.getByRole("button", { name: /An approval is waiting below/ });
    await pill.waitFor({ state: "visible", timeout: 5_000 });
    expect(await pill.innerText()).toBe("Approval needed ↓");
    await page.screenshot({ path: join(ARTIFACTS, "03-approval-pill-dark.png") });
    await pill.click();
    const approval = page.getByRole("group", { name: "Run this command?" });
    await page.waitForFunction(() => {
      const card = document.querySelector("section.approval") as HTMLElement;
      const view = (document.querySelector("main.transcript") as HTMLElement).getBoundingClientRect();
      const r = card.getBoundingClientRect();
      return r.bottom <= view.bottom + 1 && r.top >= view.top - 1;
    }, undefined, { timeout: 5_000 });
    await pill.waitFor({ state: "hidden", timeout: 5_000 });
    expect(await approval.getByRole("button", { name: "Accept", exact: true }).evaluate((b) => b === document.activeElement)).toBe(true);
  });
});

const CODE_ANSWER = [
  "Use this helper:",
  "",
  "```python",
  "def total(items):",
  "    # sum the prices",
  "    return sum(i.price for i in items)",
  "```",
  "",
  "| option | meaning |",
  "| --- | --- |",
  "| `tandem.server.pythonPath` | the Python interpreter that has Tandem installed (a virtual environment's python) |",
  "| `tandem.approvals.modal` | ask command approvals in a modal dialog |",
].join("\n");

describe("code blocks and tables", () => {
  for (const theme of ["dark", "light"] as const) {
    it(`highlights code and offers Copy / Insert / Apply (${theme})`, async () => {
      const page = await open(theme, { width: 300, height: 700 });
      await feed(page, [...setup(), turnStarted(), ...user("u1", "How do I sum prices?"), ...agent("a1", CODE_ANSWER),
        n("tandem/turn/completed", { turn: { id: TURN_ID, status: "completed" } })]);
      const block = page.locator(".code-block").first();
      expect(await block.locator(".code-lang").innerText()).toBe("python");
      expect(await block.locator(".hljs-keyword").first().innerText()).toBe("def");
      expect(await block.locator(".hljs-comment").innerText()).toBe("# sum the prices");
      const keywordColor = await block.locator(".hljs-keyword").first().evaluate((el) => getComputedStyle(el).color);
      const plainColor = await block.locator("code").evaluate((el) => getComputedStyle(el).color);
      expect(keywordColor).not.toBe(plainColor);
      await page.screenshot({ path: join(ARTIFACTS, `04-code-block-300px-${theme}.png`) });

      await clearOutbox(page);
      const code = "def total(items):\n    # sum the prices\n    return sum(i.price for i in items)";
      for (const action of ["copy", "insert", "apply"] as const) {
        await block.locator(`button[data-action='${action}']`).click();
        await waitForPosted(page, { type: "codeBlock", action, code, language: "python" });
      }
      expect(await block.locator("button[data-action='copy']").innerText()).toBe("Copied");

      // The table is wider than the 300 px panel: it scrolls sideways; no word is broken.
      const table = await page.locator(".markdown div[data-scroll='table']").evaluate((el) => ({
        scrolls: el.scrollWidth > el.clientWidth,
        overflowX: getComputedStyle(el).overflowX,
      }));
      expect(table).toEqual({ scrolls: true, overflowX: "auto" });
      const widest = await page.locator(".markdown td code").first().evaluate((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return range.getClientRects().length;
      });
      expect(widest).toBe(1); // `tandem.server.pythonPath` stays on one line
    });
  }
});

describe("a failed turn", () => {
  const failed = (code: string | null, message: string, provider = "openai"): HostToWebview[] => [
    { type: "status", model: "gpt-5-codex", connected: true, busy: false, usedTokens: null, contextWindow: 272_000 },
    { type: "threads", threads: [{ ...THREAD, modelProvider: provider }], activeThreadId: THREAD_ID },
    { type: "threadOpened", thread: { ...THREAD, modelProvider: provider }, items: [] },
    turnStarted(),
    ...user("u1", "Fix the rounding"),
    n("tandem/turn/completed", { turn: { id: TURN_ID, status: "failed", error: { message, ...(code ? { code } : {}) } } }),
  ];

  it("a 500 is a server error, not a connection problem, and Retry re-sends the turn's input", async () => {
    const page = await open();
    await feed(page, [...setup(), turnStarted(), ...user("u0", "Fix the rounding"),
      n("tandem/turn/streamRetry", { turnId: TURN_ID, attempt: 1, maxAttempts: 4, delayMs: 200, message: "HTTP 500 from the model provider: boom", code: "server" })]);
    const banner = await page.locator(".retry").innerText();
    expect(banner).toContain("The model provider had a server error; retrying (attempt 1 of 4)");
    expect(banner).not.toMatch(/connection/i);

    await feed(page, failed("server", "HTTP 500 from the model provider: boom"));
    const failure = page.locator(".turn-failure");
    expect(await failure.getAttribute("data-code")).toBe("server");
    expect(await failure.innerText()).toContain("The model provider had a server error");
    expect(await failure.innerText()).not.toMatch(/connection problem/i);
    await clearOutbox(page);
    await failure.getByRole("button", { name: "Retry" }).click();
    await waitForPosted(page, {
      type: "retryTurn", threadId: THREAD_ID, turnId: TURN_ID, input: [{ type: "text", text: "Fix the rounding" }],
    });
    expect(await failure.getByRole("button", { name: "Retry" }).isDisabled()).toBe(true);
  });

  it("a quota error advises checking billing; auth and connection errors open the settings", async () => {
    const page = await open("light");
    await feed(page, failed("quota", "quota exceeded: You exceeded your current quota"));
    const failure = page.locator(".turn-failure");
    expect(await failure.locator(".failure-title").innerText()).toBe("Out of quota");
    expect(await failure.innerText()).toContain("Check your plan and billing");
    await page.screenshot({ path: join(ARTIFACTS, "05-quota-advice-light.png") });
    await clearOutbox(page);
    await failure.getByRole("button", { name: "Check billing" }).click();
    await waitForPosted(page, { type: "failureAction", action: "checkBilling", threadId: THREAD_ID });

    await feed(page, failed("auth", "the provider refused the credentials (HTTP 401)"));
    await page.locator(".turn-failure").getByRole("button", { name: "Open settings" }).click();
    await waitForPosted(page, { type: "failureAction", action: "openSetup", threadId: THREAD_ID });

    await feed(page, failed("connection", "could not connect to http://localhost:11434/v1", "ollama"));
    expect(await page.locator(".turn-failure").innerText()).toContain("Is the local server running?");
    expect(await page.locator(".turn-failure .failure-title").innerText()).toBe("Could not reach the local model server");

    await feed(page, failed("context", "context window exceeded"));
    await clearOutbox(page);
    await page.locator(".turn-failure").getByRole("button", { name: "Compact" }).click();
    await waitForPosted(page, { type: "failureAction", action: "compact", threadId: THREAD_ID });
  });
});

describe("small things", () => {
  it("reasoning summary parts are paragraphs; paths are relative; long messages collapse", async () => {
    const page = await open();
    const longText = Array.from({ length: 30 }, (_, i) => `line ${i + 1} of a long pasted log`).join("\n");
    await feed(page, [...setup(), turnStarted(), ...user("u1", longText),
      item("started", { type: "reasoning", id: "r1", summary: [], text: "" }),
      delta("reasoning", "r1", "**Reading** the file."),
      delta("reasoning", "r1", "\n\n"),
      delta("reasoning", "r1", "**Planning** the fix."),
      item("started", { type: "commandExecution", id: "c1", command: "ls", cwd: CWD, status: "inProgress" }),
      item("started", { type: "commandExecution", id: "c2", command: "pytest -q", cwd: `${CWD}/tests`, status: "inProgress" }),
    ]);
    const reasoning = page.locator("details.reasoning");
    await reasoning.locator("summary").click();
    expect(await reasoning.locator(".reasoning-body p").allInnerTexts()).toEqual(["Reading the file.", "Planning the fix."]);

    expect(await page.getByRole("region", { name: "Command: ls" }).locator(".cwd").isVisible()).toBe(false);
    expect(await page.getByRole("region", { name: "Command: pytest -q" }).locator(".cwd").innerText()).toBe("in tests");

    const message = page.getByRole("article", { name: "You said" });
    const toggle = message.getByRole("button", { name: "Show more" });
    const collapsed = await message.locator(".user-text").evaluate((el) => el.clientHeight);
    expect(await message.locator(".user-text").evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await toggle.click();
    expect(await message.getByRole("button", { name: "Show less" }).getAttribute("aria-expanded")).toBe("true");
    expect(await message.locator(".user-text").evaluate((el) => el.clientHeight)).toBeGreaterThan(collapsed * 2);
  });

  it("a failed command shows the tail of its output", async () => {
    const page = await open();
    const output = Array.from({ length: 80 }, (_, i) => `test_${i} PASSED`).join("\n") + "\nFAILED test_total - assert 10.0 == 10.01\n";
    await feed(page, [...setup(), turnStarted(),
      item("started", { type: "commandExecution", id: "c1", command: "pytest -q", cwd: CWD, status: "inProgress" }),
      item("completed", { type: "commandExecution", id: "c1", command: "pytest -q", cwd: CWD, status: "completed", exitCode: 1, output, durationMs: 900 }),
    ]);
    const pre = page.getByRole("region", { name: "Command: pytest -q" }).locator(".output-text");
    await page.waitForFunction(() => {
      const el = document.querySelector(".output-text") as HTMLElement;
      return el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    }, undefined, { timeout: 5_000 });
    expect(await pre.evaluate((el) => (el.closest("details") as HTMLDetailsElement).open)).toBe(true);
  });

  it("never says no model; the status line stays one line and does not move at 300 px and at the default width", async () => {
    for (const width of [300, 440]) {
      const page = await open("dark", { width, height: 600 });
      await feed(page, [{ type: "status", model: null, connected: true, busy: false, usedTokens: null, contextWindow: null }]);
      expect(await page.locator(".status-line .model").innerText()).toBe("Default model");
      expect(await page.locator("body").innerText()).not.toContain("no model");
      await feed(page, [...setup(), n("tandem/thread/tokenUsage", {
        used: { totalTokens: 1_234_567 }, last: { totalTokens: 201_000 }, contextWindow: 272_000,
      })]);
      const measure = () => page.locator(".status-line").evaluate((el) => {
        const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
        const boxes = [...el.children].map((c) => (c as HTMLElement).getBoundingClientRect()).filter((b) => b.width > 0);
        const middles = boxes.map((b) => (b.top + b.bottom) / 2);
        return {
          height: el.getBoundingClientRect().height,
          oneLine: boxes.every((b) => b.height <= lineHeight * 1.6) && Math.max(...middles) - Math.min(...middles) <= 3,
          lefts: boxes.map((b) => Math.round(b.left)),
          texts: [...el.children].map((c) => `${(c as HTMLElement).className}=${(c as HTMLElement).innerText}`),
        };
      });
      const idle = await measure();
      expect(idle.oneLine).toBe(true);
      await feed(page, [turnStarted(), ...secondTurnPendingCommand().slice(1)]);
      const busy = await measure();
      expect(busy.oneLine).toBe(true);
      expect(busy.height).toBe(idle.height);
      // The dot and the model do not move (nor change) when a turn starts and waits for approval; the
      // busy label says what the turn waits for (the token meter is under the composer).
      expect({ lefts: busy.lefts.slice(0, 3), texts: busy.texts.slice(0, 2) }).toEqual({ lefts: idle.lefts.slice(0, 3), texts: idle.texts.slice(0, 2) });
      expect(busy.texts[2]).toBe("busy=Waiting for approval");
      await page.screenshot({ path: join(ARTIFACTS, `06-status-line-${width}px-dark.png`), clip: { x: 0, y: 0, width, height: 80 } });
    }
  });

  it("offers /review only when the server announces it", async () => {
    const page = await open();
    await feed(page, setup());
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    const options = async (): Promise<string[]> => {
      await box.fill("");
      await box.click();
      await page.keyboard.type("/");
      return page.getByRole("listbox", { name: "Commands" }).getByRole("option").locator(".option-label").allInnerTexts();
    };
    expect(await options()).toEqual(["/new", "/compact", "/undo", "/redo"]);
    expect(await page.locator(".empty").innerText()).not.toContain("/review");
    await feed(page, [{ type: "capabilities", slashCommands: ["new", "compact"] }]);
    expect(await options()).toEqual(["/new", "/compact"]);
    await feed(page, [{ type: "capabilities", slashCommands: ["new", "compact", "undo", "redo", "review"] }]);
    expect(await options()).toContain("/review");
    expect(await page.locator(".empty").innerText()).toContain("/review");
    expect((await outbox(page)).filter((m) => m.type === "slash")).toEqual([]);
  });
});
