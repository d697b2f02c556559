import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ProviderKeys, SECRET_KEY, type SecretStoreLike } from "../../src/secrets";
import { CrashBudget, describeStartFailure, OutputTail, startFailureMessage } from "../../src/serverFailure";
import { readSettings, RESTART_KEYS, serverCommandLine } from "../../src/settings";
import {
  COMPATIBLE, keyVarFor, needsBaseUrl, needsKey, settingsFromValues, validateSetup, valuesFromSettings,
} from "../../src/shared/setup";
import type { ProviderPreset } from "../../src/protocol/generated";

const config = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });
const PRESETS: ProviderPreset[] = [
  { id: "openai", name: "OpenAI", baseUrl: "https://api.openai.com/v1", envKey: "OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5" },
  { id: "azure", name: "Azure OpenAI", baseUrl: "", envKey: "AZURE_OPENAI_API_KEY", requiresKey: true, wireApi: "responses", defaultModel: "gpt-5.5" },
  { id: "vllm", name: "vLLM", baseUrl: "http://localhost:8000/v1", envKey: "VLLM_API_KEY", requiresKey: false, wireApi: "chat", defaultModel: "gpt-5.5" },
  { id: "ollama", name: "Ollama", baseUrl: "http://localhost:11434/v1", wireApi: "responses", defaultModel: "gpt-5.5" },
];

describe("provider settings -> the server's command line", () => {
  it("a base URL and wire API become -c overrides of the provider (openai when none is set)", () => {
    const s = readSettings(config({ baseUrl: "http://127.0.0.1:9/v1", wireApi: "chat", model: "m" }));
    expect(serverCommandLine(s).args).toEqual([
      "lsp", "--provider", "openai", "-c", 'model_providers.openai.base_url="http://127.0.0.1:9/v1"',
      "-c", 'model_providers.openai.wire_api="chat"', "--model", "m",
    ]);
    const azure = readSettings(config({ provider: "azure", baseUrl: "https://r.openai.azure.com/openai" }));
    expect(serverCommandLine(azure).args).toEqual(["lsp", "--provider", "azure", "-c", 'model_providers.azure.base_url="https://r.openai.azure.com/openai"']);
    expect(readSettings(config({ wireApi: "soap" })).wireApi).toBe("");
    expect(RESTART_KEYS).toEqual(expect.arrayContaining(["baseUrl", "wireApi", "provider", "model"]));
  });
});

describe("setup values", () => {
  it("an OpenAI-compatible URL is the openai provider at that URL, both ways", () => {
    const values = { choice: COMPATIBLE, baseUrl: " http://h:1/v1 ", model: " m ", wireApi: "chat" as const, apiKey: "k" };
    const settings = settingsFromValues(values);
    expect(settings).toEqual({ provider: "openai", baseUrl: "http://h:1/v1", model: "m", wireApi: "chat" });
    expect(valuesFromSettings(settings, null)).toEqual({ ...values, baseUrl: "http://h:1/v1", model: "m", apiKey: "" });
    expect(settingsFromValues({ ...values, choice: "vllm" }).wireApi).toBe("");
    // Nothing set: the server's provider.
    expect(valuesFromSettings({ provider: "", model: "", baseUrl: "", wireApi: "" }, { state: "missingKey", provider: "anthropic" }).choice).toBe("anthropic");
  });

  it("knows which variable holds each key, and what each choice needs", () => {
    expect(keyVarFor(COMPATIBLE, PRESETS)).toBe("OPENAI_API_KEY");
    expect(keyVarFor("azure", PRESETS)).toBe("AZURE_OPENAI_API_KEY");
    expect(keyVarFor("ollama", PRESETS)).toBeUndefined();
    expect([needsBaseUrl(COMPATIBLE, PRESETS), needsBaseUrl("azure", PRESETS), needsBaseUrl("openai", PRESETS)]).toEqual([true, true, false]);
    expect([needsKey("openai", PRESETS), needsKey("vllm", PRESETS), needsKey(COMPATIBLE, PRESETS)]).toEqual([true, false, false]);
    const base = { baseUrl: "", model: "", wireApi: "" as const, apiKey: "" };
    expect(validateSetup({ ...base, choice: COMPATIBLE }, PRESETS, false)).toMatch(/base URL/);
    expect(validateSetup({ ...base, choice: COMPATIBLE, baseUrl: "localhost:8000" }, PRESETS, false)).toMatch(/http/);
    expect(validateSetup({ ...base, choice: COMPATIBLE, baseUrl: "http://localhost:8000/v1" }, PRESETS, false)).toBeNull();
    expect(validateSetup({ ...base, choice: "openai" }, PRESETS, false)).toMatch(/OPENAI_API_KEY/);
    expect(validateSetup({ ...base, choice: "openai" }, PRESETS, true)).toBeNull();
    expect(validateSetup({ ...base, choice: "ollama" }, PRESETS, false)).toBeNull();
  });
});

