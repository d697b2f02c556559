/**
 * The chat page alone in Chromium, issue 12 items 10 and 12–14: the thread button opens the host's
 * picker, the composer's pickers post the user's choice, the token meter's level and Compact, a
 * resumed thread's turn-end lines; screenshots at a 300 px panel (test-artifacts/webview/threads-*).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import { clearOutbox, feed, outbox, type Session, startSession } from "./browser";
import { OTHER_THREAD, setup, THREAD, THREAD_ID, TURN_DIFF } from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

let session: Session;
const pages: Page[] = [];

async function open(theme: "light" | "dark" = "dark", viewport?: { width: number; height: number }): Promise<Page> {
  const page = await session.open(theme, viewport);
  pages.push(page);
  return page;
}

const OPTIONS: HostToWebview = {
  type: "turnOptions",
  provider: "openai",
  providerName: "OpenAI",
  models: [
    { id: "gpt-5.5", displayName: "GPT-5.5", supportsReasoningEffort: true, efforts: ["minimal", "low", "medium", "high"] },
    { id: "gpt-4.1", displayName: "GPT-4.1", supportsReasoningEffort: false },
  ],
  model: "gpt-5.5",
  effort: "medium",
  efforts: ["minimal", "low", "medium", "high"],
  approvalMode: "auto",
  customApproval: null,
};

const usage = (contextTokens: number): HostToWebview => ({
  type: "notification",
  method: "tandem/thread/tokenUsage",
  params: { threadId: THREAD_ID, used: { totalTokens: 123_456, inputTokens: 120_000, outputTokens: 3_456 }, last: { totalTokens: contextTokens }, contextWindow: 272_000, contextTokens },
});

beforeAll(async () => {
  session = await startSession();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

afterAll(async () => {
  await session?.close();
});

describe("threads and turn options on the chat page", () => {
  it("the thread button names the thread after its first prompt and asks the host for the picker", async () => {
    const page = await open();
    await feed(page, setup());
    const button = page.getByRole("button", { name: /^Thread: / });
    expect(await button.innerText()).toContain(THREAD.preview);
    await clearOutbox(page);
    await button.click();
    expect(await outbox(page)).toEqual([{ type: "pickThread" }]);
    expect(await page.locator("select.thread-select").count()).toBe(0); // no native thread <select>
  });

  it("pickers: provider, model, effort (only for a model that takes one), approval mode; choices go to the host", async () => {
    const page = await open();
    await feed(page, [...setup(), OPTIONS]);
    expect(await page.locator(".composer-bar .provider").innerText()).toBe("OpenAI");
    const model = page.getByRole("combobox", { name: "Model" });
    const effort = page.getByRole("combobox", { name: "Reasoning effort" });
    const approval = page.getByRole("combobox", { name: "Approval mode" });
    expect(await model.inputValue()).toBe("gpt-5.5");
    expect(await effort.locator("option").allInnerTexts()).toEqual(["Minimal effort", "Low effort", "Medium effort", "High effort"]);
    expect(await approval.locator("option").allInnerTexts()).toEqual(["Read only", "Auto", "Full access"]);
    await clearOutbox(page);
    await effort.selectOption("high");
    await approval.selectOption("full-access");
    await model.selectOption("gpt-4.1");
    expect(await outbox(page)).toEqual([
      { type: "setTurnOption", option: "effort", value: "high" },
      { type: "setTurnOption", option: "approvalMode", value: "full-access" },
      { type: "setTurnOption", option: "model", value: "gpt-4.1" },
    ]);
    await feed(page, [{ ...OPTIONS, model: "gpt-4.1", effort: null, efforts: [], approvalMode: "full-access" } as HostToWebview]);
    expect(await effort.isHidden()).toBe(true);
    // A thread with another policy pair shows it as custom.
    await feed(page, [{ ...OPTIONS, approvalMode: null, customApproval: "untrusted, workspace-write" } as HostToWebview]);
    expect(await approval.locator("option:checked").innerText()).toBe("Custom (untrusted, workspace-write)");
  });

  it("the meter: context used of the window, amber then red with Compact, totals in the tooltip; follows thread switches", async () => {
    const page = await open();
    await feed(page, [...setup(), OPTIONS, usage(54_400)]);
    const meter = page.getByRole("meter");
    expect(await meter.innerText()).toBe("Context 20%");
    expect(await meter.getAttribute("data-level")).toBe("ok");
    expect(await meter.getAttribute("title")).toContain("This thread in total: 123,456 tokens");
    const compact = page.getByRole("button", { name: "Compact", exact: true });
    expect(await compact.isHidden()).toBe(true);
    await feed(page, [usage(200_000)]);
    expect(await meter.getAttribute("data-level")).toBe("warn");
    expect(await compact.isVisible()).toBe(true);
    await feed(page, [usage(240_000)]);
    expect(await meter.getAttribute("data-level")).toBe("full");
    expect(await meter.innerText()).toBe("Context 88%");
    await clearOutbox(page);
    await compact.click();
    expect(await outbox(page)).toEqual([{ type: "slash", command: "compact" }]);
    await feed(page, [{ type: "threadOpened", thread: OTHER_THREAD, items: [] }]);
    expect(await meter.isHidden()).toBe(true);
  });

  it("a resumed thread shows its turn-end lines, errors and diff summaries", async () => {
    const page = await open();
    await feed(page, [...setup(), {
      type: "threadOpened", thread: OTHER_THREAD,
      items: [
        { type: "userMessage", id: "item_1", content: [{ type: "text", text: "Add a CSV export" }] },
        { type: "agentMessage", id: "item_2", text: "Done." },
        { type: "userMessage", id: "item_3", content: [{ type: "text", text: "Now the tests" }] },
      ],
      turns: [
        { id: "u1", status: "completed", usage: { totalTokens: 9_000 }, itemIds: ["item_1", "item_2"], diff: TURN_DIFF },
        { id: "u2", status: "failed", error: { message: "HTTP 400 from the model provider" }, itemIds: ["item_3"], diff: "" },
      ],
    }]);
    const ends = page.locator("section.turn-end");
    expect(await ends.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["status"]))).toEqual(["completed", "failed"]);
    expect(await ends.first().locator(".turn-diff-head").innerText()).toMatch(/^2 files changed/);
    expect(await ends.nth(1).innerText()).toContain("HTTP 400 from the model provider");
    expect(session.problems).toEqual([]);
  });

  it("screenshots: the composer's row at a 300 px panel, light and dark", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const theme of ["light", "dark"] as const) {
      const page = await open(theme, { width: 300, height: 700 });
      await page.emulateMedia({ colorScheme: theme });
      await feed(page, [...setup(), OPTIONS, usage(236_000)]);
      const composer = page.locator("footer.composer");
      expect(await composer.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `threads-composer-300-${theme}.png`) });
    }
  });
});
