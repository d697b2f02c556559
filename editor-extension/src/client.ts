/**
 * Starting, stopping and restarting `tandem lsp` with vscode-languageclient.
 *
 * - The command line comes from the settings (settings.ts `serverCommandLine`), the process runs in
 *   the first workspace folder with `tandem.server.env` and the provider keys the setup view stored
 *   (secrets.ts; never logged) added to the environment.
 * - `experimental.tandem` is announced in `initialize` by a `StaticFeature` (rpc/capability.ts).
 * - Logs (the client's and the server's stderr) go to the "Tandem" output channel.
 * - Notifications: exactly one, ours (serverFailure.ts), when the server cannot start or stops by
 *   itself for good; vscode-languageclient's own toasts are off (its `error()` is overridden, its
 *   error handler reports every case as handled), and what it logs while we stop the server on
 *   purpose (a restart) is logged as info, not as an error.
 *
 * A restart builds a new client (so changed settings apply) and calls `wire` again to register
 * the notification router and the approval handler on it.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type ClientCapabilities,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type FeatureState,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from "vscode-languageclient/node";
import { fillTandemCapability } from "./rpc/capability";
import type { RequestSender } from "./rpc/connection";
import {
  crashMessage,
  CrashBudget,
  describeStartFailure,
  FAILURE_ACTIONS,
  OutputTail,
  startFailureMessage,
  type ConnectionState,
} from "./serverFailure";
import { serverCommandLine, type TandemSettings } from "./settings";

export type { ConnectionState } from "./serverFailure";

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

/** A LanguageClient that never shows a notification of its own (the extension shows one, actionable). */
class QuietLanguageClient extends LanguageClient {
  /** Set by the owner: true while it stops the server on purpose. */
  intentionalStop = false;

  override error(message: string, data?: unknown, _showNotification?: boolean | "force"): void {
    if (this.intentionalStop) super.info(message, data, false);
    else super.error(message, data, false);
  }
}

export interface TandemClientOptions {
  output: vscode.OutputChannel;
  settings: () => TandemSettings;
  /** Extra environment for the server: the provider keys from SecretStorage (never logged). */
  environment?: () => Promise<Record<string, string>>;
  /** Register handlers on a new client (before it starts); the disposables go with the client. */
  wire: (client: LanguageClient) => { dispose(): unknown }[];
  /** The server stopped (crash, restart, shutdown): pending state must be dropped. */
  onStopped: () => void;
}

/** Owns the current language client. */
export class TandemClient implements vscode.Disposable {
  private client: QuietLanguageClient | undefined;
  private wiring: { dispose(): unknown }[] = [];
  private starting: Promise<void> | undefined;
  private current: ConnectionState = "stopped";
  private failure: string | undefined;
  private everRan = false;
  private startedEnv: Record<string, string> = {};
  private readonly tail = new OutputTail();
  private readonly crashes = new CrashBudget();
  private readonly channel: vscode.OutputChannel;
  private readonly runningEmitter = new vscode.EventEmitter<boolean>();
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  /** Fires true when the server is running, false when it stopped. */
  readonly onDidChangeRunning = this.runningEmitter.event;
  /** Fires on every change of {@link state}. */
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(private readonly options: TandemClientOptions) {
    this.channel = tailing(options.output, this.tail);
  }

  /** True while the server is running. */
  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** Starting, running, stopped (on purpose) or failed (could not start, or crashed for good). */
  get state(): ConnectionState {
    return this.current;
  }

  /** Why the server is not running, in words, after a failure. */
  get failureReason(): string | undefined {
    return this.failure;
  }

