/**
 * Real-VS-Code harness: code-server 4.100.3 (VS Code 1.100.3) on 127.0.0.1, the packaged extension
 * installed into a throwaway profile, the scripted model server from `tandem.testing`, and Debian's
 * Chromium driven by playwright-core (code-server starts the extension host only when a browser
 * opens a workbench).
 *
 * Everything a session starts is in its own process group and is stopped by `stop()` — also on a
 * failed start and, as a last resort, when the test process exits. Every server binds 127.0.0.1.
 * Logs (code-server, extension host, language server, model requests) are copied to
 * `test-artifacts/vscode/<session>/` when the session stops.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";

// --- paths -------------------------------------------------------------------------------------------

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** editor-extension/ */
export const EXT_ROOT = path.resolve(HERE, "../..");
/** The repository root (editor-extension/..). */
export const REPO_ROOT = path.resolve(EXT_ROOT, "..");
export const ARTIFACTS = path.join(EXT_ROOT, "test-artifacts", "vscode");
export const PYTHON = process.env.TANDEM_PYTHON ?? path.join(REPO_ROOT, ".venv", "bin", "python");
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? "/usr/bin/chromium";
export const DEMO_PROJECT = path.join(REPO_ROOT, "examples", "demo-project");
export const DEFAULT_VSIX = path.join(EXT_ROOT, "dist", "tandem.vsix");
/** The language server command the extension is configured with. */
export const SERVER_COMMAND = [PYTHON, "-m", "tandem.cli", "lsp"];

const INSTALL_SCRIPT = path.join(HERE, "install-code-server.sh");

/** Chromium flags: no sandbox (root), no GPU, nothing that phones home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

// --- small utilities -----------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `probe` until it returns a value other than undefined/false, or fail after `timeoutMs`
 * with `what` and the last error in the message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; code-server itself cannot be given port 0). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

function mkTemp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// Process groups still running: killed with SIGKILL when the test process exits, whatever happens.
const liveGroups = new Set<number>();
process.once("exit", () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** A child started in its own process group (so stopping it stops everything it started). */
function spawnGroup(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string; pipeStdout?: boolean },
): ChildProcess {
  const log = fs.openSync(options.logFile, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", options.pipeStdout ? "pipe" : log, log],
  });
  fs.closeSync(log);
  if (child.pid) liveGroups.add(child.pid);
  child.once("exit", () => {
    if (child.pid) liveGroups.delete(child.pid);
  });
  return child;
}

/** SIGTERM the child's process group, then SIGKILL whatever is left after `graceMs`. */
async function stopGroup(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  const pid = child?.pid;
  if (!child || !pid) return;
  const signal = (sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // no such group any more
    }
  };
  if (!signal("SIGTERM")) {
    liveGroups.delete(pid);
    return;
  }
  const deadline = Date.now() + graceMs;
  // The group may outlive its leader (children that ignore SIGTERM): probe the group, not the child.
  while (Date.now() < deadline && signal(0)) await sleep(100);
  signal("SIGKILL");
  liveGroups.delete(pid);
}

// --- code-server installation --------------------------------------------------------------------

export type CodeServerStatus = { bin: string } | { skip: string };

/**
 * Install code-server if needed (test/vscode/install-code-server.sh, a no-op when installed).
 * Returns `{skip}` only when it cannot be installed here (exit code 3: not root and packages
 * missing, or no node 20); any other failure throws.
 */
