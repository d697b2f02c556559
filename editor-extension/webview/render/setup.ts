/**
 * The provider setup view: shown in place of the chat while the server's provider is not usable
 * (or when the user opened it). Provider dropdown (the server's presets plus "OpenAI-compatible
 * URL"), base URL, API (for a compatible URL), API key (a password field: the key goes to the host
 * only, which stores it in SecretStorage), model (with the models a test listed), Test connection
 * and Save. Rules about what each choice needs are in src/shared/setup.ts; the host side is
 * src/setup.ts.
 */
import type { ProviderPreset, ProviderTestResult } from "../../src/protocol/generated";
import {
  COMPATIBLE,
  COMPATIBLE_LABEL,
  keyVarFor,
  needsBaseUrl,
  needsKey,
  presetFor,
  validateSetup,
  valuesFromSettings,
  type CompatibleApi,
  type SetupValues,
} from "../../src/shared/setup";
import type { SetupMessage, SetupResultMessage, WebviewToHost } from "../../src/shared/webviewMessages";
import { h, setText, uid } from "../dom";

/** A labelled form row: label, control, optional help line. */
function row(label: HTMLElement, control: HTMLElement, help?: HTMLElement): HTMLElement {
  return h("div", { class: "setup-row" }, label, control, help ?? null);
}

export class SetupView {
  readonly el: HTMLElement;
  private readonly intro: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly problemText: HTMLElement;
  private readonly problemDetail: HTMLElement;
  private readonly problemDetails: HTMLDetailsElement;
  private readonly form: HTMLFormElement;
  private readonly provider: HTMLSelectElement;
  private readonly baseUrl: HTMLInputElement;
  private readonly baseUrlLabel: HTMLLabelElement;
  private readonly baseUrlRow: HTMLElement;
  private readonly wireApi: HTMLSelectElement;
  private readonly wireRow: HTMLElement;
  private readonly key: HTMLInputElement;
  private readonly keyLabel: HTMLLabelElement;
  private readonly keyHelp: HTMLElement;
  private readonly keyRow: HTMLElement;
  private readonly model: HTMLInputElement;
  private readonly models: HTMLDataListElement;
  private readonly testBtn: HTMLButtonElement;
  private readonly saveBtn: HTMLButtonElement;
  private readonly closeBtn: HTMLButtonElement;
  private readonly result: HTMLElement;
  private message: SetupMessage | null = null;
  private busy: "testing" | "saving" | null = null;
  /** The form was filled from a setup message; later messages keep what the user typed. */
  private filled = false;

