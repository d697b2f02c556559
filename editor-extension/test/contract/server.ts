/**
 * Runs the REAL Python server (`python -m tandem.cli lsp`) against the scripted model server
 * (`python -m tandem.testing serve SCRIPT.json`, server/tandem/testing/script.py) and connects to
 * it with vscode-languageserver-protocol, wired with the extension's own modules: the notification
 * router, the approval broker and its request handler, the thread store.
 *
 * The Python comes from `TANDEM_PYTHON`, else the repository's `.venv/bin/python`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { ApprovalBroker, registerApprovalHandler } from "../../src/approvalBroker";
import { NotificationRouter, type TandemNotification } from "../../src/notifications";
import { fillTandemCapability } from "../../src/rpc/capability";
import { tandemRpc, type TandemRpc } from "../../src/rpc/connection";
import { ThreadStore } from "../../src/threads";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const PYTHON = process.env.TANDEM_PYTHON ?? path.join(REPO, ".venv/bin/python");

/** Fail the suite at once, saying what to do, when the Python environment is missing. */
export function requirePython(): void {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `Contract tests need the Tandem Python environment, but ${PYTHON} does not exist. ` +
        `Create it with \`make test\` (or \`python3 -m venv .venv && .venv/bin/pip install -e .\`) in ${REPO}, ` +
        "or point TANDEM_PYTHON at a Python that has the tandem package installed.",
    );
  }
}

/** Scripted model output items (server/tandem/testing/script.py). */
export const message = (text: string) => ({ type: "message", text });
export const shell = (command: string) => ({ type: "function_call", name: "shell_command", arguments: { command } });
export const patch = (input: string) => ({ type: "custom_tool_call", name: "apply_patch", input });
export const respond = (...output: unknown[]) => ({ output });

/** One test's world: a temp workspace and TANDEM_HOME, the model server, and server processes. */
export class World {
  readonly dir = mkdtempSync(path.join(tmpdir(), "tandem-contract-"));
  readonly workspace = path.join(this.dir, "work");
  readonly home = path.join(this.dir, "home");
  private readonly processes: ChildProcess[] = [];
  private readonly sessions: Session[] = [];
  baseUrl = "";

  constructor() {
    for (const d of [this.workspace, this.home]) mkdirp(d);
  }

  /** Start the scripted model server with `responses` (answered in order). */
  async model(responses: unknown[]): Promise<void> {
    const script = path.join(this.dir, "script.json");
    writeFileSync(script, JSON.stringify({ responses }));
    const child = spawn(PYTHON, ["-m", "tandem.testing", "serve", script], { stdio: ["ignore", "pipe", "pipe"] });
    this.processes.push(child);
    const stderr = collect(child);
    this.baseUrl = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once("line", (line) => resolve(line.trim()));
      child.once("exit", (code) => reject(new Error(`scripted model server exited (${code}): ${stderr()}`)));
    });
  }

  /** Start `tandem lsp` (extra CLI args, e.g. `-a untrusted`) and initialize it as the extension does. */
  async server(args: string[] = []): Promise<Session> {
    const env: NodeJS.ProcessEnv = { ...process.env, TANDEM_HOME: this.home, OPENAI_BASE_URL: this.baseUrl, OPENAI_API_KEY: "sk-contract-test" };
    const child = spawn(PYTHON, ["-m", "tandem.cli", "lsp", ...args], { cwd: this.workspace, env, stdio: ["pipe", "pipe", "pipe"] });
    this.processes.push(child);
    const session = new Session(child, this.workspace, collect(child));
    this.sessions.push(session);
    await session.initialize();
    return session;
  }

  async dispose(): Promise<void> {
    for (const s of this.sessions) await s.shutdown();
    for (const p of this.processes) if (p.exitCode === null) p.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A connection to one server process, wired with the extension's handler modules. */
export class Session {
  readonly router = new NotificationRouter((e) => this.errors.push(e));
  readonly broker = new ApprovalBroker((e) => this.errors.push(e));
  readonly store = new ThreadStore();
  readonly notes: TandemNotification[] = [];
  readonly errors: unknown[] = [];
  readonly connection: ProtocolConnection;
  readonly rpc: TandemRpc;
  private closed = false;

  constructor(private readonly child: ChildProcess, readonly workspace: string, readonly stderr: () => string) {
    this.connection = createProtocolConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    this.router.attach(this.connection);
    registerApprovalHandler(this.connection, this.broker);
    this.router.listen((n) => this.notes.push(n));
    this.router.listen((n) => this.store.apply(n));
    this.router.listen((n) => this.broker.onNotification(n));
    this.connection.listen();
    this.rpc = tandemRpc(this.connection);
  }

  async initialize(): Promise<void> {
    const capabilities: { experimental?: unknown } = {};
    fillTandemCapability(capabilities);
    const rootUri = pathToFileURL(this.workspace).toString();
    await this.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "work" }],
      capabilities,
    });
    await this.connection.sendNotification("initialized", {});
  }

  /** The first notification (already received or future) matching `method` and `predicate`. */
  waitFor(method: string, predicate: (params: Record<string, unknown>) => boolean = () => true, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const found = this.notes.find((n) => n.method === method && predicate(n.params));
    if (found) return Promise.resolve(found.params);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`timed out waiting for ${method}; server stderr:\n${this.stderr()}`));
      }, timeoutMs);
      const sub = this.router.listen((n) => {
        if (n.method === method && predicate(n.params)) {
          clearTimeout(timer);
          sub.dispose();
          resolve(n.params);
        }
      });
    });
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), sleep(3000)]);
      await this.connection.sendNotification("exit");
    } catch {
      // the process may already be gone
    }
    this.connection.dispose();
    await Promise.race([new Promise((r) => this.child.once("exit", r)), sleep(3000)]);
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

function collect(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-20_000);
  });
  return () => text;
}

function mkdirp(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