export function ensureCodeServer(): CodeServerStatus {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const logFile = path.join(ARTIFACTS, "install-code-server.log");
  const log = fs.openSync(logFile, "w");
  const result = spawnSync("bash", [INSTALL_SCRIPT], {
    cwd: EXT_ROOT,
    stdio: ["ignore", "pipe", log],
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
  fs.closeSync(log);
  if (result.status === 0) {
    const bin = result.stdout.trim().split("\n").pop() ?? "";
    if (!fs.existsSync(bin)) throw new Error(`install-code-server.sh printed no code-server path (log: ${logFile})`);
    return { bin };
  }
  if (result.status === 3) {
    return { skip: `code-server cannot be installed here: ${tail(logFile, 3).trim()}` };
  }
  throw new Error(
    `install-code-server.sh failed (status ${result.status}, signal ${result.signal}); log ${logFile}:\n${tail(logFile)}`,
  );
}

/** Build the extension and package dist/tandem.vsix (`npm run build && npm run package`). */
export function buildVsix(): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const logFile = path.join(ARTIFACTS, "build-vsix.log");
  for (const script of ["build", "package"]) {
    const result = spawnSync("npm", ["run", script], { cwd: EXT_ROOT, encoding: "utf8", timeout: 10 * 60_000 });
    fs.appendFileSync(logFile, `$ npm run ${script}\n${result.stdout}\n${result.stderr}\n`);
    if (result.status !== 0) {
      throw new Error(`npm run ${script} failed (status ${result.status}); log ${logFile}:\n${tail(logFile)}`);
    }
  }
  if (!fs.existsSync(DEFAULT_VSIX)) throw new Error(`npm run package did not produce ${DEFAULT_VSIX}`);
  return DEFAULT_VSIX;
}

/** Package a fixture extension directory into a .vsix (for harness self-tests). */
export function packageFixture(dir: string, outDir: string): string {
  const out = path.join(outDir, `${path.basename(dir)}.vsix`);
  const vsce = path.join(EXT_ROOT, "node_modules", ".bin", "vsce");
  const result = spawnSync(vsce, ["package", "--skip-license", "--allow-missing-repository", "-o", out], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`vsce package failed in ${dir}:\n${result.stdout}\n${result.stderr}`);
  return out;
}

// --- scripted model server -----------------------------------------------------------------------

/** One model request the scripted server received (its recording, see tandem.testing.recording). */
export type RecordedRequest = Record<string, unknown> & { body?: Record<string, unknown> };

export class ScriptedModel {
  private constructor(
    readonly baseUrl: string,
    private readonly child: ChildProcess,
    private readonly recordFile: string,
  ) {}

  /**
   * Start `python -m tandem.testing serve SCRIPT.json` (script format: server/tandem/testing/script.py).
   * The Nth model request is answered with `script.responses[N-1]`.
   */
  static async start(script: object, dir: string): Promise<ScriptedModel> {
    const scriptFile = path.join(dir, "model-script.json");
    const recordFile = path.join(dir, "model-requests.jsonl");
    fs.writeFileSync(scriptFile, JSON.stringify(script, null, 2));
    const child = spawnGroup(PYTHON, ["-m", "tandem.testing", "serve", scriptFile, "--record", recordFile, "-v"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
      logFile: path.join(dir, "model-server.log"),
      pipeStdout: true,
    });
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let buffered = "";
        const timer = setTimeout(() => reject(new Error("scripted model server printed no URL within 30 s")), 30_000);
        child.stdout?.on("data", (chunk: Buffer) => {
          buffered += chunk.toString("utf8");
          const newline = buffered.indexOf("\n");
          if (newline >= 0) {
            clearTimeout(timer);
            resolve(buffered.slice(0, newline).trim());
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`scripted model server exited with ${code}: ${tail(path.join(dir, "model-server.log"))}`));
        });
      });
      child.stdout?.resume(); // keep draining
      if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(baseUrl)) throw new Error(`unexpected model server URL ${baseUrl}`);
      return new ScriptedModel(baseUrl, child, recordFile);
    } catch (err) {
      await stopGroup(child);
      throw err;
    }
  }

  /** The requests received so far, in order. */
  requests(): RecordedRequest[] {
    if (!fs.existsSync(this.recordFile)) return [];
    return fs
      .readFileSync(this.recordFile, "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as RecordedRequest);
  }

  async stop(): Promise<void> {
    await stopGroup(this.child);
  }
}

// --- settings ------------------------------------------------------------------------------------

