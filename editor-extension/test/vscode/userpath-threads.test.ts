/**
 * The threads user path (issue 12 items 10–14) in Chromium, with its own scripted session
 * (scripts-threads.ts) and a bridge into the extension host (threads/bridge.ts) for the extension
 * API and for inline ask with a prompt:
 *
 * 12. the thread is named after its first prompt in the chat's thread button;
 * 13. under the composer: the provider, the model / reasoning-effort / approval-mode pickers; the
 *     choices reach the next model request (model, effort, the read-only sandbox) with the same
 *     language server process (no restart);
 * 14. the token meter shows the context used of the window, turns amber then red, offers Compact
 *     there (which compacts), and carries the totals in its tooltip;
 * 10. after a window reload the chat reopens the thread with the same transcript (turn-end lines,
 *     the failed turn's error, the per-turn diff summary) and the same meter; the Keep / Undo of a
 *     change still under review belong to the server process that applied it and are not offered
 *     by the new one;
 * 11. an inline ask's thread is in the thread picker (a searchable QuickPick with relative times)
 *     under its prompt; picking it opens it, and the meter follows the switch (and back).
 *
 * Screenshots: test-artifacts/vscode/threads/NN-step-{dark,light}.png at 1440x900, and the
 * composer's pickers at a 300 px side bar.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARTIFACTS, bundleSuite, extensionTestEnv, SERVER_COMMAND, VSCodeSession, waitFor } from "./harness";
import {
  CONTEXT_WINDOW, DOC_LINE, FAILING_PROMPT, FAILURE_MESSAGE, FIRST_ANSWER, FIRST_PROMPT, INLINE_ANSWER,
  INLINE_PROMPT, SECOND_ANSWER, SECOND_PROMPT, THIRD_ANSWER, THIRD_PROMPT, threadsScript,
} from "./scripts-threads";
import type { BridgeCall } from "./threads/bridge";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;
const HERE = path.dirname(new URL(import.meta.url).pathname);
const OUT = path.join(ARTIFACTS, "threads");

const squash = (s: string | null | undefined): string => (s ?? "").replace(/\s+/g, " ").trim();

/** Pids of processes whose command line contains `needle` (the language server: its unique log path). */
function pidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(needle)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

