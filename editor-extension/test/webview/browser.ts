/** Chromium for the page tests: Debian's /usr/bin/chromium driven by playwright-core, fresh profile. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { HostToWebview, WebviewToHost } from "../../src/shared/webviewMessages";
import { type Harness, startHarness } from "./harness";
import type { ThemeName } from "./themes";

export const CHROMIUM = process.env["TANDEM_CHROMIUM"] ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function waitForChromium(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM} did not appear (apt-get install chromium)`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

export interface Session {
  context: BrowserContext;
  harness: Harness;
  /** Console errors, CSP violations and uncaught exceptions of every page opened. */
  problems: string[];
  open(theme: ThemeName, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startSession(): Promise<Session> {
  execFileSync(process.execPath, [join(ROOT, "test", "webview", "build.mjs")], { cwd: ROOT, stdio: "pipe" });
  const harness = await startHarness(join(ROOT, "test-artifacts", "webview-build"));
  await waitForChromium(10 * 60_000);
  const profile = mkdtempSync(join(tmpdir(), "tandem-webview-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
    viewport: { width: 440, height: 900 },
    deviceScaleFactor: 1,
  });
  const problems: string[] = [];
  return {
    context,
    harness,
    problems,
    async open(theme, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.on("console", (msg) => {
        if (msg.type() === "error" || msg.type() === "warning") problems.push(`${theme} console.${msg.type()}: ${msg.text()}`);
      });
      page.on("pageerror", (err) => problems.push(`${theme} page error: ${err.message}`));
      await page.goto(`${harness.url}/?theme=${theme}`);
      await page.waitForFunction(() => document.documentElement.dataset["tandemReady"] === "true");
      return page;
    },
    async close() {
      await context.close();
      await harness.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Posts host messages to the page and waits until they are handled and rendered. */
export async function feed(page: Page, messages: HostToWebview[]): Promise<void> {
  await page.evaluate(async (msgs) => {
    const probe = "__tandem_test_probe__";
    const seen = new Promise<void>((resolve) => {
      const listener = (e: MessageEvent): void => {
        if ((e.data as { type?: unknown } | null)?.type === probe) {
          window.removeEventListener("message", listener);
          resolve();
        }
      };
      window.addEventListener("message", listener);
    });
    for (const m of msgs) window.postMessage(m, "*");
    window.postMessage({ type: probe }, "*");
    await seen;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, messages);
}

/** What the page has posted to the host so far. */
export async function outbox(page: Page): Promise<WebviewToHost[]> {
  return page.evaluate(() => (window as unknown as { __tandemOutbox?: WebviewToHost[] }).__tandemOutbox ?? []);
}

/** Waits until the page posts a message with (at least) the fields of `partial`, and returns it. */
export async function waitForPosted<T extends WebviewToHost["type"]>(page: Page, partial: { type: T } & Record<string, unknown>,
  timeoutMs = 5_000): Promise<Extract<WebviewToHost, { type: T }>> {
  const handle = await page.waitForFunction((p) => {
    const box = (window as unknown as { __tandemOutbox?: Record<string, unknown>[] }).__tandemOutbox ?? [];
    return box.find((m) => Object.entries(p).every(([k, v]) => JSON.stringify(m[k]) === JSON.stringify(v))) ?? null;
  }, partial, { timeout: timeoutMs });
  return (await handle.jsonValue()) as Extract<WebviewToHost, { type: T }>;
}

export async function clearOutbox(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __tandemOutbox?: unknown[] };
    w.__tandemOutbox?.splice(0);
  });
}

/**
 * For one test file: a browser session started before its tests and closed after them, and `open`
 * (a page of the chat in `theme`, default dark), whose pages are closed after each test.
 */
export function pagesPerTest(): {
  open: (theme?: ThemeName, viewport?: { width: number; height: number }) => Promise<Page>;
  session: () => Session;
} {
  let current: Session | undefined;
  const pages: Page[] = [];
  const session = (): Session => {
    if (!current) throw new Error("the browser session has not started (pagesPerTest: use it inside tests)");
    return current;
  };
  beforeAll(async () => {
    current = await startSession();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });
  afterAll(async () => {
    await current?.close();
  });
  return {
    session,
    open: async (theme = "dark", viewport) => {
      const page = await session().open(theme, viewport);
      pages.push(page);
      return page;
    },
  };
}