/** VS Code settings that keep a test profile quiet and deterministic. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.enableExperiments": false,
  "workbench.colorTheme": "Default Dark Modern",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "files.autoSave": "off",
  "editor.minimap.enabled": false,
  "window.restoreWindows": "none",
  "chat.commandCenter.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.editor.enablePreview": false,
  "notebook.experimental.generate": false,
  "python.languageServer": "None",
};

/**
 * The extension's settings (package.json contributes.configuration): the language server from the
 * repo's venv, logging to the session's folder.
 */
export function tandemSettings(session: { lspLogFile: string }): Record<string, unknown> {
  return {
    "tandem.server.command": SERVER_COMMAND,
    "tandem.server.args": ["--log-file", session.lspLogFile],
  };
}

// --- VS Code session -----------------------------------------------------------------------------

export interface SessionOptions {
  /** Names the artifacts folder (test-artifacts/vscode/<name>/). */
  name: string;
  /** The code-server binary (from ensureCodeServer). */
  codeServer: string;
  /** .vsix files to install (default: dist/tandem.vsix). */
  vsix?: string[];
  /** The scripted model server's script; a server is started when given. */
  script?: object;
  /** Settings merged over QUIET_SETTINGS and tandemSettings() (a function gets the session, for its paths). */
  settings?: Record<string, unknown> | ((session: VSCodeSession) => Record<string, unknown>);
  /** Extra environment for code-server (and so the extension host and the language server). */
  env?: Record<string, string>;
  /** Folder copied into the temp workspace (default: examples/demo-project). */
  workspaceFrom?: string;
  /** Browser viewport. */
  viewport?: { width: number; height: number };
  /**
   * How the server finds a model: `preset` (default) puts `OPENAI_API_KEY=test` and `OPENAI_BASE_URL`
   * (the scripted server) in the environment; `none` gives it neither — a first run, where the
   * extension's setup view must configure a provider (the scripted server still runs: `model.baseUrl`).
   */
  credentials?: "preset" | "none";
}

export class VSCodeSession {
  readonly root: string;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly tandemHome: string;
  readonly artifacts: string;
  port = 0;
  model: ScriptedModel | undefined;
  browser: BrowserContext | undefined;
  page: Page | undefined;
  private codeServer: ChildProcess | undefined;
  private readonly logFile: string;
  private stopped = false;

  private constructor(readonly options: SessionOptions) {
    this.root = mkTemp(`tandem-vscode-${options.name}-`);
    this.workspace = path.join(this.root, "workspace");
    this.userDataDir = path.join(this.root, "user-data");
    this.extensionsDir = path.join(this.root, "extensions");
    this.tandemHome = path.join(this.root, "tandem-home");
    this.artifacts = path.join(ARTIFACTS, options.name);
    this.logFile = path.join(this.root, "code-server.log");
  }

