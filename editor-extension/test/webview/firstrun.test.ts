/**
 * The chat page's first-run parts alone in Chromium: the provider setup view (fed `setup` /
 * `setupResult` messages) and the "Not connected" banner with Send disabled (fed `connection`),
 * checked through roles and text; what the page sends is read from window.__tandemOutbox.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ProviderStatusResult } from "../../src/protocol/generated";
import type { HostToWebview, SetupMessage } from "../../src/shared/webviewMessages";
import { clearOutbox, feed, outbox, pagesPerTest, waitForPosted } from "./browser";
import { setup as chatSetup } from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

const STATUS: ProviderStatusResult = {
  state: "missingKey", provider: "openai", providerName: "OpenAI", model: "gpt-5.5", baseUrl: "https://api.openai.com/v1",
  envKey: "OPENAI_API_KEY", keySet: false,
  error: "no model is configured: set OPENAI_API_KEY (create a key at https://platform.openai.com/api-keys)",
  presets: [
    { id: "openai", name: "OpenAI", baseUrl: "https://api.openai.com/v1", envKey: "OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5", envKeyInstructions: "create a key at https://platform.openai.com/api-keys" },
    { id: "anthropic", name: "Anthropic", baseUrl: "https://api.anthropic.com/v1", envKey: "ANTHROPIC_API_KEY", requiresKey: true, wireApi: "anthropic", defaultModel: "claude-sonnet-4-5" },
    { id: "openrouter", name: "OpenRouter", baseUrl: "https://openrouter.ai/api/v1", envKey: "OPENROUTER_API_KEY", requiresKey: true, wireApi: "chat", defaultModel: "gpt-5.5" },
    { id: "azure", name: "Azure OpenAI", baseUrl: "", envKey: "AZURE_OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5" },
    { id: "ollama", name: "Ollama", baseUrl: "http://localhost:11434/v1", requiresKey: false, wireApi: "responses", defaultModel: "gpt-5.5" },
    { id: "lmstudio", name: "LM Studio", baseUrl: "http://localhost:1234/v1", requiresKey: false, wireApi: "responses", defaultModel: "gpt-5.5" },
    { id: "vllm", name: "vLLM", baseUrl: "http://localhost:8000/v1", envKey: "VLLM_API_KEY", requiresKey: false, wireApi: "chat", defaultModel: "gpt-5.5" },
  ],
};
const required = (extra: Partial<SetupMessage> = {}): SetupMessage => ({
  type: "setup", mode: "required", status: STATUS, settings: { provider: "", model: "", baseUrl: "", wireApi: "" }, storedKeys: [], ...extra,
});

const { open, session } = pagesPerTest();

/** The setup form's Model field (the composer has a Model picker too). */
const setupModel = (page: Page) => page.getByLabel("Model", { exact: true }).and(page.locator("input"));

