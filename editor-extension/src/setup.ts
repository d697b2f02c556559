/**
 * The provider setup view's host side, without `vscode`: asks the server whether its provider is
 * usable (`tandem/provider/status`), shows the setup view in the chat panel until it is (or while the
 * user asked for it: `tandem.openSetup`), tests a provider with the server's probe
 * (`tandem/provider/test`), and saves — the key into SecretStorage (secrets.ts), the rest into the
 * settings (`tandem.provider`, `tandem.model`, `tandem.baseUrl`, `tandem.wireApi`) — then restarts the
 * server with the new environment and command line.
 *
 * The server reads keys only from its environment, so testing a key that is not the one the running
 * server has restarts the server with it (for that start only; nothing is stored before Save).
 * The setup view's messages and the "Not connected" banner's buttons are handled here too.
 */
import type { ConnectionState } from "./serverFailure";
import type { TandemRpc } from "./rpc/connection";
import { errorMessage } from "./rpc/connection";
import type { ProviderStatusResult } from "./protocol/generated";
import type { ProviderKeys } from "./secrets";
import {
  keyVarFor,
  settingsFromValues,
  validateSetup,
  type ProviderSettings,
  type SetupValues,
} from "./shared/setup";
import type { HostToWebview, SetupMessage, WebviewToHost } from "./shared/webviewMessages";

/** The server connection, as far as the setup needs it (client.ts's `TandemClient`). */
export interface SetupClient {
  readonly state: ConnectionState;
  readonly failureReason: string | undefined;
  restart(overlay?: Record<string, string>): Promise<void>;
  startedWith(name: string, value: string): boolean;
}

export interface SetupDeps {
  rpc: TandemRpc;
  client: SetupClient;
  keys: ProviderKeys;
  /** The provider settings as they are now. */
  settings: () => ProviderSettings;
  /** Write the provider settings (user scope); "" removes a setting. */
  saveSettings: (settings: ProviderSettings) => Promise<void>;
  /** Post to the chat page. */
  post: (message: HostToWebview) => void;
  /** True while a turn runs: a restart (testing a new key, saving) would end it. */
  busy?: () => boolean;
  /** Editor actions of the banner and the walkthrough. */
  actions: {
    revealChat(): Promise<void>;
    openServerSettings(): Promise<void>;
    showLogs(): void;
    /** Tell VS Code whether a provider is ready (the walkthrough's first step completes on it). */
    providerReady(ready: boolean): void;
  };
}

const BUSY = "A turn is running: saving (or testing a new key) restarts the server and would stop it. Try again when it ends.";

/** Webview messages this controller answers. */
const SETUP_INTENTS = new Set<WebviewToHost["type"]>([
  "setupTest", "setupSave", "setupClose", "openSetup", "openSettings", "restartServer", "showLogs",
]);

/** Whether `message` is for the setup controller (the rest goes to the chat controller). */
export function isSetupIntent(message: WebviewToHost): boolean {
  return SETUP_INTENTS.has(message.type);
}

export class SetupController {
  private status: ProviderStatusResult | null = null;
  /**
   * Whether the view stays up: `required` once the provider was found unusable (until a Save makes
   * it ready — a Test that restarts the server with a key must not take the form away), `requested`
   * when the user opened it; `no` shows it only while the provider is unusable.
   */
  private shown: "no" | "required" | "requested" = "no";
  private saving = false;

  constructor(private readonly deps: SetupDeps) {}

  /** The last `tandem/provider/status` answer (null until the server answered one). */
  get providerStatus(): ProviderStatusResult | null {
    return this.status;
  }

  /** True while Save writes settings and restarts the server (no "restart to apply?" prompt then). */
  isSaving(): boolean {
    return this.saving;
  }

  /** Whether the chat is usable: the server runs and its provider is ready. */
  ready(): boolean {
    return this.deps.client.state === "running" && this.status?.state === "ready";
  }

  /** The page (re)loaded: send the connection and the setup state. */
  async pageReady(): Promise<void> {
    this.postConnection();
    await this.refresh();
  }

  /** The connection changed: tell the page; once running, ask the server about its provider. */
  async connectionChanged(): Promise<void> {
    this.postConnection();
    if (this.deps.client.state === "running") await this.refresh();
  }

  /** Ask the server for its provider's state and show the setup view if it is not usable. */
  async refresh(): Promise<void> {
    if (this.deps.client.state === "running") {
      try {
        this.status = await this.deps.rpc.request("tandem/provider/status", {});
      } catch {
        this.status = null; // an older server without the request: no setup view
      }
    }
    this.deps.actions.providerReady(this.status?.state === "ready");
    await this.postSetup();
  }