  get workbenchUrl(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  /** A file of the workspace. */
  file(rel: string): string {
    return path.join(this.workspace, rel);
  }

  /** The user settings.json (code-server watches it: changes apply to the running window). */
  get settingsFile(): string {
    return path.join(this.userDataDir, "User", "settings.json");
  }

  /** Merge `values` into the user settings.json. */
  writeSettings(values: Record<string, unknown>): void {
    let current: Record<string, unknown> = {};
    try {
      current = JSON.parse(fs.readFileSync(this.settingsFile, "utf8")) as Record<string, unknown>;
    } catch {
      // no settings yet
    }
    fs.writeFileSync(this.settingsFile, JSON.stringify({ ...current, ...values }, null, 2));
  }

  /** Path of the language server's log file (it is started with --log-file). */
  get lspLogFile(): string {
    return path.join(this.root, "tandem-lsp.log");
  }

  /** Start everything except the browser. On failure everything started so far is stopped. */
  static async start(options: SessionOptions): Promise<VSCodeSession> {
    const session = new VSCodeSession(options);
    try {
      await session.boot();
      return session;
    } catch (err) {
      await session.stop();
      throw err;
    }
  }

  private async boot(): Promise<void> {
    const o = this.options;
    fs.rmSync(this.artifacts, { recursive: true, force: true });
    fs.mkdirSync(this.artifacts, { recursive: true });
    fs.cpSync(o.workspaceFrom ?? DEMO_PROJECT, this.workspace, { recursive: true });
    for (const dir of [this.userDataDir, this.extensionsDir, this.tandemHome, path.join(this.root, "xdg")]) {
      fs.mkdirSync(dir, { recursive: true });
    }
    fs.mkdirSync(path.join(this.userDataDir, "User"), { recursive: true });
    const extra = typeof o.settings === "function" ? o.settings(this) : o.settings;
    this.writeSettings({ ...QUIET_SETTINGS, ...tandemSettings(this), ...extra });
    const configFile = path.join(this.root, "code-server.yaml");
    fs.writeFileSync(configFile, "auth: none\ncert: false\n");

    if (o.script) this.model = await ScriptedModel.start(o.script, this.root);

    const env = this.environment();
    const common = ["--config", configFile, "--user-data-dir", this.userDataDir, "--extensions-dir", this.extensionsDir];
    for (const vsix of o.vsix ?? [DEFAULT_VSIX]) {
      if (!fs.existsSync(vsix)) throw new Error(`no ${vsix}: run npm run build && npm run package`);
      const result = spawnSync(o.codeServer, [...common, "--install-extension", vsix, "--force"], {
        env,
        encoding: "utf8",
        timeout: 120_000,
      });
      fs.appendFileSync(this.logFile, `$ --install-extension ${vsix}\n${result.stdout}\n${result.stderr}\n`);
      if (result.status !== 0) throw new Error(`installing ${vsix} failed:\n${result.stdout}\n${result.stderr}`);
    }

    // A port picked here may be taken before code-server binds it: retry with another one.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const args = [
        ...common,
        "--bind-addr",
        `127.0.0.1:${this.port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--disable-proxy",
        "--ignore-last-opened",
        this.workspace,
      ];
      fs.appendFileSync(this.logFile, `$ code-server ${args.join(" ")}\n`);
      this.codeServer = spawnGroup(o.codeServer, args, { cwd: this.workspace, env, logFile: this.logFile });
      try {
        await this.waitUntilAnswering();
        return;
      } catch (err) {
        await stopGroup(this.codeServer);
        const addressInUse = /EADDRINUSE/.test(tail(this.logFile, 20));
        if (!addressInUse || attempt >= 3) throw err;
      }
    }
  }

  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Nothing of an enclosing VS Code, no real model credentials, no test-runner state.
      if (/^(VSCODE_|ELECTRON_|OPENAI_|ANTHROPIC_|TANDEM_|VITEST|NODE_OPTIONS$)/.test(key)) continue;
      env[key] = value;
    }
    const xdg = path.join(this.root, "xdg");
    Object.assign(env, {
      XDG_CONFIG_HOME: path.join(xdg, "config"),
      XDG_DATA_HOME: path.join(xdg, "data"),
      XDG_CACHE_HOME: path.join(xdg, "cache"),
      TANDEM_HOME: this.tandemHome,
      ...(this.options.credentials === "none"
        ? {}
        : { OPENAI_API_KEY: "test", ...(this.model ? { OPENAI_BASE_URL: this.model.baseUrl } : {}) }),
      ...this.options.env,
    });
    return env;
  }

  private async waitUntilAnswering(): Promise<void> {
    const child = this.codeServer;
    await waitFor(
      "code-server to answer /healthz",
      async () => {
        if (child && child.exitCode !== null) {
          throw new Error(`code-server exited with ${child.exitCode}:\n${tail(this.logFile)}`);
        }
        try {
          const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
          return response.ok;
        } catch {
          return false;
        }
      },
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\ncode-server log:\n${tail(this.logFile)}`);
    });
  }

  /**
   * Launch Chromium (fresh profile) and open the workbench; resolves once the workbench is shown.
   * Opening it is what starts the extension host.
   */
  async openWorkbench(): Promise<Page> {
    const { chromium } = await import("playwright-core");
    const profile = path.join(this.root, "chromium-profile");
    this.browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: this.options.viewport ?? { width: 1440, height: 900 },
      env: { ...process.env, HOME: path.join(this.root, "xdg") },
      timeout: 60_000,
    });
    this.browser.setDefaultTimeout(30_000);
    const page = this.browser.pages()[0] ?? (await this.browser.newPage());
    this.page = page;
    const consoleLog = path.join(this.root, "browser-console.log");
    page.on("console", (msg) => fs.appendFileSync(consoleLog, `[${msg.type()}] ${msg.text()}\n`));
    page.on("pageerror", (err) => fs.appendFileSync(consoleLog, `[pageerror] ${err.message}\n`));
    await page.goto(this.workbenchUrl, { waitUntil: "domcontentloaded", timeout: 60_000 });
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
    // The explorer lists the workspace's files once the remote file system answers.
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 90_000 });
    return page;
  }

  /** Save a screenshot as test-artifacts/vscode/<name>/<file> (and return its path). */
  async screenshot(file: string): Promise<string> {
    if (!this.page) throw new Error("no browser page");
    const out = path.join(this.artifacts, file);
    await this.page.screenshot({ path: out, timeout: 30_000 });
    return out;
  }

  /** Log files of the session, for failure messages. */
  logs(): { codeServer: string; lsp: string } {
    return { codeServer: tail(this.logFile, 60), lsp: tail(this.lspLogFile, 60) };
  }

  /** Stop the browser, code-server and the model server; copy the logs to the artifacts folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.browser?.close().catch(() => undefined);
    await stopGroup(this.codeServer);
    await this.model?.stop();
    this.collectLogs();
    if (!process.env.TANDEM_VSCODE_KEEP) fs.rmSync(this.root, { recursive: true, force: true });
  }

  private collectLogs(): void {
    const logs = path.join(this.artifacts, "logs");
    fs.mkdirSync(logs, { recursive: true });
    const copy = (from: string, to: string) => {
      try {
        if (fs.existsSync(from)) fs.cpSync(from, path.join(logs, to), { recursive: true });
      } catch {
        // best effort
      }
    };
    copy(this.logFile, "code-server.log");
    copy(this.lspLogFile, "tandem-lsp.log");
    copy(path.join(this.root, "browser-console.log"), "browser-console.log");
    copy(path.join(this.root, "model-server.log"), "model-server.log");
    copy(path.join(this.root, "model-requests.jsonl"), "model-requests.jsonl");
    copy(path.join(this.userDataDir, "logs"), "vscode");
  }
}

// --- extension-host tests ------------------------------------------------------------------------

/** What the extension's test hook writes to TANDEM_EXTENSION_TEST_RESULTS. */
export interface ExtensionTestResults {
  passed: string[];
  failed: { name: string; error: string }[];
}

