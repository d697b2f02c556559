/**
 * Starting, stopping and restarting `tandem lsp` with vscode-languageclient.
 *
 * - The command line comes from the settings (settings.ts `serverCommandLine`), the process runs in
 *   the first workspace folder with `tandem.server.env` added to the environment.
 * - `experimental.tandem` is announced in `initialize` by a `StaticFeature` (rpc/capability.ts).
 * - Logs (the client's and the server's stderr) go to the "Tandem" output channel.
 *
 * A restart builds a new client (so changed settings apply) and calls `wire` again to register
 * the notification router and the approval handler on it.
 */
import * as vscode from "vscode";
import {
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type ClientCapabilities,
  type FeatureState,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from "vscode-languageclient/node";
import { fillTandemCapability } from "./rpc/capability";
import type { RequestSender } from "./rpc/connection";
import { serverCommandLine, type TandemSettings } from "./settings";

/** Announces `experimental.tandem` in the client capabilities. */
export class TandemCapabilityFeature implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    fillTandemCapability(capabilities);
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: "static" };
  }
  clear(): void {}
}

export interface TandemClientOptions {
  output: vscode.OutputChannel;
  settings: () => TandemSettings;
  /** Register handlers on a new client (before it starts); the disposables go with the client. */
  wire: (client: LanguageClient) => { dispose(): unknown }[];
  /** The server stopped (crash, restart, shutdown): pending state must be dropped. */
  onStopped: () => void;
}

/** Owns the current language client. */
export class TandemClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private wiring: { dispose(): unknown }[] = [];
  private starting: Promise<void> | undefined;
  private readonly runningEmitter = new vscode.EventEmitter<boolean>();
  /** Fires true when the server is running, false when it stopped. */
  readonly onDidChangeRunning = this.runningEmitter.event;

  constructor(private readonly options: TandemClientOptions) {}

  /** True while the server is running. */
  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** The running server's `initialize` result (undefined before it answered). */
  initializeResult(): unknown {
    return this.client?.initializeResult;
  }

  /** The current client as a request sender (waits for a start in progress; fails when stopped). */
  sender(): RequestSender {
    return {
      sendRequest: async (method, params) => {
        if (this.starting) await this.starting;
        const client = this.client;
        if (!client || !client.isRunning()) throw new Error("The Tandem server is not running. Run “Tandem: Restart Server”.");
        return client.sendRequest(method, params);
      },
    };
  }

  /** Start the server (no-op when it runs). Failures are reported to the user, not thrown. */
  start(): Promise<void> {
    if (this.client) return this.starting ?? Promise.resolve();
    const client = this.create();
    this.starting = client.start().then(
      () => undefined,
      (error: unknown) => this.reportStartFailure(error),
    ).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stop the server and forget the client. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const d of this.wiring.splice(0)) d.dispose();
    if (client) {
      try {
        if (client.needsStop()) await client.stop();
      } catch (error) {
        this.options.output.appendLine(`[tandem] stopping the server failed: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.options.onStopped();
    this.runningEmitter.fire(false);
  }

  /** Stop, then start with the current settings. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  dispose(): void {
    void this.stop();
    this.runningEmitter.dispose();
  }

  private create(): LanguageClient {
    const settings = this.options.settings();
    const { command, args } = serverCommandLine(settings);
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const serverOptions: ServerOptions = {
      command,
      args,
      options: { cwd, env: { ...process.env, ...settings.serverEnv } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: this.options.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };
    this.options.output.appendLine(`[tandem] starting: ${[command, ...args].map(quote).join(" ")}${cwd ? ` (in ${cwd})` : ""}`);
    const client = new LanguageClient("tandem", "Tandem", serverOptions, clientOptions);
    client.registerFeature(new TandemCapabilityFeature());
    this.wiring = this.options.wire(client);
    this.wiring.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) this.runningEmitter.fire(true);
        if (e.newState === State.Stopped) {
          this.options.onStopped();
          this.runningEmitter.fire(false);
        }
      }),
    );
    this.client = client;
    return client;
  }

  private async reportStartFailure(error: unknown): Promise<void> {
    const { command } = serverCommandLine(this.options.settings());
    const message = error instanceof Error ? error.message : String(error);
    this.options.output.appendLine(`[tandem] the server failed to start: ${message}`);
    const choice = await vscode.window.showErrorMessage(
      `Tandem: could not start the server (${command}): ${message}. Set “tandem.server.pythonPath” or “tandem.server.command”.`,
      "Open Settings",
      "Show Logs",
    );
    if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "tandem.server");
    if (choice === "Show Logs") this.options.output.show(true);
  }
}

function quote(arg: string): string {
  return /^[\w./:=@%+-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
