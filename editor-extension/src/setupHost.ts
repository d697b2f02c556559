/**
 * The VS Code side of the provider setup (src/setup.ts): the `tandem.openSetup` command, the
 * settings writer (user settings; the key never goes there, it goes to SecretStorage), the
 * walkthrough's context keys, and the connection state reaching the chat page.
 */
import * as vscode from "vscode";
import type { TandemClient } from "./client";
import type { NotificationRouter } from "./notifications";
import type { TandemRpc } from "./rpc/connection";
import type { ProviderKeys } from "./secrets";
import { SetupController } from "./setup";
import type { TandemSettings } from "./settings";
import type { ProviderSettings } from "./shared/setup";
import type { HostToWebview } from "./shared/webviewMessages";

/** The command that opens the setup view (ux-feedback's "Open settings" advice leads here). */
export const SETUP_COMMAND = "tandem.openSetup";

/** Context keys the walkthrough (package.json `contributes.walkthroughs`) completes its steps on. */
export const CONTEXT_KEYS = {
  providerReady: "tandem.providerReady",
  askedFirstQuestion: "tandem.askedFirstQuestion",
} as const;

export interface SetupHostOptions {
  rpc: TandemRpc;
  client: TandemClient;
  keys: ProviderKeys;
  router: NotificationRouter;
  settings: () => TandemSettings;
  post: (message: HostToWebview) => void;
  revealChat: () => Promise<void>;
  output: vscode.OutputChannel;
  /** True while a turn runs (a restart would end it). */
  busy: () => boolean;
}

/** The provider settings out of all settings. */
export function providerSettings(settings: TandemSettings): ProviderSettings {
  return { provider: settings.provider, model: settings.model, baseUrl: settings.baseUrl, wireApi: settings.wireApi === "anthropic" ? "" : settings.wireApi };
}

/** Write the provider settings to the user's settings.json ("" removes a setting). */
async function writeProviderSettings(values: ProviderSettings): Promise<void> {
  const config = vscode.workspace.getConfiguration("tandem");
  const entries: [string, string][] = [["provider", values.provider], ["model", values.model], ["baseUrl", values.baseUrl], ["wireApi", values.wireApi]];
  for (const [key, value] of entries) {
    await config.update(key, value === "" ? undefined : value, vscode.ConfigurationTarget.Global);
  }
}

/** Build the setup controller and register what it needs in VS Code. */
export function createSetup(o: SetupHostOptions): { setup: SetupController; disposables: vscode.Disposable[] } {
  const setContext = (key: string, value: boolean) => void vscode.commands.executeCommand("setContext", key, value);
  const setup = new SetupController({
    rpc: o.rpc,
    client: o.client,
    keys: o.keys,
    settings: () => providerSettings(o.settings()),
    saveSettings: writeProviderSettings,
    post: o.post,
    busy: o.busy,
    actions: {
      revealChat: o.revealChat,
      openServerSettings: async () => {
        await vscode.commands.executeCommand("workbench.action.openSettings", "tandem.server");
      },
      showLogs: () => o.output.show(true),
      providerReady: (ready) => setContext(CONTEXT_KEYS.providerReady, ready),
    },
  });
  const log = (error: unknown) => o.output.appendLine(`[tandem] setup: ${String(error)}`);
  const disposables = [
    vscode.commands.registerCommand(SETUP_COMMAND, () => setup.open()),
    o.client.onDidChangeState(() => void setup.connectionChanged().catch(log)),
    toDisposable(
      o.router.listen((n) => {
        if (n.method === "tandem/turn/completed") setContext(CONTEXT_KEYS.askedFirstQuestion, true);
      }),
    ),
  ];
  return { setup, disposables };
}

function toDisposable(d: { dispose(): unknown } | (() => unknown)): vscode.Disposable {
  return new vscode.Disposable(() => void (typeof d === "function" ? d() : d.dispose()));
}