/**
 * Bundle a test module (TypeScript or JavaScript) into one CommonJS file for the extension host.
 * `vscode` stays external; the module receives it through `run({vscode, api})`.
 */
export async function bundleSuite(entry: string, outDir: string): Promise<string> {
  const esbuild = await import("esbuild");
  const outfile = path.join(outDir, `${path.basename(entry).replace(/\.[jt]s$/, "")}.cjs`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  return outfile;
}

/** Environment that makes the extension run `module` after activation and write its results. */
export function extensionTestEnv(module: string, resultsFile: string): Record<string, string> {
  return { TANDEM_EXTENSION_TESTS: module, TANDEM_EXTENSION_TEST_RESULTS: resultsFile };
}

/** Wait for the results file the test hook writes (the suite has its own per-test timeouts). */
export async function waitForResults(
  session: VSCodeSession,
  resultsFile: string,
  timeoutMs: number,
): Promise<ExtensionTestResults> {
  try {
    return await waitFor(
      "the extension-host suite to write its results",
      () => (fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, "utf8")) as ExtensionTestResults) : undefined),
      timeoutMs,
      250,
    );
  } catch (err) {
    const { codeServer, lsp } = session.logs();
    throw new Error(`${(err as Error).message}\n--- code-server log ---\n${codeServer}\n--- tandem lsp log ---\n${lsp}`);
  }
}
