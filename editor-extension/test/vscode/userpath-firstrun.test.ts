/**
 * The first run, as a new user meets it, in real VS Code (code-server + Chromium):
 *
 * (a) No provider configured (no OPENAI_* in the environment): the chat panel shows the setup view
 *     before any prompt; the user picks "OpenAI-compatible URL" pointing at the scripted model
 *     server, pastes a key, tests the connection (the server's probe lists the model), saves; the
 *     server restarts with the key in its environment and the panel shows the chat; the first
 *     prompt is answered. The key is in neither settings.json nor any log; a restart logs no error.
 * (b) The server command is wrong: exactly one notification, ours and actionable ("Open Settings" /
 *     "Show Log"), no raw languageclient toast; the panel says "Not connected" with working buttons,
 *     Send is disabled and what was typed stays; fixing the setting starts the server and the kept
 *     prompt is sent.
 *
 * Screenshots: test-artifacts/vscode/firstrun/NN-step-{light,dark}.png at 1440x900, and the setup
 * view in a 300 px wide side bar.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, SERVER_COMMAND, VSCodeSession, waitFor } from "./harness";
import { message, respond } from "./scripts";
import { FIRST_ANSWER, FIRST_PROMPT, FIRSTRUN_KEY, FIRSTRUN_MODEL, firstRunScript } from "./scripts-firstrun";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;
const SHOTS = path.join(ARTIFACTS, "firstrun");
const PROVIDERS = ["OpenAI", "Anthropic", "OpenRouter", "Azure OpenAI", "Ollama", "LM Studio", "vLLM", "OpenAI-compatible URL"];
const MISSING_COMMAND = "/nonexistent/tandem-server";
const KEPT_PROMPT = "Which function computes the total length?";
const KEPT_ANSWER = "total_length() in intervals/core.py sums end - start over the merged intervals.";

const squash = (s: string | null | undefined): string => (s ?? "").replace(/\s+/g, " ").trim();

/** Every file under `dir` (recursively) whose name matches `pattern`. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, pattern));
    else if (pattern.test(entry.name)) out.push(full);
  }
  return out;
}

/** Steps that build on each other: each runs only if the ones before it passed. */
function stepper(snap: (name: string) => Promise<void>) {
  let broken: string | undefined;
  return (name: string, fn: () => Promise<void>, timeout = 120_000) =>
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
}

/** What both sessions do with the workbench: the chat frame, toasts, themes, screenshots, side bar width. */
class Workbench {
  constructor(readonly session: VSCodeSession, readonly page: Page) {}

  chat(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready[src*="extensionId=tandem."]').frameLocator("#active-frame");
  }

  toasts(): Locator {
    return this.page.locator(".notifications-toasts .notification-toast-container");
  }

  async openChat(): Promise<void> {
    await this.page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']").click();
    await this.page.locator("iframe.webview.ready").first().waitFor({ timeout: 60_000 });
    await this.chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 60_000 });
  }

  /** Run a palette command by its title. */
  async palette(title: string): Promise<void> {
    const quick = this.page.locator(".quick-input-widget input");
    await this.page.keyboard.press("F1"); // webviews forward it to the workbench too
    await quick.waitFor({ timeout: 10_000 });
    await quick.fill(`>${title}`);
    await this.page.locator(".quick-input-list .monaco-list-row").filter({ hasText: title }).first().click();
  }

  /** Switch the color theme as a user does (settings.json edits are not picked up by code-server here). */
  async theme(kind: "light" | "dark"): Promise<void> {
    const want = kind === "light" ? ".monaco-workbench.vs" : ".monaco-workbench.vs-dark";
    if (await this.page.locator(want).count() === 0) {
      await this.palette("Preferences: Color Theme");
      const quick = this.page.locator(".quick-input-widget input");
      await quick.fill(kind === "light" ? "Light Modern" : "Dark Modern");
      await this.page.locator(".quick-input-list .monaco-list-row").filter({ hasText: kind === "light" ? "Light Modern" : "Dark Modern" }).first().click();
    }
    await this.page.locator(want).waitFor({ timeout: 30_000 });
    await this.chat().locator(`body.vscode-${kind}`).waitFor({ timeout: 30_000 });
  }

  /** NN-name-dark.png and NN-name-light.png (ends in the dark theme); `clip` to the side bar. */
  async shots(name: string, clip: "page" | "sidebar" = "page"): Promise<void> {
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const kind of ["dark", "light"] as const) {
      await this.theme(kind);
      const box = clip === "sidebar" ? await this.page.locator(".part.sidebar").boundingBox() : null;
      await this.page.screenshot({ path: path.join(SHOTS, `${name}-${kind}.png`), timeout: 30_000, ...(box ? { clip: box } : {}) });
    }
    await this.theme("dark");
  }

  async failed(name: string): Promise<void> {
    fs.mkdirSync(SHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SHOTS, `${name}.png`), timeout: 30_000 });
  }

  /** Drag the sash between the side bar and the editor until the side bar is `width` px wide. */
  async sidebarWidth(width: number): Promise<number> {
    const bar = await this.page.locator(".part.sidebar").boundingBox();
    if (!bar) throw new Error("no side bar");
    const sashes = this.page.locator(".monaco-sash.vertical");
    let sash: { x: number; y: number } | undefined;
    for (let i = 0; i < (await sashes.count()); i++) {
      const box = await sashes.nth(i).boundingBox();
      if (box && Math.abs(box.x + box.width / 2 - (bar.x + bar.width)) < 6 && box.height > 100) {
        sash = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      }
    }
    if (!sash) throw new Error("no sash at the side bar's edge");
    await this.page.mouse.move(sash.x, sash.y);
    await this.page.mouse.down();
    await this.page.mouse.move(bar.x + width, sash.y, { steps: 8 });
    await this.page.mouse.up();
    return waitFor("the side bar to take its new width", async () => {
      const now = await this.page.locator(".part.sidebar").boundingBox();
      return now && Math.abs(now.width - width) <= 2 ? now.width : undefined;
    }, 10_000);
  }
}