  /** `tandem.openSetup`: reveal the chat and show the setup view (also when a provider is ready). */
  async open(): Promise<void> {
    this.shown = "requested";
    await this.deps.actions.revealChat();
    await this.refresh();
  }

  /** Handle one setup or banner message from the page; failures are shown in the view, never thrown. */
  async handle(message: WebviewToHost): Promise<void> {
    try {
      switch (message.type) {
        case "setupTest":
          return await this.test(message.values);
        case "setupSave":
          return await this.save(message.values);
        case "setupClose":
          if (this.status?.state === "ready") this.shown = "no";
          return await this.postSetup();
        case "openSetup":
          return await this.open();
        case "openSettings":
          return await this.deps.actions.openServerSettings();
        case "restartServer":
          return await this.deps.client.restart();
        case "showLogs":
          return this.deps.actions.showLogs();
        default:
          return;
      }
    } catch (error) {
      this.deps.post({ type: "setupResult", phase: "failed", message: errorMessage(error) });
    }
  }

  /** Test connection: the server's probe with these values (and, if one was typed, this key). */
  async test(values: SetupValues): Promise<void> {
    const presets = this.status?.presets ?? [];
    const problem = validateSetup(values, presets, true);
    if (problem) {
      this.deps.post({ type: "setupResult", phase: "failed", message: problem });
      return;
    }
    const keyVar = keyVarFor(values.choice, presets);
    const key = values.apiKey.trim();
    const restart = Boolean(key && keyVar && !this.deps.client.startedWith(keyVar, key));
    if (restart && this.deps.busy?.()) {
      this.deps.post({ type: "setupResult", phase: "failed", message: BUSY });
      return;
    }
    this.deps.post({ type: "setupResult", phase: "testing" });
    if (restart && keyVar) {
      await this.deps.client.restart({ [keyVar]: key }); // the server reads keys from its environment only
    }
    if (this.deps.client.state !== "running") {
      this.deps.post({ type: "setupResult", phase: "failed", message: this.notRunning() });
      return;
    }
    const s = settingsFromValues(values);
    const test = await this.deps.rpc.request("tandem/provider/test", {
      provider: s.provider,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      ...(s.model ? { model: s.model } : {}),
      ...(s.wireApi ? { wireApi: s.wireApi } : {}),
    });
    this.deps.post({ type: "setupResult", phase: "tested", test });
  }

  /** Save: the key into SecretStorage, the rest into the settings; restart; back to the chat once ready. */
  async save(values: SetupValues): Promise<void> {
    const presets = this.status?.presets ?? [];
    const keyVar = keyVarFor(values.choice, presets);
    const stored = keyVar ? (await this.deps.keys.names()).includes(keyVar) : false;
    const problem = validateSetup(values, presets, stored);
    if (problem) {
      this.deps.post({ type: "setupResult", phase: "failed", message: problem });
      return;
    }
    if (this.deps.busy?.()) {
      this.deps.post({ type: "setupResult", phase: "failed", message: BUSY });
      return;
    }
    this.deps.post({ type: "setupResult", phase: "saving" });
    this.saving = true;
    try {
      const key = values.apiKey.trim();
      if (key && keyVar) await this.deps.keys.set(keyVar, key);
      await this.deps.saveSettings(settingsFromValues(values));
      await this.deps.client.restart();
    } finally {
      this.saving = false;
    }
    if (this.deps.client.state !== "running") {
      this.deps.post({ type: "setupResult", phase: "failed", message: this.notRunning() });
      return;
    }
    this.status = await this.deps.rpc.request("tandem/provider/status", {});
    if (this.status.state !== "ready") {
      this.deps.post({ type: "setupResult", phase: "failed", message: this.status.error ?? "The provider is not ready yet." });
      await this.postSetup();
      return;
    }
    this.shown = "no";
    this.deps.actions.providerReady(true);
    this.deps.post({ type: "setupResult", phase: "saved" });
    await this.postSetup();
  }

  private notRunning(): string {
    const reason = this.deps.client.failureReason;
    return `The Tandem server is not running${reason ? `: ${reason}` : ""}.`;
  }

  private postConnection(): void {
    const { state, failureReason } = this.deps.client;
    this.deps.post({ type: "connection", state, ...(state === "failed" && failureReason ? { reason: failureReason } : {}) });
  }

  private async postSetup(): Promise<void> {
    const notReady = this.status !== null && this.status.state !== "ready";
    if (notReady && this.shown === "no") this.shown = "required";
    const mode: SetupMessage["mode"] = this.shown === "no" ? "hidden" : this.shown;
    this.deps.post({
      type: "setup",
      mode,
      status: this.status,
      settings: this.deps.settings(),
      storedKeys: await this.deps.keys.names(),
    });
  }
}