describe.skipIf(skip)(skip ? `threads user path (skipped: ${skip})` : "threads user path in Chromium", () => {
  let session: VSCodeSession;
  let page: Page;
  let work = "";
  let portFile = "";
  let broken: string | undefined;
  let shot = 0;
  let lspPid = 0;
  let beforeReload: { transcript: string; meter: string; level: string } | undefined;

  /** One call into the extension host (threads/bridge.ts). */
  const call = async <T>(c: BridgeCall): Promise<T> => {
    const port = await waitFor("the bridge's port", () => (fs.existsSync(portFile) ? fs.readFileSync(portFile, "utf8").trim() || undefined : undefined), 60_000);
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: JSON.stringify(c), signal: AbortSignal.timeout(90_000) });
    const body = (await response.json()) as { ok: boolean; result?: T; error?: string };
    if (!body.ok) throw new Error(`bridge ${c.op} failed: ${body.error}`);
    return body.result as T;
  };

  /** The chat page: the webview's outer iframe, then its active frame. */
  const chat = (): FrameLocator => page.frameLocator('iframe.webview.ready[src*="extensionId=tandem."]').frameLocator("#active-frame");
  const threadButton = (): Locator => chat().getByRole("button", { name: /^Thread: / });
  const meter = (): Locator => chat().getByRole("meter");
  const turnEnds = (): Locator => chat().locator("section.turn-end");
  /**
   * The transcript's text as a user reads it, without the Keep / Undo buttons of a change still
   * under review: that review lives in the language server process that applied the change, and a
   * window reload starts a new one (the resumed summary lists the same files and counts, with
   * Restore checkpoint, but no review buttons the new server could not act on).
   */
  const transcriptText = async (): Promise<string> => squash(await chat().locator(".transcript-list").evaluate((list) => {
    const review = [...list.querySelectorAll<HTMLElement>(".turn-diff-actions, .file-actions")];
    const display = review.map((el) => el.style.display);
    for (const el of review) el.style.display = "none";
    const text = (list as HTMLElement).innerText;
    review.forEach((el, i) => { el.style.display = display[i]!; });
    return text;
  }));
  const reviewButtons = (): Locator => turnEnds().locator(".turn-diff-actions button, .file-actions button");
  const quickPick = (): Locator => page.locator(".quick-input-widget");
  const pickRows = (): Locator => page.locator(".quick-input-widget .quick-input-list .monaco-list-row");

  /** Switch the color theme as a user does (code-server does not pick up settings.json edits here). */
  const theme = async (kind: "light" | "dark"): Promise<void> => {
    const want = kind === "light" ? ".monaco-workbench.vs" : ".monaco-workbench.vs-dark";
    if ((await page.locator(want).count()) === 0) {
      const quick = page.locator(".quick-input-widget input");
      await page.keyboard.press("F1"); // webviews forward it to the workbench too
      await quick.waitFor({ timeout: 10_000 });
      await quick.fill(">Preferences: Color Theme");
      await page.locator(".quick-input-list .monaco-list-row").filter({ hasText: "Preferences: Color Theme" }).first().click();
      await quick.fill(kind === "light" ? "Light Modern" : "Dark Modern");
      await page.locator(".quick-input-list .monaco-list-row").filter({ hasText: kind === "light" ? "Light Modern" : "Dark Modern" }).first().click();
    }
    await page.locator(want).waitFor({ timeout: 30_000 });
    await chat().locator(`body.vscode-${kind}`).waitFor({ timeout: 30_000 });
  };

  /** The same moment in the dark theme and in the light one: NN-name-dark.png, NN-name-light.png (ends dark). */
  const snap = async (name: string, before?: () => Promise<void>): Promise<void> => {
    shot += 1;
    for (const kind of ["dark", "light"] as const) {
      await theme(kind);
      await before?.();
      await page.screenshot({ path: path.join(OUT, `${String(shot).padStart(2, "0")}-${name}-${kind}.png`), timeout: 30_000 });
    }
    await theme("dark");
  };

  const step = (name: string, fn: () => Promise<void>, timeout = 180_000) =>
    it(name, async () => {
      if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        await page?.screenshot({ path: path.join(OUT, `FAILED-${name.replace(/\W+/g, "-").slice(0, 40)}.png`) }).catch(() => undefined);
        throw err;
      }
    }, timeout);

  /** Type a prompt into the chat and send it. */
  const send = async (text: string): Promise<void> => {
    const input = chat().getByRole("textbox", { name: "Message to Tandem" });
    await input.click();
    await input.fill(text);
    await input.press("Enter");
  };
  /** Wait until `turns` turns have ended in the chat (the last one with `status`). */
  const turnsEnded = async (turns: number, status = "completed"): Promise<void> => {
    await waitFor(`${turns} finished turn(s)`, async () => (await turnEnds().count()) >= turns, 90_000);
    expect(await turnEnds().nth(turns - 1).getAttribute("data-status")).toBe(status);
  };
  const meterState = async () => ({ text: squash(await meter().innerText()), level: (await meter().getAttribute("data-level")) ?? "" });
  const percent = async (): Promise<number> => Number(/(\d+)%/.exec(await meter().innerText())?.[1] ?? Number.NaN);

  /** Drag the side bar's edge so that it is `width` px wide. */
  const sideBarWidth = async (width: number): Promise<void> => {
    const sidebar = page.locator(".part.sidebar");
    const box = await sidebar.boundingBox();
    if (!box) throw new Error("no side bar");
    const sash = page.locator(".monaco-sash.vertical").filter({ visible: true });
    let target: Locator | undefined;
    for (let i = 0; i < (await sash.count()); i++) {
      const s = await sash.nth(i).boundingBox();
      if (s && Math.abs(s.x + s.width / 2 - (box.x + box.width)) < 6) target = sash.nth(i);
    }
    if (!target) throw new Error("no sash at the side bar's edge");
    const s = (await target.boundingBox())!;
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + width, s.y + s.height / 2, { steps: 8 });
    await page.mouse.up();
    await waitFor(`a ${width} px side bar`, async () => Math.abs(((await sidebar.boundingBox())?.width ?? 0) - width) <= 2, 15_000);
  };

  /** Open the thread picker from the chat's thread button and filter it with `query`. */
  const openPicker = async (query?: string): Promise<void> => {
    await threadButton().click();
    await quickPick().filter({ hasText: "Tandem threads" }).waitFor({ state: "visible", timeout: 30_000 });
    if (query) {
      await page.keyboard.type(query);
      await waitFor(`the picker filtered by "${query}"`, async () => (await pickRows().count()) === 1, 15_000);
    }
  };

  beforeAll(async () => {
    if (!("bin" in codeServer)) return;
    if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
    fs.rmSync(OUT, { recursive: true, force: true });
    work = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "tandem-threads-"));
    const bridge = await bundleSuite(path.join(HERE, "threads", "bridge.ts"), work);
    portFile = path.join(work, "bridge-port");
    session = await VSCodeSession.start({
      name: "threads",
      codeServer: codeServer.bin,
      vsix: [vsix.path],
      script: threadsScript(),
      settings: (s) => ({
        "tandem.server.command": SERVER_COMMAND,
        "tandem.server.args": ["--log-file", s.lspLogFile, "-c", `model_context_window=${CONTEXT_WINDOW}`],
      }),
      env: { ...extensionTestEnv(bridge, path.join(work, "results.json")), TANDEM_THREADS_BRIDGE: portFile },
      viewport: { width: 1440, height: 900 },
    });
  });

  afterAll(async () => {
    await session?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  step("opens the chat: the composer shows the provider, the model, its effort and the approval mode", async () => {
    page = await session.openWorkbench();
    const icon = page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']");
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 60_000 });
    await chat().locator(".status-line .dot.on").waitFor({ timeout: 60_000 });
    await chat().locator(".composer-bar .provider").filter({ hasText: "OpenAI" }).waitFor({ timeout: 30_000 });
    expect(await chat().getByRole("combobox", { name: "Model" }).inputValue()).toBe("gpt-5.5");
    expect(await chat().getByRole("combobox", { name: "Reasoning effort" }).inputValue()).toBe("medium");
    expect(await chat().getByRole("combobox", { name: "Approval mode" }).inputValue()).toBe("auto");
    expect(await threadButton().innerText()).toContain("No thread yet");
    expect(await meter().isHidden()).toBe(true); // no usage before the first response
  });

  step("12/14: the first prompt names the thread; the meter shows the context used of the window", async () => {
    await send(FIRST_PROMPT);
    await chat().locator("article.entry.agent").filter({ hasText: FIRST_ANSWER }).waitFor({ timeout: 90_000 });
    await turnsEnded(1);
    expect(squash(await threadButton().innerText())).toContain(FIRST_PROMPT);
    expect(fs.readFileSync(session.file("intervals/__init__.py"), "utf8")).toContain(DOC_LINE);
    expect(squash(await turnEnds().first().locator(".turn-diff-head").innerText())).toMatch(/^1 file changed/);
    // ~4,200 of 20,000 tokens: the context of the last request, not the thread's cumulative 7,400.
    await waitFor("the meter", async () => !(await meter().isHidden()), 15_000);
    expect(await percent()).toBeGreaterThanOrEqual(20);
    expect(await percent()).toBeLessThan(30);
    expect(await meter().getAttribute("data-level")).toBe("ok");
    const tooltip = (await meter().getAttribute("title")) ?? "";
    expect(tooltip).toContain(`of ${CONTEXT_WINDOW.toLocaleString("en")} tokens`);
    expect(tooltip).toMatch(/This thread in total: 7,\d{3} tokens/);
    expect(await chat().getByRole("button", { name: "Compact", exact: true }).isHidden()).toBe(true);
    // The status bar too: the context of the window (~4.2k/20k), not the cumulative 7.4k.
    expect(await call<string>({ op: "api", name: "statusText" })).toMatch(/· 4\.\dk\/20k$/);
    lspPid = pidsWith(session.lspLogFile)[0] ?? 0;
    expect(lspPid).toBeGreaterThan(0);
    await snap("first-turn");
  });

  step("13: model, effort and approval mode chosen under the composer apply to the next turn, no restart", async () => {
    await chat().getByRole("combobox", { name: "Model" }).selectOption("gpt-5-mini");
    await waitFor("the effort picker for GPT-5 mini", async () => (await chat().getByRole("combobox", { name: "Model" }).inputValue()) === "gpt-5-mini", 10_000);
    await chat().getByRole("combobox", { name: "Reasoning effort" }).selectOption("high");
    await chat().getByRole("combobox", { name: "Approval mode" }).selectOption("read-only");
    await waitFor("the choices in the extension", async () => {
      const { overrides } = await call<{ overrides: Record<string, string> }>({ op: "api", name: "turnOptions" });
      return overrides["model"] === "gpt-5-mini" && overrides["effort"] === "high" && overrides["sandboxMode"] === "read-only";
    }, 15_000);

    // The pickers at a 300 px side bar: nothing sticks out sideways.
    const wide = (await page.locator(".part.sidebar").boundingBox())?.width ?? 480;
    await sideBarWidth(300);
    expect(await chat().locator("footer.composer").evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await snap("pickers-300");
    await sideBarWidth(Math.max(420, Math.round(wide)));

    await send(SECOND_PROMPT);
    await chat().locator("article.entry.agent").filter({ hasText: SECOND_ANSWER }).waitFor({ timeout: 90_000 });
    await turnsEnded(2);
    const requests = session.model!.requests();
    const first = requests[1]!.body!, second = requests[2]!.body!;
    expect(first["model"]).toBe("gpt-5.5");
    expect(second["model"]).toBe("gpt-5-mini");
    expect((second["reasoning"] as { effort?: string }).effort).toBe("high");
    expect(JSON.stringify(second["input"])).toContain("Sandbox mode: read-only");
    expect(pidsWith(session.lspLogFile)).toEqual([lspPid]); // the same language server
    expect(squash(await chat().locator(".status-line .model").innerText())).toBe("gpt-5-mini");
  });

  step("14: amber, then red near the limit with Compact offered; Compact frees the context", async () => {
    // ~14,600 of 20,000 after turn 2.
    expect(await meter().getAttribute("data-level")).toBe("warn");
    expect(await chat().getByRole("button", { name: "Compact", exact: true }).isVisible()).toBe(true);
    await snap("meter-amber");
    await send(THIRD_PROMPT);
    await chat().locator("article.entry.agent").filter({ hasText: THIRD_ANSWER }).waitFor({ timeout: 90_000 });
    await turnsEnded(3);
    await waitFor("a red meter", async () => (await meter().getAttribute("data-level")) === "full", 15_000);
    expect(await percent()).toBeGreaterThanOrEqual(85);
    expect((await meter().getAttribute("title")) ?? "").toContain("/compact");
    await snap("meter-red");
    await chat().getByRole("button", { name: "Compact", exact: true }).click();
    await chat().locator(".compaction").waitFor({ timeout: 90_000 });
    await turnsEnded(4);
    await waitFor("the meter back to normal", async () => (await meter().getAttribute("data-level")) === "ok", 30_000);
    expect(await percent()).toBeLessThan(20);
  });

  step("a failed turn shows its error", async () => {
    await send(FAILING_PROMPT);
    await turnsEnded(5, "failed");
    expect(squash(await turnEnds().nth(4).innerText())).toContain(FAILURE_MESSAGE);
    // The first turn's change is still under review: Keep All / Undo All and Keep / Undo of its file.
    expect(await reviewButtons().allInnerTexts()).toEqual(["Keep All", "Undo All", "Keep", "Undo"]);
    beforeReload = {
      transcript: await transcriptText(),
      meter: (await meterState()).text,
      level: (await meterState()).level,
    };
  });

  step("10: after a window reload the chat reopens the thread with the same transcript", async () => {
    fs.rmSync(portFile, { force: true });
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
    const ready = chat().locator("html[data-tandem-ready='true']");
    await ready.waitFor({ timeout: 30_000 }).catch(async () => {
      await page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']").click();
      await ready.waitFor({ timeout: 60_000 });
    });
    await waitFor("the thread reopened", async () => squash(await threadButton().innerText()).includes(FIRST_PROMPT), 90_000);
    await waitFor("its five turns", async () => (await turnEnds().count()) === 5, 60_000);
    expect((await turnEnds().evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["status"])))).toEqual(
      ["completed", "completed", "completed", "completed", "failed"]);
    expect(squash(await turnEnds().first().locator(".turn-diff-head").innerText())).toMatch(/^1 file changed/);
    expect(await transcriptText()).toBe(beforeReload!.transcript);
    // The new server process does not know the earlier one's review: no Keep / Undo that would fail.
    expect(await reviewButtons().count()).toBe(0);
    expect(await turnEnds().first().getByRole("button", { name: "Restore checkpoint" }).count()).toBe(1);
    await waitFor("the meter", async () => !(await meter().isHidden()), 15_000);
    expect((await meterState()).level).toBe(beforeReload!.level);
    expect(Math.abs((await percent()) - Number(/(\d+)%/.exec(beforeReload!.meter)?.[1]))).toBeLessThanOrEqual(1);
    // The composer's choices are the workspace's: still GPT-5 mini, high, read only.
    expect(await chat().getByRole("combobox", { name: "Model" }).inputValue()).toBe("gpt-5-mini");
    expect(await chat().getByRole("combobox", { name: "Approval mode" }).inputValue()).toBe("read-only");
    await snap("after-reload");
  });

  step("11/12: an inline ask's thread is in the searchable thread picker; picking it opens it, the meter follows", async () => {
    const firstMeter = await meterState();
    await call({ op: "open", path: "intervals/core.py", line: 20 });
    await call({ op: "exec", command: "tandem.inlineAsk", args: [{ prompt: INLINE_PROMPT }] });
    await waitFor("the inline ask's thread listed", async () => {
      const threads = await call<{ threads: { preview?: string }[] }>({ op: "api", name: "request", args: ["tandem/thread/list", {}] });
      return threads.threads.some((t) => t.preview === INLINE_PROMPT);
    }, 90_000);

    await openPicker();
    await waitFor("both threads in the picker", async () => (await pickRows().count()) === 2, 15_000);
    const rows = (await pickRows().allInnerTexts()).map(squash);
    expect(rows[0]).toContain(INLINE_PROMPT); // the newest first
    expect(rows[0]).toMatch(/just now|min ago/);
    expect(rows[1]).toContain(FIRST_PROMPT);
    expect(rows[1]).toMatch(/current/);
    await page.keyboard.press("Escape");
    // Searchable: typing part of a prompt leaves that thread (screenshots in both themes).
    await snap("thread-picker", async () => {
      if (await quickPick().filter({ hasText: "Tandem threads" }).isVisible()) await page.keyboard.press("Escape");
      await openPicker("touching");
    });
    await openPicker("touching");
    await page.keyboard.press("Enter");
    await waitFor("the inline thread opened", async () => squash(await threadButton().innerText()).includes(INLINE_PROMPT), 30_000);
    await chat().locator("article.entry.agent").filter({ hasText: INLINE_ANSWER }).waitFor({ timeout: 30_000 });
    await waitFor("its own meter", async () => !(await meter().isHidden()) && (await meterState()).text !== firstMeter.text, 15_000);
    expect(await percent()).toBeLessThan(15); // ~2,200 of 20,000
    await snap("inline-thread");

    await openPicker("half-open");
    await page.keyboard.press("Enter");
    await waitFor("back on the first thread", async () => squash(await threadButton().innerText()).includes(FIRST_PROMPT), 30_000);
    await waitFor("its meter again", async () => (await meterState()).level === firstMeter.level, 15_000);
    expect(await turnEnds().count()).toBe(5);
  });
});