  constructor(private readonly post: (m: WebviewToHost) => void) {
    const ids = { provider: uid("setup-provider"), url: uid("setup-url"), api: uid("setup-api"), key: uid("setup-key"),
      model: uid("setup-model"), models: uid("setup-models"), keyHelp: uid("setup-key-help") };
    this.intro = h("p", { class: "setup-intro" });
    this.problemText = h("span", { class: "setup-problem-text" });
    this.problemDetail = h("p", { class: "setup-problem-detail" });
    this.problemDetails = h("details", { class: "setup-problem-details" }, h("summary", {}, "Details"), this.problemDetail);
    this.problem = h("div", { class: "setup-problem", hidden: true }, this.problemText, this.problemDetails);
    this.provider = h("select", { id: ids.provider, class: "setup-input", name: "provider" });
    this.baseUrl = h("input", { id: ids.url, class: "setup-input", type: "url", name: "baseUrl", spellcheck: "false",
      autocomplete: "off" });
    this.baseUrlLabel = h("label", { for: ids.url }, "Base URL");
    this.baseUrlRow = row(this.baseUrlLabel, this.baseUrl);
    this.wireApi = h("select", { id: ids.api, class: "setup-input", name: "wireApi" },
      h("option", { value: "" }, "Responses API (/responses)"),
      h("option", { value: "chat" }, "Chat Completions (/chat/completions)"));
    this.wireRow = row(h("label", { for: ids.api }, "API"), this.wireApi);
    this.key = h("input", { id: ids.key, class: "setup-input", type: "password", name: "apiKey", autocomplete: "off",
      spellcheck: "false", "aria-describedby": ids.keyHelp });
    this.keyLabel = h("label", { for: ids.key }, "API key");
    this.keyHelp = h("p", { id: ids.keyHelp, class: "setup-help" });
    this.keyRow = row(this.keyLabel, this.key, this.keyHelp);
    this.models = h("datalist", { id: ids.models });
    this.model = h("input", { id: ids.model, class: "setup-input", type: "text", name: "model", list: ids.models,
      spellcheck: "false", autocomplete: "off" });
    this.testBtn = h("button", { class: "secondary", type: "button", onclick: () => this.submit("setupTest") }, "Test connection");
    this.saveBtn = h("button", { class: "primary", type: "submit" }, "Save");
    this.closeBtn = h("button", { class: "secondary", type: "button", hidden: true, onclick: () => this.post({ type: "setupClose" }) },
      "Back to chat");
    this.result = h("div", { class: "setup-result", role: "status", "aria-live": "polite" });
    this.form = h("form", { class: "setup-form", "aria-label": "Model provider", novalidate: true },
      row(h("label", { for: ids.provider }, "Provider"), this.provider),
      this.baseUrlRow,
      this.wireRow,
      this.keyRow,
      row(h("label", { for: ids.model }, "Model"), this.model, this.models),
      h("div", { class: "setup-actions" }, this.testBtn, this.saveBtn, h("span", { class: "spacer" }), this.closeBtn),
      this.result,
      h("p", { class: "setup-note" }, "The key is kept in VS Code's secret storage and given to the Tandem server in its environment; it is never written to settings.json or a log."));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit("setupSave");
    });
    this.provider.addEventListener("change", () => {
      this.baseUrl.value = "";
      this.models.replaceChildren();
      this.clearResult();
      this.layout();
    });
    this.el = h("section", { class: "setup", "aria-label": "Set up a model provider", hidden: true },
      h("h2", { class: "setup-title" }, "Set up a model provider"),
      this.intro, this.problem, this.form);
  }

  /** Whether the view is showing (instead of the chat). */
  get visible(): boolean {
    return !this.el.hidden;
  }

  /** The host's setup state. */
  update(message: SetupMessage): void {
    const first = !this.filled || this.message?.mode === "hidden";
    this.message = message;
    this.el.hidden = message.mode === "hidden";
    if (this.el.hidden) {
      this.filled = false;
      return;
    }
    const presets = message.status?.presets ?? [];
    this.fillProviders(presets, message);
    if (first && presets.length > 0) {
      const values = valuesFromSettings(message.settings, message.status);
      this.provider.value = values.choice;
      this.baseUrl.value = values.baseUrl;
      this.wireApi.value = values.wireApi;
      this.model.value = values.model;
      this.key.value = "";
      this.filled = true;
      this.clearResult();
    }
    const status = message.status;
    setText(this.intro, message.mode === "required"
      ? "Tandem needs a model provider before your first prompt. Pick one, paste its API key, and save."
      : "Change the model provider Tandem's server uses.");
    const summary = status === null
      ? "The Tandem server is not running: start it to set up a provider."
      : status.state === "missingKey"
        ? `No API key for ${status.providerName ?? status.provider ?? "the provider"} yet${status.envKey ? ` (${status.envKey})` : ""}.`
        : status.state === "configError" ? "The server's configuration cannot be used as it is." : "";
    setText(this.problemText, summary);
    setText(this.problemDetail, status?.error ?? "");
    this.problemDetails.hidden = !status?.error;
    this.problem.hidden = summary === "";
    this.closeBtn.hidden = !(message.mode === "requested" && status?.state === "ready");
    this.layout();
  }

  /** Progress or outcome of Test connection / Save. */
  showResult(message: SetupResultMessage): void {
    this.busy = message.phase === "testing" || message.phase === "saving" ? message.phase : null;
    this.testBtn.disabled = this.busy !== null;
    this.saveBtn.disabled = this.busy !== null;
    this.result.className = `setup-result ${message.phase}`;
    if (message.phase === "testing") return setText(this.result, "Testing the connection…");
    if (message.phase === "saving") return setText(this.result, "Saving and restarting the Tandem server…");
    if (message.phase === "saved") {
      this.key.value = "";
      return setText(this.result, "Saved. The chat is ready.");
    }
    if (message.phase === "failed") return setText(this.result, message.message ?? "That did not work.");
    if (message.test) this.showTest(message.test);
  }

  /** What the form holds now. */
  values(): SetupValues {
    return {
      choice: this.provider.value,
      baseUrl: this.baseUrl.value,
      model: this.model.value,
      wireApi: this.wireApi.value as CompatibleApi,
      apiKey: this.key.value,
    };
  }

  private submit(type: "setupTest" | "setupSave"): void {
    const presets = this.message?.status?.presets ?? [];
    const values = this.values();
    const problem = validateSetup(values, presets, type === "setupTest" || this.keyKnown(values.choice));
    if (problem) {
      this.showResult({ type: "setupResult", phase: "failed", message: problem });
      return;
    }
    this.post({ type, values });
  }

  private keyKnown(choice: string): boolean {
    const m = this.message;
    if (!m) return false;
    const keyVar = keyVarFor(choice, m.status?.presets ?? []);
    if (!keyVar) return true;
    return m.storedKeys.includes(keyVar) || (m.status?.envKey === keyVar && m.status.keySet === true);
  }

  private fillProviders(presets: readonly ProviderPreset[], message: SetupMessage): void {
    const chosen = this.provider.value;
    const options = presets.map((p) => h("option", { value: p.id }, p.name));
    options.push(h("option", { value: COMPATIBLE }, COMPATIBLE_LABEL));
    const current = message.settings.provider || message.status?.provider;
    if (current && !presets.some((p) => p.id === current)) {
      options.push(h("option", { value: current }, `${message.status?.providerName ?? current} (config.toml)`));
    }
    const signature = options.map((o) => o.value).join("|");
    if (this.provider.dataset["options"] !== signature) {
      this.provider.replaceChildren(...options);
      this.provider.dataset["options"] = signature;
      if (chosen) this.provider.value = chosen;
    }
  }

  /** Show the fields the chosen provider needs. */
  private layout(): void {
    const presets = this.message?.status?.presets ?? [];
    const choice = this.provider.value;
    const preset = presetFor(choice, presets);
    const urlRequired = needsBaseUrl(choice, presets);
    setText(this.baseUrlLabel, urlRequired ? "Base URL" : "Base URL (optional)");
    this.baseUrl.placeholder = choice === COMPATIBLE
      ? "http://localhost:8000/v1"
      : preset?.id === "azure" ? "https://<resource>.openai.azure.com/openai" : preset?.baseUrl ?? "";
    this.baseUrl.required = urlRequired;
    this.wireRow.hidden = choice !== COMPATIBLE;
    const keyVar = keyVarFor(choice, presets);
    this.keyRow.hidden = keyVar === undefined;
    setText(this.keyLabel, keyVar ? `API key (${keyVar})` : "API key");
    const required = needsKey(choice, presets);
    const stored = keyVar !== undefined && (this.message?.storedKeys.includes(keyVar) ?? false);
    const inServer = keyVar !== undefined && this.message?.status?.envKey === keyVar && this.message.status.keySet === true;
    this.key.placeholder = stored
      ? "Stored — leave empty to keep it"
      : inServer ? "Set in the server's environment — leave empty to keep it" : required ? "Required" : "Optional";
    setText(this.keyHelp, preset?.envKeyInstructions && choice !== COMPATIBLE ? `To get one: ${preset.envKeyInstructions}.` : "");
    this.keyHelp.hidden = this.keyHelp.textContent === "";
    this.model.placeholder = preset?.defaultModel && choice !== COMPATIBLE ? `Default: ${preset.defaultModel}` : "e.g. the model the server lists";
  }

  private clearResult(): void {
    this.result.className = "setup-result";
    setText(this.result, "");
  }

  private showTest(test: ProviderTestResult): void {
    if (test.models && test.models.length > 0) {
      this.models.replaceChildren(...test.models.slice(0, 200).map((id) => h("option", { value: id })));
    }
    const lines: (string | null)[] = [];
    if (test.ok) {
      const ms = test.elapsedMs ? ` in ${Math.round(test.elapsedMs)} ms` : "";
      const where = this.provider.value === COMPATIBLE ? test.url.replace(/\/models(\?.*)?$/, "") : test.providerName;
      lines.push(`✓ Connected to ${where} (HTTP ${test.status ?? "?"}${ms}).`);
      const n = test.models?.length ?? 0;
      lines.push(n > 0 ? `${n} model${n === 1 ? "" : "s"} listed.` : "The server lists no models.");
      if (test.modelListed === true) lines.push(`“${test.model}” is available.`);
      else if (test.modelListed === false) lines.push(`“${test.model}” is not in the list: pick a listed one (some providers accept unlisted aliases).`);
    } else {
      lines.push(`✗ ${test.error ?? "The provider's API is not there."}`);
    }
    if (test.hint) lines.push(`Hint: ${test.hint}`);
    this.result.className = `setup-result ${test.ok ? "ok" : "failed"}`;
    this.result.replaceChildren(...lines.filter((l): l is string => l !== null).map((l) => h("p", {}, l)));
  }
}