  /** Whether the running server was started with `name=value` in its environment (no value is kept elsewhere). */
  startedWith(name: string, value: string): boolean {
    return this.startedEnv[name] === value;
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

  /**
   * Start the server (no-op when it runs or is starting). Failures are reported to the user once,
   * not thrown.
   *
   * @param overlay extra environment for this start only (e.g. a key the setup view is testing
   *   before it is saved); later starts do not get it.
   */
  start(overlay: Record<string, string> = {}): Promise<void> {
    if (this.client || this.starting) return this.starting ?? Promise.resolve();
    this.setState("starting");
    this.failure = undefined;
    this.tail.clear();
    this.starting = (async () => {
      const keys = await (this.options.environment?.() ?? Promise.resolve({})).catch(() => ({}));
      const client = this.create({ ...keys, ...overlay });
      try {
        await client.start();
      } catch (error) {
        if (this.client === client) this.reportStartFailure(error); // not awaited: the toast waits for the user
      }
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stop the server and forget the client. */
  async stop(): Promise<void> {
    if (this.starting) await this.starting;
    const client = this.client;
    this.client = undefined;
    for (const d of this.wiring.splice(0)) d.dispose();
    if (client) {
      client.intentionalStop = true;
      try {
        if (client.needsStop()) await client.stop();
      } catch (error) {
        this.options.output.appendLine(`[tandem] stopping the server: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.startedEnv = {};
    this.options.onStopped();
    this.runningEmitter.fire(false);
    if (this.current !== "failed") this.setState("stopped");
  }

  /** Stop, then start with the current settings (and `overlay`, see {@link start}). */
  async restart(overlay: Record<string, string> = {}): Promise<void> {
    this.options.output.appendLine("[tandem] restarting the server");
    await this.stop();
    this.current = "stopped";
    await this.start(overlay);
  }

  dispose(): void {
    void this.stop();
    this.runningEmitter.dispose();
    this.stateEmitter.dispose();
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.stateEmitter.fire(state);
  }

  private create(extraEnv: Record<string, string>): QuietLanguageClient {
    const settings = this.options.settings();
    const { command, args } = serverCommandLine(settings);
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const serverOptions: ServerOptions = {
      command,
      args,
      options: { cwd, env: { ...process.env, ...settings.serverEnv, ...extraEnv } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: this.channel,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: () => false,
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => this.closed(client),
      },
    };
    this.options.output.appendLine(`[tandem] starting: ${[command, ...args].map(quote).join(" ")}${cwd ? ` (in ${cwd})` : ""}`);
    const client = new QuietLanguageClient("tandem", "Tandem", serverOptions, clientOptions);
    client.registerFeature(new TandemCapabilityFeature());
    this.wiring = this.options.wire(client);
    this.everRan = false;
    this.wiring.push(
      client.onDidChangeState((e) => {
        if (this.client !== client) return;
        if (e.newState === State.Running) {
          this.everRan = true;
          this.startedEnv = { ...extraEnv };
          this.setState("running");
          this.runningEmitter.fire(true);
        } else if (e.newState === State.Starting) {
          this.setState("starting");
        } else if (e.newState === State.Stopped) {
          this.options.onStopped();
          this.runningEmitter.fire(false);
          if (this.current === "running") this.setState(client.intentionalStop ? "stopped" : "failed");
        }
      }),
    );
    this.client = client;
    return client;
  }

  /** vscode-languageclient asks what to do when the connection closed without a stop of ours. */
  private closed(client: QuietLanguageClient): CloseHandlerResult {
    if (client.intentionalStop || this.client !== client) return { action: CloseAction.DoNotRestart, handled: true };
    if (!this.everRan) return { action: CloseAction.DoNotRestart, handled: true }; // start() rejects: reported there
    const reason = this.tail.lastWords();
    if (this.crashes.allowRestart()) {
      this.options.output.appendLine(`[tandem] the server stopped${reason ? ` (${reason})` : ""}; starting it again`);
      return { action: CloseAction.Restart, handled: true };
    }
    this.failure = reason ?? "it stopped several times in a row";
    this.setState("failed");
    void this.notifyCrash(reason);
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private reportStartFailure(error: unknown): void {
    const { command } = serverCommandLine(this.options.settings());
    const reason = describeStartFailure(error, command, this.tail.lastWords());
    this.failure = reason;
    this.options.output.appendLine(`[tandem] the server failed to start: ${reason}`);
    this.setState("failed");
    void vscode.window.showErrorMessage(startFailureMessage(reason), FAILURE_ACTIONS.openSettings, FAILURE_ACTIONS.showLog).then((choice) => {
      if (choice === FAILURE_ACTIONS.openSettings) void vscode.commands.executeCommand("workbench.action.openSettings", "tandem.server");
      if (choice === FAILURE_ACTIONS.showLog) this.options.output.show(true);
    });
  }

  private async notifyCrash(reason: string | undefined): Promise<void> {
    const choice = await vscode.window.showErrorMessage(crashMessage(reason), FAILURE_ACTIONS.restart, FAILURE_ACTIONS.showLog);
    if (choice === FAILURE_ACTIONS.restart) void this.restart();
    if (choice === FAILURE_ACTIONS.showLog) this.options.output.show(true);
  }
}

/** `output`, with everything appended to it also recorded in `tail`. */
function tailing(output: vscode.OutputChannel, tail: OutputTail): vscode.OutputChannel {
  return {
    get name() {
      return output.name;
    },
    append: (value: string) => {
      tail.append(value);
      output.append(value);
    },
    appendLine: (value: string) => {
      tail.append(`${value}\n`);
      output.appendLine(value);
    },
    replace: (value: string) => output.replace(value),
    clear: () => output.clear(),
    show: (a?: unknown, b?: boolean) => (typeof a === "boolean" ? output.show(a) : output.show(a as vscode.ViewColumn | undefined, b)),
    hide: () => output.hide(),
    dispose: () => undefined, // the channel belongs to the extension, not to one client
  };
}

function quote(arg: string): string {
  return /^[\w./:=@%+-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