class MemorySecrets implements SecretStoreLike {
  data = new Map<string, string>();
  async get(key: string) { return this.data.get(key); }
  async store(key: string, value: string) { this.data.set(key, value); }
  async delete(key: string) { this.data.delete(key); }
}

describe("ProviderKeys", () => {
  it("keeps keys by variable in one secret; an empty value removes one; bad names are refused", async () => {
    const secrets = new MemorySecrets();
    const keys = new ProviderKeys(secrets);
    expect(await keys.environment()).toEqual({});
    await keys.set("OPENAI_API_KEY", " sk-1 ");
    await keys.set("ANTHROPIC_API_KEY", "sk-2");
    expect(await keys.environment()).toEqual({ OPENAI_API_KEY: "sk-1", ANTHROPIC_API_KEY: "sk-2" });
    expect(await keys.names()).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
    await keys.set("OPENAI_API_KEY", "");
    await keys.set("ANTHROPIC_API_KEY", "");
    expect(secrets.data.has(SECRET_KEY)).toBe(false);
    await expect(keys.set("BAD NAME", "x")).rejects.toThrow(/not an environment variable/);
    secrets.data.set(SECRET_KEY, "{not json");
    expect(await keys.environment()).toEqual({});
    secrets.data.set(SECRET_KEY, JSON.stringify({ "X Y": "1", OK: "2", N: 3 }));
    expect(await keys.environment()).toEqual({ OK: "2" });
  });
});

describe("server failures", () => {
  it("names a missing or non-executable command, else the server's last words", () => {
    const enoent = "Launching server using command tandem failed. Error: spawn tandem ENOENT";
    expect(describeStartFailure(enoent, "tandem", "ignored")).toBe("the command “tandem” was not found");
    expect(describeStartFailure(new Error("spawn /x EACCES"), "/x", undefined)).toBe("the command “/x” is not executable");
    expect(describeStartFailure(new Error("Pending response rejected"), "python", "/usr/bin/python: No module named tandem"))
      .toBe("/usr/bin/python: No module named tandem");
    expect(describeStartFailure("", "python", undefined)).toBe("it exited before answering");
    expect(startFailureMessage("the command “tandem” was not found")).toBe("Tandem's server could not start: the command “tandem” was not found.");
  });

  it("OutputTail keeps the server's stderr, not the client's own lines", () => {
    const tail = new OutputTail(3);
    tail.append("[tandem] starting: python -m tandem.cli lsp\n");
    tail.append("Traceback (most recent call last):\n  File \"x\"\nModuleNotFoundError: No module named 'tandem'\n[Error - 1:00] Connection closed\n");
    expect(tail.lastWords()).toBe("ModuleNotFoundError: No module named 'tandem'");
    tail.clear();
    expect(tail.lastWords()).toBeUndefined();
    tail.append("partial line without newline");
    expect(tail.lastWords()).toBe("partial line without newline");
  });

  it("CrashBudget allows a few restarts per window, then none", () => {
    let now = 0;
    const budget = new CrashBudget(2, 1000, () => now);
    expect([budget.allowRestart(), budget.allowRestart(), budget.allowRestart()]).toEqual([true, true, false]);
    now = 5000;
    expect(budget.allowRestart()).toBe(true);
  });
});

describe("package.json: walkthrough, icon, setup command and settings", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    icon: string;
    contributes: {
      commands: { command: string }[];
      configuration: { properties: Record<string, unknown> };
      walkthroughs: { steps: { id: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
    };
  };
  const file = (rel: string) => new URL(`../../${rel}`, import.meta.url);

  it("has a PNG icon of at least 128x128", () => {
    const png = readFileSync(file(manifest.icon));
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(width).toBeGreaterThanOrEqual(128);
    expect(height).toBeGreaterThanOrEqual(128);
  });

  it("walks through set up, open the chat, ask, review, each with its media", () => {
    const steps = manifest.contributes.walkthroughs[0]!.steps;
    expect(steps.map((s) => s.id)).toEqual(["tandem.setupProvider", "tandem.openChat", "tandem.firstQuestion", "tandem.reviewChange"]);
    for (const step of steps) expect(existsSync(file(step.media.markdown!)), step.id).toBe(true);
    expect(steps[0]!.completionEvents).toEqual(["onContext:tandem.providerReady"]);
  });

  it("contributes tandem.openSetup and the provider settings", () => {
    expect(manifest.contributes.commands.map((c) => c.command)).toContain("tandem.openSetup");
    expect(Object.keys(manifest.contributes.configuration.properties)).toEqual(expect.arrayContaining(["tandem.baseUrl", "tandem.wireApi"]));
  });
});