describe("first run: the setup view", () => {
  it("replaces the chat while required, with the presets and an OpenAI-compatible URL", async () => {
    const page = await open();
    await feed(page, [{ type: "connection", state: "running" }, required()]);
    const view = page.getByRole("region", { name: "Set up a model provider" });
    expect(await view.isVisible()).toBe(true);
    expect(await page.getByRole("textbox", { name: "Message to Tandem" }).isVisible()).toBe(false);
    expect(await page.getByRole("log", { name: "Conversation" }).isVisible()).toBe(false);
    expect(await view.locator(".setup-problem-text").innerText()).toBe("No API key for OpenAI yet (OPENAI_API_KEY).");
    const provider = page.getByLabel("Provider", { exact: true });
    expect(await provider.locator("option").allInnerTexts()).toEqual([
      "OpenAI", "Anthropic", "OpenRouter", "Azure OpenAI", "Ollama", "LM Studio", "vLLM", "OpenAI-compatible URL"]);
    expect(await provider.inputValue()).toBe("openai");
    expect(await page.getByLabel("API key (OPENAI_API_KEY)").getAttribute("type")).toBe("password");
    expect(await page.getByLabel("API key (OPENAI_API_KEY)").getAttribute("placeholder")).toBe("Required");
    expect(await setupModel(page).getAttribute("placeholder")).toBe("Default: gpt-5.5");
    expect(await page.locator("footer .pick-model").isVisible()).toBe(false); // the composer's pickers wait for the chat
    expect(await page.getByLabel("API", { exact: true }).isVisible()).toBe(false);
  });

  it("shows the fields each provider needs", async () => {
    const page = await open();
    await feed(page, [required()]);
    const provider = page.getByLabel("Provider", { exact: true });
    await provider.selectOption("ollama");
    expect(await page.locator(".setup-row").filter({ has: page.locator("input[type=password]") }).isVisible()).toBe(false);
    expect(await page.getByLabel("Base URL (optional)").getAttribute("placeholder")).toBe("http://localhost:11434/v1");
    await provider.selectOption("azure");
    expect(await page.getByLabel("Base URL", { exact: true }).getAttribute("placeholder")).toBe("https://<resource>.openai.azure.com/openai");
    expect(await page.getByLabel("API key (AZURE_OPENAI_API_KEY)").isVisible()).toBe(true);
    await provider.selectOption("compatible");
    expect(await page.getByLabel("API", { exact: true }).isVisible()).toBe(true);
    expect(await page.getByLabel("API key (OPENAI_API_KEY)").getAttribute("placeholder")).toBe("Optional");
  });

  it("Test connection and Save send the form (the key only page -> host); missing fields are said, not sent", async () => {
    const page = await open();
    await feed(page, [required()]);
    await clearOutbox(page);
    await page.getByLabel("Provider", { exact: true }).selectOption("compatible");
    await page.getByRole("button", { name: "Save" }).click();
    expect(await page.locator(".setup-result.failed").innerText()).toContain("Enter the base URL");
    expect(await outbox(page)).toEqual([]);
    await page.getByLabel("Base URL", { exact: true }).fill("http://127.0.0.1:8000/v1");
    await page.getByLabel("API", { exact: true }).selectOption("chat");
    await page.getByLabel("API key (OPENAI_API_KEY)").fill("sk-page");
    await setupModel(page).fill("qwen");
    await page.getByRole("button", { name: "Test connection" }).click();
    const values = { choice: "compatible", baseUrl: "http://127.0.0.1:8000/v1", model: "qwen", wireApi: "chat", apiKey: "sk-page" };
    expect(await waitForPosted(page, { type: "setupTest" })).toEqual({ type: "setupTest", values });
    await setupModel(page).press("Enter"); // Enter in the form saves
    expect(await waitForPosted(page, { type: "setupSave" })).toEqual({ type: "setupSave", values });
  });

  it("renders the probe's answer: models for the model field, or the error with its hint", async () => {
    const page = await open();
    await feed(page, [required(), { type: "setupResult", phase: "testing" }]);
    expect(await page.getByRole("button", { name: "Test connection" }).isDisabled()).toBe(true);
    expect(await page.getByRole("status").filter({ hasText: "Testing" }).count()).toBe(1);
    await feed(page, [{ type: "setupResult", phase: "tested", test: {
      ok: true, provider: "openai", providerName: "OpenAI", url: "https://api.openai.com/v1/models", model: "gpt-5.5", status: 200,
      models: ["gpt-5.5", "gpt-5-mini"], modelListed: true, elapsedMs: 120.4 } }]);
    const result = page.locator(".setup-result.ok");
    expect(await result.innerText()).toContain("✓ Connected to OpenAI (HTTP 200 in 120 ms).");
    expect(await result.innerText()).toContain("“gpt-5.5” is available.");
    expect(await page.locator("datalist option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(["gpt-5.5", "gpt-5-mini"]);
    await feed(page, [{ type: "setupResult", phase: "tested", test: {
      ok: false, provider: "ollama", providerName: "Ollama", url: "http://localhost:11434/v1/models", model: "gpt-5.5",
      error: "connection refused", hint: "is Ollama running? Start it with `ollama serve`" } }]);
    expect(await page.locator(".setup-result.failed p").allInnerTexts()).toEqual([
      "✗ connection refused", "Hint: is Ollama running? Start it with `ollama serve`"]);
    expect(await page.getByRole("button", { name: "Test connection" }).isDisabled()).toBe(false);
  });

  it("a stored key is kept when the field stays empty; Back to chat when opened on purpose", async () => {
    const page = await open();
    await feed(page, [...chatSetup(), required({ mode: "requested", status: { ...STATUS, state: "ready", keySet: true, error: null },
      settings: { provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: "", wireApi: "" }, storedKeys: ["ANTHROPIC_API_KEY"] })]);
    expect(await page.getByLabel("Provider", { exact: true }).inputValue()).toBe("anthropic");
    expect(await page.getByLabel("API key (ANTHROPIC_API_KEY)").getAttribute("placeholder")).toBe("Stored — leave empty to keep it");
    await clearOutbox(page);
    await page.getByRole("button", { name: "Save" }).click();
    expect((await waitForPosted(page, { type: "setupSave" })).values.apiKey).toBe("");
    await page.getByRole("button", { name: "Back to chat" }).click();
    expect(await waitForPosted(page, { type: "setupClose" })).toEqual({ type: "setupClose" });
    await feed(page, [required({ mode: "hidden", status: { ...STATUS, state: "ready" } })]);
    expect(await page.getByRole("textbox", { name: "Message to Tandem" }).isVisible()).toBe(true);
  });

  it("screenshots: light and dark, at 440 and 300 px", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const theme of ["light", "dark"] as const) {
      for (const width of [440, 300]) {
        const page = await open(theme, { width, height: 900 });
        await feed(page, [{ type: "connection", state: "running" }, required()]);
        await page.screenshot({ path: join(ARTIFACTS, `${theme}-setup-${width}.png`) });
      }
    }
    expect(session().problems).toEqual([]);
  });
});