describe.skipIf(skip)(skip ? `first run in Chromium (skipped: ${skip})` : "first run in Chromium", () => {
  describe("no provider configured: the setup view, then the first answer", () => {
    let session: VSCodeSession;
    let wb: Workbench;
    const step = stepper((name) => wb?.failed(name) ?? Promise.resolve());

    beforeAll(async () => {
      if (!("bin" in codeServer)) return;
      if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
      fs.rmSync(SHOTS, { recursive: true, force: true });
      session = await VSCodeSession.start({
        name: "firstrun",
        codeServer: codeServer.bin,
        vsix: [vsix.path],
        script: firstRunScript(),
        credentials: "none",
        viewport: { width: 1440, height: 900 },
      });
    });

    afterAll(async () => {
      await session?.stop();
    });

    step("opens the chat: the setup view shows before any prompt", async () => {
      wb = new Workbench(session, await session.openWorkbench());
      await wb.openChat();
      const setup = wb.chat().getByRole("region", { name: "Set up a model provider" });
      await setup.waitFor({ timeout: 60_000 });
      // The server said why: no key for the default provider.
      expect(squash(await setup.locator(".setup-problem-text").textContent())).toBe("No API key for OpenAI yet (OPENAI_API_KEY).");
      const options = await wb.chat().getByLabel("Provider", { exact: true }).locator("option").allInnerTexts();
      expect(options).toEqual(PROVIDERS);
      // No composer until a provider works.
      expect(await wb.chat().getByRole("textbox", { name: "Message to Tandem" }).isVisible()).toBe(false);
      await wb.shots("01-setup-view");
    });

    step("the setup view at a 300 px side bar", async () => {
      const before = (await wb.page.locator(".part.sidebar").boundingBox())?.width ?? 0;
      expect(await wb.sidebarWidth(300)).toBeLessThanOrEqual(302);
      await wb.chat().getByRole("button", { name: "Test connection" }).waitFor();
      // Nothing is cut off: the form fits the panel's width.
      const overflow = await wb.chat().locator("section.setup").evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await wb.shots("02-setup-view-300px", "sidebar");
      await wb.sidebarWidth(Math.round(before));
    });

    step("fills it in for an OpenAI-compatible URL and tests the connection", async () => {
      const chat = wb.chat();
      const baseUrl = session.model!.baseUrl;
      await chat.getByLabel("Provider", { exact: true }).selectOption({ label: "OpenAI-compatible URL" });
      await chat.getByLabel("Base URL", { exact: true }).fill(baseUrl);
      await chat.getByLabel("API key (OPENAI_API_KEY)").fill(FIRSTRUN_KEY);
      // The setup form's Model field (the composer, hidden during setup, has a Model picker too).
      await chat.getByLabel("Model", { exact: true }).and(chat.locator("input")).fill(FIRSTRUN_MODEL);
      await chat.getByRole("button", { name: "Test connection" }).click();
      const result = chat.locator(".setup-result.ok");
      await result.waitFor({ timeout: 60_000 });
      const text = squash(await result.textContent());
      expect(text).toContain("✓ Connected");
      expect(text).toContain(`“${FIRSTRUN_MODEL}” is available`);
      // The probe used the typed key, from the server's environment: the model server saw it.
      const probe = session.model!.requests().find((r) => r["method"] === "GET" && String(r["path"]).endsWith("/models"));
      expect((probe?.["headers"] as Record<string, string> | undefined)?.["authorization"]).toBe(`Bearer ${FIRSTRUN_KEY}`);
      // Nothing is saved before Save.
      expect(fs.readFileSync(session.settingsFile, "utf8")).not.toContain("tandem.provider");
      await wb.shots("03-connection-tested");
    });

    step("saves: the server restarts with the provider and the chat shows", async () => {
      await wb.chat().getByRole("button", { name: "Save" }).click();
      await wb.chat().getByRole("region", { name: "Set up a model provider" }).waitFor({ state: "hidden", timeout: 60_000 });
      await wb.chat().getByRole("textbox", { name: "Message to Tandem" }).waitFor({ timeout: 30_000 });
      await wb.chat().locator(".status-line .dot.on").waitFor({ timeout: 30_000 });
      const settings = JSON.parse(fs.readFileSync(session.settingsFile, "utf8")) as Record<string, unknown>;
      expect(settings["tandem.provider"]).toBe("openai");
      expect(settings["tandem.baseUrl"]).toBe(session.model!.baseUrl);
      expect(settings["tandem.model"]).toBe(FIRSTRUN_MODEL);
      expect(JSON.stringify(settings)).not.toContain(FIRSTRUN_KEY);
      // Our own save restarted the server: no "restart to apply?" prompt.
      expect(await wb.toasts().filter({ hasText: "restart the server" }).count()).toBe(0);
      await wb.shots("04-chat-ready");
    });

    step("sends the first prompt and sees the answer", async () => {
      const input = wb.chat().getByRole("textbox", { name: "Message to Tandem" });
      await input.click();
      await input.fill(FIRST_PROMPT);
      await input.press("Enter");
      await wb.chat().locator("article.entry.user").filter({ hasText: FIRST_PROMPT }).waitFor();
      const answer = wb.chat().locator("article.entry.agent").first();
      await waitFor("the answer", async () => squash(await answer.textContent()) === squash(FIRST_ANSWER), 60_000);
      // The model request carried the key the user typed (given to the server in its environment).
      const request = session.model!.requests().find((r) => r["method"] === "POST" && r.body?.["model"] !== undefined);
      expect((request?.["headers"] as Record<string, string> | undefined)?.["authorization"]).toBe(`Bearer ${FIRSTRUN_KEY}`);
      expect((request?.["body"] as Record<string, unknown> | undefined)?.["model"]).toBe(FIRSTRUN_MODEL);
      await wb.shots("05-first-answer");
    });

    step("Tandem: Set Up Model Provider… opens the setup again, with Back to chat", async () => {
      await wb.palette("Tandem: Set Up Model Provider");
      const setup = wb.chat().getByRole("region", { name: "Set up a model provider" });
      await setup.waitFor({ timeout: 30_000 });
      expect(await wb.chat().getByLabel("Provider", { exact: true }).inputValue()).toBe("compatible");
      expect(await wb.chat().getByLabel("Base URL", { exact: true }).inputValue()).toBe(session.model!.baseUrl);
      expect(await wb.chat().getByLabel("API key (OPENAI_API_KEY)").getAttribute("placeholder")).toMatch(/Stored/);
      await wb.chat().getByRole("button", { name: "Back to chat" }).click();
      await setup.waitFor({ state: "hidden" });
      await wb.chat().getByRole("textbox", { name: "Message to Tandem" }).waitFor();
    });

    step("the walkthrough lists its four steps", async () => {
      await wb.palette("Welcome: Open Walkthrough...");
      await wb.page.locator(".quick-input-list .monaco-list-row").filter({ hasText: "Get started with Tandem" }).first().click();
      const page = wb.page.locator(".gettingStartedContainer");
      await page.waitFor({ timeout: 30_000 });
      const steps = page.locator(".getting-started-step");
      await steps.filter({ hasText: "Set up a model provider" }).first().waitFor({ timeout: 30_000 });
      for (const title of ["Set up a model provider", "Open the chat", "Ask a first question", "Review a change"]) {
        expect(await steps.filter({ hasText: title }).count(), title).toBeGreaterThan(0);
      }
      await wb.shots("09-walkthrough");
    });

    step("the key is in neither settings.json nor any log; restarts logged no error", async () => {
      const logs = [
        session.settingsFile,
        session.lspLogFile,
        path.join(session.root, "code-server.log"),
        path.join(session.root, "browser-console.log"),
        ...filesUnder(path.join(session.userDataDir, "logs"), /\.log$/),
      ].filter((f) => fs.existsSync(f));
      const channel = logs.filter((f) => /Tandem\.log$/.test(f));
      expect(channel.length).toBeGreaterThan(0);
      for (const file of logs) expect(fs.readFileSync(file, "utf8"), file).not.toContain(FIRSTRUN_KEY);
      const output = channel.map((f) => fs.readFileSync(f, "utf8")).join("\n");
      expect(output).toContain("[tandem] restarting the server");
      expect(output).not.toMatch(/\[Error/);
    });
  });

  describe("the server command is wrong: one actionable notification, Send disabled, nothing lost", () => {
    let session: VSCodeSession;
    let wb: Workbench;
    const step = stepper((name) => wb?.failed(name) ?? Promise.resolve());

    beforeAll(async () => {
      if (!("bin" in codeServer)) return;
      if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
      session = await VSCodeSession.start({
        name: "firstrun-missing-server",
        codeServer: codeServer.bin,
        vsix: [vsix.path],
        script: { model: FIRSTRUN_MODEL, responses: [respond([message(KEPT_ANSWER)])] },
        settings: { "tandem.server.command": [MISSING_COMMAND, "lsp"] },
        viewport: { width: 1440, height: 900 },
      });
    });

    afterAll(async () => {
      await session?.stop();
    });

    step("shows exactly one notification, with Open Settings and Show Log", async () => {
      wb = new Workbench(session, await session.openWorkbench());
      const ours = wb.toasts().filter({ hasText: "Tandem's server could not start" });
      await ours.waitFor({ timeout: 60_000 });
      expect(squash(await ours.textContent())).toContain(`the command “${MISSING_COMMAND}” was not found`);
      await ours.getByRole("button", { name: "Open Settings" }).waitFor();
      await ours.getByRole("button", { name: "Show Log" }).waitFor();
      await wb.openChat();
      await wb.chat().locator(".connection[data-state='failed']").waitFor({ timeout: 30_000 });
      expect(await wb.toasts().count()).toBe(1);
      expect(await wb.toasts().filter({ hasText: /Tandem client|couldn't create connection|Go to output/ }).count()).toBe(0);
      await wb.shots("06-server-missing");
    });

    step("Send is disabled with Not connected; the typed text stays", async () => {
      const chat = wb.chat();
      const banner = chat.locator(".connection");
      expect(squash(await banner.textContent())).toContain(`Not connected — the command “${MISSING_COMMAND}” was not found`);
      const send = chat.getByRole("button", { name: "Send message" });
      expect(await send.isDisabled()).toBe(true);
      const input = chat.getByRole("textbox", { name: "Message to Tandem" });
      await input.click();
      await input.fill(KEPT_PROMPT);
      await input.press("Enter");
      expect(await input.inputValue()).toBe(KEPT_PROMPT);
      expect(await chat.locator("article.entry.user").count()).toBe(0);
      await wb.shots("07-not-connected-text-kept");
    });

    step("the banner's Open settings opens the server settings; setting the Python path there starts the server", async () => {
      await wb.chat().locator(".connection").getByRole("button", { name: "Open settings" }).click();
      await wb.page.locator(".settings-editor").waitFor({ timeout: 30_000 });
      const pythonPath = wb.page.locator(".settings-editor .setting-item-contents")
        .filter({ has: wb.page.locator(".setting-item-label", { hasText: /^Python Path$/ }) }).first();
      await pythonPath.waitFor({ timeout: 30_000 });
      await wb.shots("08-server-settings");
      const input = pythonPath.locator("input").first();
      await input.click();
      await input.fill(SERVER_COMMAND[0]!);
      await input.press("Enter");
      await waitFor("tandem.server.pythonPath in settings.json", () =>
        fs.readFileSync(session.settingsFile, "utf8").includes('"tandem.server.pythonPath"'), 30_000);
    });

    step("the server starts; the kept prompt is sent and answered", async () => {
      const chat = wb.chat();
      await chat.locator(".connection").waitFor({ state: "hidden", timeout: 60_000 });
      const send = chat.getByRole("button", { name: "Send message" });
      await waitFor("Send to be enabled", async () => !(await send.isDisabled()), 30_000);
      expect(await chat.getByRole("textbox", { name: "Message to Tandem" }).inputValue()).toBe(KEPT_PROMPT);
      await send.click();
      await chat.locator("article.entry.user").filter({ hasText: KEPT_PROMPT }).waitFor();
      const answer = chat.locator("article.entry.agent").first();
      await waitFor("the answer", async () => squash(await answer.textContent()) === squash(KEPT_ANSWER), 60_000);
      // Still only the one notification of the failed start.
      expect(await wb.toasts().filter({ hasText: /Tandem/ }).count()).toBeLessThanOrEqual(1);
    });
  });
});
