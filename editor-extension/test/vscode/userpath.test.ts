/**
 * (b) The user path, in Debian's Chromium driven by playwright-core: open the workbench, open the
 * Tandem chat from the activity bar, send a prompt and watch the answer stream, approve the
 * command from the notification (shown while the chat is hidden), review a two-hunk change in the
 * proposal diff (accept one hunk, reject the other), check the file on disk; then inline ask
 * (select lines, Ctrl+I, the widget's prompt, Ctrl+Enter), accept its proposal in the widget and
 * check the file on disk.
 *
 * Screenshots: test-artifacts/vscode/NN-step.png. Editor text is never read from Monaco's DOM:
 * files are checked on disk (after saving); the chat panel's DOM (inside the webview iframes) and
 * the workbench chrome (notifications, lenses, quick input) are what a user sees and clicks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, DEMO_PROJECT, VSCodeSession, waitFor } from "./harness";
import {
  ACCEPTED_LINE,
  DOCTEST_LINE,
  FINAL_ANSWER,
  REJECTED_MARK,
  STREAMED_ANSWER,
  TEST_COMMAND,
  TOTAL_LENGTH_LINES,
  userPathScript,
} from "./scripts";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;

/** Rendered markdown of the streamed answer as text (inline code loses its backticks). */
const STREAMED_PLAIN = STREAMED_ANSWER.replace(/`/g, "");
const PROMPT = "Touching intervals are not merged: fix merge() and run the tests.";
const INLINE_PROMPT = "Add a doctest example";

const squash = (s: string | null | undefined): string => (s ?? "").replace(/\s+/g, " ").trim();

describe.skipIf(skip)(skip ? `user path in Chromium (skipped: ${skip})` : "user path in Chromium", () => {
  let session: VSCodeSession;
  let page: Page;
  let broken: string | undefined;
  let shot = 0;

  /** Screenshot test-artifacts/vscode/NN-<name>.png. */
  const snap = async (name: string): Promise<void> => {
    shot += 1;
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), timeout: 30_000 });
  };

  /** Each step runs only if the ones before it passed (they build on each other). */
  const step = (name: string, fn: () => Promise<void>, timeout = 120_000) =>
    it(name, async () => {
      if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        await snap(`FAILED-${name.replace(/\W+/g, "-").slice(0, 40)}`).catch(() => undefined);
        throw err;
      }
    }, timeout);

  /** A check on the state the steps left: runs only if they passed, but later steps do not depend on it. */
  const check = (name: string, fn: () => Promise<void>, timeout = 60_000) =>
    it(name, async () => {
      if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
      await fn();
    }, timeout);

  /** The chat page: the webview's outer iframe, then its active frame. */
  const chat = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");

  /** A visible notification toast containing `text`. */
  const toast = (text: string | RegExp): Locator =>
    page.locator(".notifications-toasts .notification-toast-container").filter({ hasText: text });

  /**
   * A code lens whose title matches, among the lenses on screen (Monaco keeps lens elements of
   * hidden editors and some just replaced ones in the DOM: only visible ones count).
   */
  const lens = (title: RegExp): Locator => page.locator(".codelens-decoration a").filter({ hasText: title, visible: true });

  /** The lens matching `title` that is lowest on the screen (the later hunk). */
  const lowest = async (title: RegExp): Promise<Locator> => {
    const all = lens(title);
    const count = await all.count();
    let best: { y: number; index: number } | undefined;
    for (let i = 0; i < count; i++) {
      const box = await all.nth(i).boundingBox();
      if (box && (!best || box.y > best.y)) best = { y: box.y, index: i };
    }
    if (!best) throw new Error(`no lens ${title}`);
    return all.nth(best.index);
  };

  beforeAll(async () => {
    if (!("bin" in codeServer)) return;
    if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (/^\d\d-.*\.png$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));
    session = await VSCodeSession.start({
      name: "userpath",
      codeServer: codeServer.bin,
      vsix: [vsix.path],
      script: userPathScript(),
      settings: { "tandem.approvalPolicy": "untrusted" },
      viewport: { width: 1440, height: 900 },
    });
  });

  afterAll(async () => {
    await session?.stop();
  });

  step("opens the workbench", async () => {
    page = await session.openWorkbench();
    // Extensions are loaded once their contributions show: the Tandem container and the dark theme.
    await page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']").waitFor({ timeout: 60_000 });
    await page.locator(".monaco-workbench.vs-dark").waitFor({ timeout: 60_000 });
    await snap("workbench");
  });

  step("opens the Tandem chat from the activity bar", async () => {
    const icon = page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']");
    await icon.click();
    await page.locator("iframe.webview.ready").first().waitFor({ timeout: 60_000 });
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 60_000 });
    // Connected: the status dot turns on once the language server runs.
    await chat().locator(".status-line .dot.on").waitFor({ timeout: 60_000 });
    await snap("chat-panel");
  });

  step("sends a prompt and watches the answer stream in", async () => {
    const input = chat().getByRole("textbox", { name: "Message to Tandem" });
    await input.click();
    await input.fill(PROMPT);
    await snap("prompt-typed");
    await input.press("Enter");
    await chat().locator("article.entry.user").filter({ hasText: PROMPT }).waitFor();

    const answer = chat().locator("article.entry.agent").first();
    // Seen while streaming: part of the answer, not all of it.
    const partial = await waitFor(
      "a partly streamed answer",
      async () => {
        const { text, streaming } = await answer.evaluate((el) => ({
          text: el.textContent ?? "",
          streaming: el.classList.contains("streaming"),
        }));
        const t = squash(text);
        return streaming && t.length >= 30 && t.length < STREAMED_PLAIN.length * 0.7 && STREAMED_PLAIN.startsWith(t) ? t : undefined;
      },
      60_000,
      30,
    );
    await snap("answer-streaming");
    await waitFor("the whole answer", async () => squash(await answer.textContent()) === squash(STREAMED_PLAIN), 60_000);
    expect(partial.length).toBeLessThan(STREAMED_PLAIN.length);
  });

  step("approves the command from the notification", async () => {
    // While the chat shows, its card is the prompt: no notification.
    const card = chat().locator("section.approval").filter({ hasText: TEST_COMMAND });
    await card.waitFor({ timeout: 60_000 });
    expect(await toast(/Tandem wants to run/).count()).toBe(0);
    // With the chat hidden the request is a notification, whose links answer it.
    await page.locator(".activitybar .action-item a.action-label[aria-label^='Explorer']").click();
    const ask = toast(`Tandem wants to run “${TEST_COMMAND}”`);
    await ask.waitFor({ timeout: 30_000 });
    await snap("command-approval");
    await ask.getByRole("link", { name: "Accept", exact: true }).click();
    await ask.waitFor({ state: "detached", timeout: 15_000 });
    // Back in the chat: the card went away (answered elsewhere), and the command runs.
    await page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']").click({ force: true });
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 30_000 });
    await card.waitFor({ state: "detached", timeout: 30_000 });
    const command = chat().locator("section.card.command").filter({ hasText: TEST_COMMAND });
    await waitFor("the command to finish", async () => {
      const status = await command.getAttribute("data-status");
      return status === "completed" || status === "failed" ? status : undefined;
    }, 60_000);
    expect(await command.locator(".badge").textContent()).toMatch(/Exit \d+/);
  });

  step("reviews the two-hunk change: accepts one hunk, rejects the other", async () => {
    // The proposal opens as a diff editor (tandem-proposal:) with per-hunk lenses.
    await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 60_000 });
    await page.locator(".tab").filter({ hasText: "Tandem proposal" }).first().waitFor();
    // The user looks at the diff: a click into its right-hand side (code-server sometimes draws no
    // lenses in a diff editor opened while the chat has the focus, until the editor is focused).
    await page.locator(".monaco-diff-editor .editor.modified .view-lines").first().click();
    await waitFor("two 'Accept hunk' lenses", async () => (await lens(/Accept hunk/).count()) === 2, 30_000);
    await chat().locator("section.approval").filter({ hasText: "Review 1 file" }).waitFor();
    await snap("proposal-diff");

    // Hunk 1 (higher up: the fix in merge()): accept. Hunk 2 (lower: gaps()): reject.
    const acceptFirst = lens(/Accept hunk/).first();
    const boxes = await Promise.all([0, 1].map((i) => lens(/Accept hunk/).nth(i).boundingBox()));
    const firstIndex = (boxes[0]?.y ?? 0) <= (boxes[1]?.y ?? 0) ? 0 : 1;
    await (firstIndex === 0 ? acceptFirst : lens(/Accept hunk/).nth(1)).click();
    await lens(/: Accepted$/).waitFor({ timeout: 15_000 });
    await (await lowest(/Reject hunk/)).click();
    await lens(/Rejected hunk/).waitFor({ timeout: 15_000 });
    await snap("hunks-decided");

    // "Apply accepted" sits at the top of the proposed side: scroll there (Ctrl+Home) and click it.
    await page.locator(".monaco-diff-editor .editor.modified .view-lines").first().click();
    await page.keyboard.press("Control+Home");
    await lens(/Apply accepted \(1\/2 hunks\)/).click({ timeout: 15_000 });
    // Answered: the review closes, and the turn goes on to its final message.
    await page.locator(".tab").filter({ hasText: "Tandem proposal" }).first().waitFor({ state: "detached", timeout: 30_000 });
    await chat().locator("article.entry.agent").filter({ hasText: squash(FINAL_ANSWER.replace(/`/g, "")) }).waitFor({ timeout: 60_000 });
    await chat().locator("section.turn-end[data-status='completed']").waitFor({ timeout: 30_000 });
    await snap("turn-completed");

    // Exactly the accepted hunk: the original file with hunk 1's line replaced, nothing else.
    const onDisk = fs.readFileSync(session.file("intervals/core.py"), "utf8");
    const original = fs.readFileSync(path.join(DEMO_PROJECT, "intervals/core.py"), "utf8");
    expect(onDisk).toBe(original.replace("        if merged and start < merged[-1][1]:", ACCEPTED_LINE));
    expect(onDisk).not.toContain(REJECTED_MARK);
  });

  check("the chat's card for the change shows only the applied hunk", async () => {
    const card = chat().locator("section.file-change[data-status='completed']").first();
    expect(await card.locator(".file-row .counts").first().getAttribute("aria-label")).toBe("1 added, 1 removed lines");
    expect(await card.locator("pre.diff").first().textContent()).not.toContain(REJECTED_MARK);
  });

  step("inline ask on a selection: Ctrl+I, the widget, prompt, Ctrl+Enter; Accept lands the proposal in place", async () => {
    // Open intervals/core.py from the explorer.
    await page.locator(".activitybar .action-item a.action-label[aria-label^='Explorer']").click();
    const folder = page.getByRole("treeitem", { name: "intervals" });
    await folder.waitFor();
    if ((await folder.getAttribute("aria-expanded")) !== "true") await folder.click();
    await page.getByRole("treeitem", { name: "core.py" }).click();
    await page.locator(".tab.active").filter({ hasText: "core.py" }).waitFor();
    const editor = page.locator(".editor-instance .monaco-editor").first();
    await editor.waitFor();
    await editor.locator(".view-lines").click(); // focus the editor (no text is read from it)

    // Select total_length() (lines 39-41): Go to Line, then Shift+Down.
    await page.keyboard.press("Control+g");
    await page.locator(".quick-input-widget").waitFor({ state: "visible" });
    await page.keyboard.type(String(TOTAL_LENGTH_LINES.start + 1));
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
    for (let i = TOTAL_LENGTH_LINES.start; i <= TOTAL_LENGTH_LINES.end; i++) await page.keyboard.press("Shift+ArrowDown");
    await page.locator(".statusbar").getByText(/\(\d+ selected\)/).waitFor({ timeout: 10_000 });
    await snap("selection");

    // The widget at the selection: its prompt button opens the box; Ctrl+Enter asks.
    await page.keyboard.press("Control+i");
    const box = page.locator(".review-widget").filter({ visible: true }).last();
    await box.locator("button.review-thread-reply-button").filter({ hasText: "Ask Tandem" }).click({ timeout: 15_000 });
    await box.locator(".comment-form-container.expand .monaco-editor.focused").waitFor({ timeout: 15_000 });
    await page.keyboard.type(INLINE_PROMPT);
    await snap("inline-ask-prompt");
    await page.keyboard.press("Control+Enter");

    // Under the `untrusted` policy the change is proposed first, as a diff in the widget (no diff tab).
    await box.filter({ hasText: "Proposed change" }).waitFor({ timeout: 60_000 });
    expect(squash(await box.innerText())).toContain(squash(DOCTEST_LINE));
    expect(await page.locator(".tab").filter({ hasText: "Tandem proposal" }).count()).toBe(0);
    await snap("inline-ask-proposal");
    await box.getByRole("link", { name: "Accept", exact: true }).click();
    await waitFor("the proposal to leave the widget", async () =>
      (await page.locator(".review-widget").filter({ hasText: "Proposed change" }).count()) === 0, 60_000);

    // In place: the edit is in core.py's buffer, and saved (tandem.saveAgentEdits). The user reviewed it in
    // the proposal, so the server asks for no second review: no Keep / Undo lenses for it (auto-applied
    // changes get them).
    await page.locator(".tab.active").filter({ hasText: "core.py" }).waitFor({ timeout: 30_000 });
    await waitFor("the edit saved", () => fs.readFileSync(session.file("intervals/core.py"), "utf8").includes(DOCTEST_LINE), 15_000);
    // (the save writes the file before VS Code clears the tab's dirty mark)
    await waitFor("no dirty tab", async () => (await page.locator(".tab.dirty").count()) === 0, 15_000);
    await waitFor("no review lenses for the reviewed change", async () => (await lens(/Keep \(Tandem\)/).count()) === 0,
      15_000);
    await snap("inline-ask-in-place");
    const onDisk = fs.readFileSync(session.file("intervals/core.py"), "utf8");
    expect(onDisk).toContain(DOCTEST_LINE);
    expect(onDisk).toContain(ACCEPTED_LINE);
    expect(onDisk).not.toContain(REJECTED_MARK);
    await snap("inline-ask-saved");
  });
});