describe("first run: not connected", () => {
  const connection = (state: "starting" | "failed" | "running", reason?: string): HostToWebview =>
    ({ type: "connection", state, ...(reason ? { reason } : {}) });

  it("disables Send with Not connected and working buttons; Enter keeps the text", async () => {
    const page = await open();
    await feed(page, [...chatSetup(), connection("failed", "the command “tandem” was not found")]);
    const banner = page.getByRole("alert");
    expect(await banner.innerText()).toContain("Not connected — the command “tandem” was not found");
    const send = page.getByRole("button", { name: "Send message" });
    expect(await send.isDisabled()).toBe(true);
    await clearOutbox(page);
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.fill("keep me");
    await box.press("Enter");
    expect(await box.inputValue()).toBe("keep me");
    expect(await outbox(page)).toEqual([]);
    for (const [name, type] of [["Open settings", "openSettings"], ["Restart", "restartServer"], ["Show log", "showLogs"]] as const) {
      await banner.getByRole("button", { name }).click();
      expect(await waitForPosted(page, { type })).toEqual({ type });
    }
    await feed(page, [connection("starting")]);
    expect(await banner.innerText()).toContain("Not connected — the Tandem server is starting…");
    expect(await send.isDisabled()).toBe(true);
    await feed(page, [connection("running")]);
    expect(await banner.isVisible()).toBe(false);
    await clearOutbox(page);
    await send.click();
    expect(await waitForPosted(page, { type: "send" })).toEqual({ type: "send", text: "keep me", mentions: [], images: [] });
  });

  it("a prompt the host could not send comes back into the composer", async () => {
    const page = await open();
    await feed(page, [...chatSetup(), { type: "restoreDraft", text: "my lost prompt", mentions: [{ path: "src/a.py" }] }]);
    expect(await page.getByRole("textbox", { name: "Message to Tandem" }).inputValue()).toBe("my lost prompt");
    expect(await page.getByRole("list", { name: "Attachments" }).innerText()).toContain("src/a.py");
  });
});
