import { beforeEach, describe, expect, it } from "vitest";
import type { ProviderStatusResult, ProviderTestResult } from "../../src/protocol/generated";
import type { TandemRpc } from "../../src/rpc/connection";
import { ProviderKeys, type SecretStoreLike } from "../../src/secrets";
import type { ConnectionState } from "../../src/serverFailure";
import { isSetupIntent, SetupController, type SetupClient } from "../../src/setup";
import { COMPATIBLE, type ProviderSettings, type SetupValues } from "../../src/shared/setup";
import type { HostToWebview, SetupMessage } from "../../src/shared/webviewMessages";

const KEY = "sk-unit-0123456789-secret";
const PRESETS: ProviderStatusResult["presets"] = [
  { id: "openai", name: "OpenAI", baseUrl: "https://api.openai.com/v1", envKey: "OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5" },
  { id: "anthropic", name: "Anthropic", baseUrl: "https://api.anthropic.com/v1", envKey: "ANTHROPIC_API_KEY", requiresKey: true, wireApi: "anthropic", defaultModel: "claude-sonnet-4-5" },
  { id: "azure", name: "Azure OpenAI", baseUrl: "", envKey: "AZURE_OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5" },
  { id: "ollama", name: "Ollama", baseUrl: "http://localhost:11434/v1", wireApi: "responses", defaultModel: "gpt-5.5" },
];
const missing: ProviderStatusResult = {
  state: "missingKey", provider: "openai", providerName: "OpenAI", model: "gpt-5.5", envKey: "OPENAI_API_KEY", keySet: false,
  error: "no model is configured: set OPENAI_API_KEY", presets: PRESETS,
};
const ready: ProviderStatusResult = { ...missing, state: "ready", keySet: true, error: null };
const tested: ProviderTestResult = { ok: true, provider: "openai", providerName: "OpenAI", url: "http://127.0.0.1:9/v1/models", model: "m", status: 200, models: ["m"], modelListed: true };

class FakeSecrets implements SecretStoreLike {
  data = new Map<string, string>();
  async get(key: string) { return this.data.get(key); }
  async store(key: string, value: string) { this.data.set(key, value); }
  async delete(key: string) { this.data.delete(key); }
}

class FakeClient implements SetupClient {
  state: ConnectionState = "running";
  failureReason: string | undefined;
  env: Record<string, string> = {};
  restarts: Record<string, string>[] = [];
  onRestart: () => void = () => undefined;
  async restart(overlay: Record<string, string> = {}) {
    this.restarts.push(overlay);
    this.env = { ...overlay };
    this.onRestart();
  }
  startedWith(name: string, value: string) { return this.env[name] === value; }
}

