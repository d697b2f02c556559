/**
 * The feedback user path (issue 12, items 15–21) in code-server + Chromium, with its own session
 * and scripted model (scripts-feedback.ts; `untrusted` approvals, one request retry):
 *
 * - code blocks: highlighted, Copy (the clipboard), Insert (into the editor, saved to disk), Apply
 *   (an inline ask whose proposal is accepted in the widget); a table that scrolls; reasoning
 *   parts as paragraphs;
 * - a command waiting for approval says so; while the chat is visible there is no notification,
 *   an off-screen approval gets a pill; with the chat hidden a notification appears, closes when the
 *   chat shows, and its link answers; a failed command shows its tail;
 * - Esc in the chat stops the turn; Ctrl+L starts a new thread; Ctrl+Alt+I opens the chat;
 * - a scripted HTTP 500 is a server error (not a connection problem) and Retry re-sends the turn; a
 *   429 quota error advises checking billing; Open settings opens the provider setup view;
 * - inline ask (Ctrl+I) is a widget at the cursor with the proposal as a diff and Accept / Discard;
 * - small things: relative paths, a long message collapsed, never "no model", the status line on
 *   one line at 300 px, no /review.
 *
 * Screenshots: test-artifacts/vscode/feedback/NN-step-{dark,light}.png at 1440x900, and
 * NN-step-300px-{dark,light}.png with the side bar 300 px wide. Files are checked on disk; the
 * chat's DOM (inside the webview) and the workbench chrome are what a user sees and clicks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { tandemSettings, VSCodeSession, waitFor } from "./harness";
import {
  DOCTEST_LINE, EXPORT_LINE, FAILING_COMMAND, FAILING_TAIL, feedbackScript, HELPER_CODE, OK_COMMAND,
  RETRIED_ANSWER, STOPPED_COMMAND,
} from "./scripts-feedback";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;

const LONG_PROMPT = Array.from({ length: 24 }, (_, i) => `Log line ${i + 1}: span() raised while merging the nightly batch.`).join("\n");

const squash = (s: string | null | undefined): string => (s ?? "").replace(/\s+/g, " ").trim();

describe.skipIf(skip)(skip ? `feedback user path (skipped: ${skip})` : "feedback user path", () => {
  let session: VSCodeSession;
  let page: Page;
  let broken: string | undefined;
  let shot = 0;

  const file = (name: string): string => path.join(session.artifacts, name);

  /** Screenshot NN-<name>-dark.png (the current theme is dark). */
  const snap = async (name: string): Promise<string> => {
    shot += 1;
    const out = `${String(shot).padStart(2, "0")}-${name}`;
    await page.screenshot({ path: file(`${out}-dark.png`), timeout: 30_000 });
    return out;
  };

  /** Screenshot in dark, then switch to the light theme, screenshot, and back. */
  const snapBoth = async (name: string): Promise<void> => {
    const out = await snap(name);
    await setTheme("light");
    await page.screenshot({ path: file(`${out}-light.png`), timeout: 30_000 });
    await setTheme("dark");
  };

  /** Pick a colour theme as a user does: Ctrl+K Ctrl+T, type its name, Enter. */
  const setTheme = async (theme: "light" | "dark"): Promise<void> => {
    await page.keyboard.press("Control+k");
    await page.keyboard.press("Control+t");
    const picker = page.locator(".quick-input-widget");
    await picker.waitFor({ state: "visible", timeout: 15_000 });
    await page.keyboard.type(theme === "light" ? "Light Modern" : "Dark Modern");
    await picker.locator(".monaco-list-row.focused").filter({ hasText: theme === "light" ? "Light Modern" : "Dark Modern" }).waitFor({ timeout: 15_000 });
    await page.keyboard.press("Enter");
    await picker.waitFor({ state: "hidden", timeout: 15_000 });
    await page.locator(theme === "light" ? ".monaco-workbench.vs" : ".monaco-workbench.vs-dark").waitFor({ timeout: 30_000 });
    await chat().locator(`body.vscode-${theme}`).waitFor({ state: "attached", timeout: 30_000 }); // (the chat may be hidden)
  };

  /** Each step runs only if the ones before it passed (they build on each other). */
  const step = (name: string, fn: () => Promise<void>, timeout = 150_000) =>
    it(name, async () => {
      if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        await page?.screenshot({ path: file(`FAILED-${name.replace(/\W+/g, "-").slice(0, 40)}.png`) }).catch(() => undefined);
        throw err;
      }
    }, timeout);

  /** The chat page: the webview's outer iframe, then its active frame. */
  const chat = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  const composer = (): Locator => chat().getByRole("textbox", { name: "Message to Tandem" });
  const toasts = (text: string | RegExp): Locator =>
    page.locator(".notifications-toasts .notification-toast-container").filter({ hasText: text });

  /** Show a view container from the activity bar (clicking the one already shown would hide the side bar). */
  const showContainer = async (label: string): Promise<void> => {
    const item = page.locator(".activitybar .action-item").filter({ has: page.locator(`a.action-label[aria-label^='${label}']`) });
    // (forced: a badge on the icon takes the pointer, and it belongs to the same item)
    // A click can land while the workbench is busy (a widget closing) and be lost: click again, as a user would.
    await waitFor(`the ${label} view`, async () => {
      if (await item.evaluate((el) => el.classList.contains("checked"))) return true;
      await item.locator("a.action-label").click({ force: true });
      return false;
    }, 30_000);
    // Move the pointer off the icon, as a user does: its hover would cover the side bar's first rows.
    const title = await page.locator(".part.sidebar .composite.title").boundingBox();
    if (title) await page.mouse.move(title.x + title.width * 0.6, title.y + title.height / 2);
    await page.locator(".context-view .hover-contents").filter({ hasText: label }).waitFor({ state: "hidden", timeout: 10_000 });
  };
  /** The number on the Tandem activity-bar icon ("" when it shows none). */
  const tandemBadge = async (): Promise<string> => {
    const badge = page.locator(".activitybar .action-item").filter({ has: page.locator("a.action-label[aria-label^='Tandem']") }).locator(".badge");
    return (await badge.isVisible()) ? (await badge.innerText()).trim() : "";
  };
  const openTandem = async (): Promise<void> => {
    await showContainer("Tandem");
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 60_000 });
  };
  const openExplorer = async (): Promise<void> => {
    await showContainer("Explorer");
    await page.locator(".explorer-folders-view").waitFor({ state: "visible" });
  };
  const send = async (text: string): Promise<void> => {
    await composer().click();
    await composer().fill(text);
    await composer().press("Enter");
  };
  const turnEnds = (): Locator => chat().locator("section.turn-end");
  const waitTurnEnds = async (count: number, timeout = 60_000): Promise<void> => {
    await waitFor(`${count} turn-end lines`, async () => (await turnEnds().count()) >= count, timeout);
  };

  /** Open a workspace file from the explorer and focus its editor. */
  const openFile = async (folder: string, name: string): Promise<void> => {
    await openExplorer();
    const dir = page.getByRole("treeitem", { name: folder });
    await dir.waitFor();
    if ((await dir.getAttribute("aria-expanded")) !== "true") await dir.click();
    await page.getByRole("treeitem", { name }).click();
    await page.locator(".tab.active").filter({ hasText: name }).waitFor();
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
  };
  const goToLine = async (line: number): Promise<void> => {
    await page.keyboard.press("Control+g");
    await page.locator(".quick-input-widget").waitFor({ state: "visible" });
    await page.keyboard.type(String(line));
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  };
  /** Ctrl+S in the active editor (once it has the keyboard: Insert / Accept move the focus there). */
  const save = async (): Promise<void> => {
    const focused = page.locator(".part.editor .editor-instance .monaco-editor.focused");
    if (!(await focused.count())) await page.locator(".part.editor .editor-instance .monaco-editor .view-lines").first().click();
    await focused.waitFor({ timeout: 15_000 });
    await page.keyboard.press("Control+s");
    await page.locator(".tab.active.dirty").waitFor({ state: "detached", timeout: 15_000 });
  };

  /** The inline-ask widget (a comment thread zone in the editor). */
  const widget = (): Locator => page.locator(".review-widget").filter({ visible: true }).last();

  /** Drag the side bar's sash so the side bar is `width` px wide. */
  const resizeSidebar = async (width: number): Promise<void> => {
    const bar = await page.locator(".part.sidebar").boundingBox();
    if (!bar) throw new Error("no side bar");
    const y = bar.y + bar.height / 2;
    await page.mouse.move(bar.x + bar.width - 1, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, y, { steps: 8 });
    await page.mouse.up();
    await waitFor(`the side bar to be ${width} px`, async () => {
      const box = await page.locator(".part.sidebar").boundingBox();
      return box && Math.abs(box.width - width) <= 2;
    }, 10_000);
  };

  beforeAll(async () => {
    if (!("bin" in codeServer)) return;
    if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
    session = await VSCodeSession.start({
      name: "feedback",
      codeServer: codeServer.bin,
      vsix: [vsix.path],
      script: feedbackScript(),
      settings: (s) => ({
        "tandem.approvalPolicy": "untrusted",
        "tandem.server.args": [...(tandemSettings(s)["tandem.server.args"] as string[]), "-c", "model_providers.openai.request_max_retries=1"],
      }),
      viewport: { width: 1440, height: 900 },
    });
  });

  afterAll(async () => {
    await session?.stop();
  });

  step("opens the workbench and the chat", async () => {
    page = await session.openWorkbench();
    await session.browser?.grantPermissions(["clipboard-read", "clipboard-write"], { origin: `http://127.0.0.1:${session.port}` });
    await page.locator(".monaco-workbench.vs-dark").waitFor({ timeout: 60_000 });
    await openTandem();
    await chat().locator(".status-line .dot.on").waitFor({ timeout: 60_000 });
    // Never "no model"; /review is not offered (the server does not announce it).
    expect(await chat().locator(".status-line .model").innerText()).not.toMatch(/no model/i);
    expect(await chat().locator(".empty").innerText()).not.toContain("/review");
    await composer().click();
    await page.keyboard.type("/");
    const options = chat().getByRole("listbox", { name: "Commands" }).getByRole("option");
    await options.first().waitFor();
    expect(await options.locator(".option-label").allInnerTexts()).toEqual(["/new", "/compact", "/undo", "/redo", "/skills"]);
    await page.keyboard.press("Escape");
    await composer().fill("");
  });

  step("code blocks are highlighted; Copy and Insert; reasoning parts are paragraphs; the table scrolls", async () => {
    await send("Write a span() helper for the package.");
    const answer = chat().locator("article.entry.agent").filter({ hasText: "Here is a helper" });
    await answer.waitFor({ timeout: 60_000 });
    await waitTurnEnds(1);
    const block = answer.locator(".code-block").first();
    expect(await block.locator(".code-lang").innerText()).toBe("python");
    expect(await block.locator(".hljs-keyword").first().innerText()).toBe("def");
    expect(await block.locator(".hljs-string").first().innerText()).toContain("The smallest interval");
    const reasoning = chat().locator("details.reasoning").first();
    await reasoning.locator("summary").click();
    expect(await reasoning.locator(".reasoning-body p").count()).toBe(2);
    const table = await answer.locator("div[data-scroll='table']").evaluate((el) => getComputedStyle(el).overflowX);
    expect(table).toBe("auto");
    await snapBoth("code-block");

    // Copy: the code is on the clipboard.
    await block.getByRole("button", { name: "Copy python code" }).click();
    await waitFor("the code on the clipboard", async () => (await page.evaluate(() => navigator.clipboard.readText())) === HELPER_CODE, 15_000);

    // Insert: at the cursor of the editor (the end of intervals/__init__.py), then saved.
    await openFile("intervals", "__init__.py");
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await openTandem();
    await block.getByRole("button", { name: "Insert python code" }).click();
    await page.locator(".tab.active.dirty").filter({ hasText: "__init__.py" }).waitFor({ timeout: 15_000 });
    await save();
    expect(fs.readFileSync(session.file("intervals/__init__.py"), "utf8")).toContain(HELPER_CODE);
  });

  step("Apply turns the code block into a proposal, reviewed in the inline widget", async () => {
    await openTandem();
    const block = chat().locator("article.entry.agent").filter({ hasText: "Here is a helper" }).locator(".code-block").first();
    await block.getByRole("button", { name: "Apply python code" }).click();
    // The change is proposed in the editor's widget (no proposal diff tab), with Accept / Discard.
    await widget().filter({ hasText: "Proposed change" }).waitFor({ timeout: 60_000 });
    expect(await page.locator(".tab").filter({ hasText: "Tandem proposal" }).count()).toBe(0);
    expect(squash(await widget().innerText())).toContain(squash(`+${EXPORT_LINE}`));
    await snap("apply-proposal");
    await widget().getByRole("link", { name: "Accept", exact: true }).click();
    await widget().waitFor({ state: "detached", timeout: 60_000 }).catch(async () => {
      await waitFor("the widget to close", async () => (await page.locator(".review-widget").filter({ hasText: "Proposed change" }).count()) === 0, 30_000);
    });
    await page.locator(".tab.active").filter({ hasText: "__init__.py" }).click();
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    if (await page.locator(".tab.active.dirty").count()) await save();
    await waitFor("the export on disk", () => fs.readFileSync(session.file("intervals/__init__.py"), "utf8").includes(EXPORT_LINE), 30_000);
  });

  step("a command waiting for approval: the card says so, no notification while the chat shows, a pill when scrolled away", async () => {
    await openTandem();
    await send("Check the helper.");
    const command = chat().locator("section.card.command").filter({ hasText: OK_COMMAND });
    await command.waitFor({ timeout: 60_000 });
    await waitFor("Waiting for approval", async () => (await command.locator(".badge").innerText()) === "Waiting for approval", 30_000);
    expect(await chat().locator(".status-line .busy-label").innerText()).toBe("Waiting for approval");
    const card = chat().locator("section.approval").filter({ hasText: OK_COMMAND });
    await card.waitFor();
    expect(await toasts(/Tandem wants to run/).count()).toBe(0);
    // Scrolled up, the approval is off screen: a pill says so and brings it back.
    await chat().locator("main.transcript").evaluate((el) => { el.scrollTop = 0; });
    const pill = chat().getByRole("button", { name: /An approval is waiting below/ });
    await pill.waitFor({ timeout: 15_000 });
    await chat().getByRole("button", { name: "Jump to latest ↓" }).waitFor();
    await snapBoth("approval-pill");
    await pill.click();
    await pill.waitFor({ state: "hidden", timeout: 15_000 });
    expect(await card.getByRole("button", { name: "Accept", exact: true }).isVisible()).toBe(true);
    expect(await toasts(/Tandem wants to run/).count()).toBe(0);
  });

  step("with the chat hidden the approval is a notification; it closes when the chat shows; its link answers", async () => {
    await openExplorer();
    const ask = toasts(`Tandem wants to run “${OK_COMMAND}”`);
    await ask.waitFor({ timeout: 30_000 });
    await waitFor("the badge 1 on the Tandem icon", async () => (await tandemBadge()) === "1", 15_000);
    await snap("approval-notification");
    await openTandem();
    await ask.waitFor({ state: "detached", timeout: 15_000 }); // the card is on screen: no notification
    await waitFor("no badge while the chat shows", async () => (await tandemBadge()) === "", 15_000);
    await openExplorer();
    await ask.waitFor({ timeout: 30_000 });
    await ask.getByRole("link", { name: "Accept", exact: true }).click();
    await ask.waitFor({ state: "detached", timeout: 15_000 }); // answered: it closes itself
    // The next command (failing) also asks while the chat is hidden: answer it from its notification too.
    const next = toasts(/Tandem wants to run “python3 -c "import sys/);
    await next.waitFor({ timeout: 60_000 });
    await next.getByRole("link", { name: "Accept", exact: true }).click();
    await next.waitFor({ state: "detached", timeout: 15_000 });
    // Nothing waits any more: the badge goes (VS Code keeps a webview view's badge set to undefined).
    await waitFor("no badge once answered", async () => (await tandemBadge()) === "", 15_000);
    await openTandem();
    // The turn ended while the chat was hidden: its last answer and its turn-end line are there
    // (this thread's second turn; Apply's inline ask ran in a thread of its own).
    await chat().locator("article.entry.agent").filter({ hasText: "The check failed" }).waitFor({ timeout: 60_000 });
    await waitTurnEnds(2, 30_000);
    expect(await tandemBadge()).toBe("");
    // The failed command shows the tail of its output (where the error is).
    const failing = chat().locator("section.card.command").filter({ hasText: FAILING_COMMAND.slice(0, 30) });
    expect(await failing.locator(".badge").innerText()).toBe("Exit 3");
    await waitFor("the failing output's tail in view", () => failing.locator(".output-text").evaluate((el, tail) => {
      const text = el.textContent ?? "";
      return text.includes(tail) && el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    }, FAILING_TAIL), 15_000);
    // The command ran in the workspace root: no directory shown.
    expect(await failing.locator(".cwd").isVisible()).toBe(false);
    await snapBoth("failed-command-tail");
  });

  step("Esc in the chat stops the running turn", async () => {
    await send("Run the last check again.");
    const card = chat().locator("section.approval").filter({ hasText: STOPPED_COMMAND });
    await card.waitFor({ timeout: 60_000 });
    await composer().click();
    await page.keyboard.press("Escape");
    await chat().locator("section.turn-end[data-status='interrupted']").waitFor({ timeout: 30_000 });
    await card.waitFor({ state: "detached", timeout: 15_000 });
  });

  step("a 500 is a server error with Retry; the long prompt collapses; Retry re-sends it", async () => {
    await send(LONG_PROMPT);
    const prompt = chat().locator("article.entry.user").last();
    await prompt.getByRole("button", { name: "Show more" }).waitFor({ timeout: 30_000 });
    const failure = chat().locator(".turn-failure[data-code='server']");
    await failure.waitFor({ timeout: 60_000 });
    const text = await failure.innerText();
    expect(text).toContain("The model provider had a server error");
    expect(text).not.toMatch(/connection problem/i);
    await snapBoth("server-error-retry");
    await failure.getByRole("button", { name: "Retry" }).click();
    await chat().locator("article.entry.agent").filter({ hasText: RETRIED_ANSWER }).waitFor({ timeout: 60_000 });
    // The same input was sent again.
    const requests = session.model?.requests() ?? [];
    const last = JSON.stringify(requests.at(-1)?.body ?? {});
    expect(last).toContain("Log line 24: span() raised");
  });

  step("a 429 quota error advises checking billing; Open settings opens the provider setup", async () => {
    await send("One more thing.");
    const failure = chat().locator(".turn-failure[data-code='quota']");
    await failure.waitFor({ timeout: 60_000 });
    expect(await failure.locator(".failure-title").innerText()).toBe("Out of quota");
    expect(await failure.innerText()).toContain("Check your plan and billing");
    expect(await failure.getByRole("button", { name: "Check billing" }).isVisible()).toBe(true);
    await snapBoth("quota-advice");
    // Open settings leads to the setup view (provider, key, model), on the provider in use; Back to chat returns.
    await failure.getByRole("button", { name: "Open settings" }).click();
    const setup = chat().getByRole("region", { name: "Set up a model provider" });
    await setup.waitFor({ timeout: 30_000 });
    expect(await chat().getByLabel("Provider", { exact: true }).inputValue()).toBe("openai");
    await setup.getByRole("button", { name: "Test connection" }).waitFor();
    await snap("quota-open-settings");
    await setup.getByRole("button", { name: "Back to chat" }).click();
    await setup.waitFor({ state: "hidden", timeout: 15_000 });
    await composer().waitFor({ timeout: 15_000 });
    expect(await chat().locator(".turn-failure[data-code='quota']").count()).toBe(1);
  });

  step("at a 300 px panel the status line stays on one line", async () => {
    await openTandem();
    await resizeSidebar(300);
    const line = await chat().locator(".status-line").evaluate((el) => {
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
      return { height: el.getBoundingClientRect().height, lineHeight, wraps: getComputedStyle(el).flexWrap };
    });
    expect(line.wraps).toBe("nowrap");
    expect(line.height).toBeLessThan(line.lineHeight * 1.8);
    await snapBoth("panel-300px");
    // Scrolled to the code block: its toolbar and the table at 300 px.
    await chat().locator("article.entry.agent").filter({ hasText: "Here is a helper" }).first()
      .evaluate((el) => el.scrollIntoView({ block: "start" }));
    await snapBoth("code-block-300px");
  });


  step("keybindings: Ctrl+L starts a new thread in the chat; Ctrl+Alt+I opens the chat", async () => {
    await openTandem();
    await composer().click();
    await page.keyboard.press("Control+l");
    await waitFor("an empty transcript", async () => (await chat().locator(".transcript-list > *").count()) === 0, 30_000);
    await openExplorer();
    await page.locator(".explorer-folders-view .monaco-list-row").first().click();
    await page.keyboard.press("Control+Alt+i");
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 30_000 });
    await waitFor("the chat visible", async () => composer().isVisible(), 15_000);
  });

  step("inline ask: a widget at the cursor, the proposal as a diff with Accept / Discard", async () => {
    await openFile("intervals", "core.py");
    await goToLine(40); // total_length()'s docstring line
    await page.keyboard.press("Control+i");
    const box = widget();
    await box.waitFor({ timeout: 30_000 });
    await snap("inline-ask-widget");
    // The prompt box: VS Code shows an extension's new comment thread with its prompt as a button
    // (only threads a user starts from the gutter get the focus), which opens the input.
    const prompt = box.locator("button.review-thread-reply-button");
    expect(await prompt.innerText()).toBe("Ask Tandem about this code…");
    await prompt.click();
    await box.locator(".comment-form-container.expand .monaco-editor.focused").waitFor({ timeout: 15_000 });
    await page.keyboard.type("Add a doctest example");
    // Ask and Cancel under the box; Ctrl+Enter asks (the box's placeholder says so).
    expect((await box.locator(".form-actions .monaco-button").allInnerTexts()).sort()).toEqual(["Ask", "Cancel"]);
    await page.keyboard.press("Control+Enter");
    await box.filter({ hasText: "Proposed change" }).waitFor({ timeout: 60_000 });
    expect(await page.locator(".tab").filter({ hasText: "Tandem proposal" }).count()).toBe(0);
    expect(squash(await widget().innerText())).toContain(squash(DOCTEST_LINE));
    await snapBoth("inline-ask-proposal");
    await widget().getByRole("link", { name: "Accept", exact: true }).click();
    await waitFor("the widget to close", async () => (await page.locator(".review-widget").filter({ hasText: "Proposed change" }).count()) === 0, 60_000);
    await page.locator(".tab.active").filter({ hasText: "core.py" }).waitFor();
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    if (await page.locator(".tab.active.dirty").count()) await save();
    await waitFor("the doctest on disk", () => fs.readFileSync(session.file("intervals/core.py"), "utf8").includes(DOCTEST_LINE), 30_000);
  });

});