describe("SetupController", () => {
  let posted: HostToWebview[];
  let requests: { method: string; params: unknown }[];
  let statuses: ProviderStatusResult[];
  let client: FakeClient;
  let secrets: FakeSecrets;
  let saved: ProviderSettings[];
  let readyFlags: boolean[];
  let actions: string[];
  let controller: SetupController;

  const setups = () => posted.filter((m): m is SetupMessage => m.type === "setup");
  const results = () => posted.filter((m) => m.type === "setupResult");

  beforeEach(() => {
    posted = [];
    requests = [];
    statuses = [missing];
    client = new FakeClient();
    secrets = new FakeSecrets();
    saved = [];
    readyFlags = [];
    actions = [];
    const rpc = {
      request: async (method: string, params: unknown) => {
        requests.push({ method, params });
        if (method === "tandem/provider/status") return statuses.length > 1 ? statuses.shift() : statuses[0];
        if (method === "tandem/provider/test") return tested;
        throw new Error(`unexpected ${method}`);
      },
      executeCommand: async () => undefined,
    } as unknown as TandemRpc;
    controller = new SetupController({
      rpc,
      client,
      keys: new ProviderKeys(secrets),
      settings: () => saved.at(-1) ?? { provider: "", model: "", baseUrl: "", wireApi: "" },
      saveSettings: async (s) => void saved.push(s),
      post: (m) => posted.push(m),
      actions: {
        revealChat: async () => void actions.push("reveal"),
        openServerSettings: async () => void actions.push("settings"),
        showLogs: () => void actions.push("logs"),
        providerReady: (r) => void readyFlags.push(r),
      },
    });
  });

  const compatible = (apiKey = KEY): SetupValues => ({ choice: COMPATIBLE, baseUrl: "http://127.0.0.1:9/v1", model: "m", wireApi: "chat", apiKey });

  it("a provider without its key shows the setup view (required), with the connection first", async () => {
    await controller.pageReady();
    expect(posted[0]).toEqual({ type: "connection", state: "running" });
    expect(setups().at(-1)).toMatchObject({ mode: "required", status: missing, storedKeys: [] });
    expect(readyFlags).toEqual([false]);
    expect(controller.ready()).toBe(false);
  });

  it("a ready provider hides it; tandem.openSetup shows it (requested) until closed", async () => {
    statuses = [ready];
    await controller.refresh();
    expect(setups().at(-1)?.mode).toBe("hidden");
    await controller.open();
    expect(actions).toEqual(["reveal"]);
    expect(setups().at(-1)?.mode).toBe("requested");
    await controller.handle({ type: "setupClose" });
    expect(setups().at(-1)?.mode).toBe("hidden");
  });

  it("Test connection restarts the server with the typed key (for that start only) and probes without sending it", async () => {
    await controller.refresh();
    statuses = [ready]; // the restarted server has OPENAI_API_KEY: the view must stay up anyway
    client.onRestart = () => void controller.connectionChanged();
    await controller.handle({ type: "setupTest", values: compatible() });
    expect(client.restarts).toEqual([{ OPENAI_API_KEY: KEY }]);
    const probe = requests.find((r) => r.method === "tandem/provider/test");
    expect(probe?.params).toEqual({ provider: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "m", wireApi: "chat" });
    expect(results().map((r) => r.phase)).toEqual(["testing", "tested"]);
    expect(setups().at(-1)?.mode).toBe("required");
    expect(await secrets.get("tandem.providerKeys")).toBeUndefined(); // nothing stored before Save
    // The same key again: the running server has it, no restart.
    await controller.handle({ type: "setupTest", values: compatible() });
    expect(client.restarts).toHaveLength(1);
    expect(JSON.stringify(posted)).not.toContain(KEY);
  });

  it("Save stores the key in SecretStorage, the rest in the settings, restarts, and goes back to the chat", async () => {
    await controller.refresh();
    statuses = [ready];
    await controller.handle({ type: "setupSave", values: compatible() });
    expect(JSON.parse((await secrets.get("tandem.providerKeys"))!)).toEqual({ OPENAI_API_KEY: KEY });
    expect(saved).toEqual([{ provider: "openai", model: "m", baseUrl: "http://127.0.0.1:9/v1", wireApi: "chat" }]);
    expect(client.restarts).toEqual([{}]); // the stored key now comes from SecretStorage
    expect(results().map((r) => r.phase)).toEqual(["saving", "saved"]);
    expect(setups().at(-1)).toMatchObject({ mode: "hidden", storedKeys: ["OPENAI_API_KEY"] });
    expect(readyFlags.at(-1)).toBe(true);
    expect(JSON.stringify(saved)).not.toContain(KEY);
    expect(JSON.stringify(posted)).not.toContain(KEY);
    expect(controller.isSaving()).toBe(false);
  });

  it("Save that does not make the provider ready keeps the view and says why", async () => {
    await controller.refresh();
    await controller.handle({ type: "setupSave", values: { choice: "openai", baseUrl: "", model: "", wireApi: "", apiKey: "typo" } });
    expect(results().at(-1)).toMatchObject({ phase: "failed", message: missing.error });
    expect(setups().at(-1)?.mode).toBe("required");
  });

  it("refuses what cannot work before touching anything: Azure without its URL, a required key never given", async () => {
    await controller.refresh();
    await controller.handle({ type: "setupSave", values: { choice: "azure", baseUrl: "", model: "", wireApi: "", apiKey: KEY } });
    expect(results().at(-1)).toMatchObject({ phase: "failed", message: expect.stringContaining("base URL") });
    await controller.handle({ type: "setupSave", values: { choice: "anthropic", baseUrl: "", model: "", wireApi: "", apiKey: "" } });
    expect(results().at(-1)).toMatchObject({ phase: "failed", message: expect.stringContaining("ANTHROPIC_API_KEY") });
    expect(saved).toEqual([]);
    expect(client.restarts).toEqual([]);
  });

  it("a server that is not running: no status request, and Test says why", async () => {
    client.state = "failed";
    client.failureReason = "the command “tandem” was not found";
    await controller.pageReady();
    expect(posted[0]).toEqual({ type: "connection", state: "failed", reason: "the command “tandem” was not found" });
    expect(requests).toEqual([]);
    await controller.handle({ type: "setupTest", values: compatible("") });
    expect(results().at(-1)).toMatchObject({ phase: "failed", message: "The Tandem server is not running: the command “tandem” was not found." });
  });

  it("does not restart the server under a running turn", async () => {
    const busy = new SetupController({
      rpc: { request: async () => missing, executeCommand: async () => undefined } as unknown as TandemRpc,
      client, keys: new ProviderKeys(secrets), settings: () => ({ provider: "", model: "", baseUrl: "", wireApi: "" }),
      saveSettings: async (s) => void saved.push(s), post: (m) => posted.push(m), busy: () => true,
      actions: { revealChat: async () => undefined, openServerSettings: async () => undefined, showLogs: () => undefined, providerReady: () => undefined },
    });
    await busy.refresh();
    await busy.handle({ type: "setupTest", values: compatible() });
    await busy.handle({ type: "setupSave", values: compatible() });
    expect(results().map((r) => r.phase)).toEqual(["failed", "failed"]);
    expect(client.restarts).toEqual([]);
    expect(saved).toEqual([]);
  });

  it("the banner's buttons: Open settings, Restart, Show log", async () => {
    await controller.handle({ type: "openSettings" });
    await controller.handle({ type: "restartServer" });
    await controller.handle({ type: "showLogs" });
    expect(actions).toEqual(["settings", "logs"]);
    expect(client.restarts).toEqual([{}]);
    expect(isSetupIntent({ type: "restartServer" })).toBe(true);
    expect(isSetupIntent({ type: "send", text: "x", mentions: [], images: [] })).toBe(false);
  });
});
