import { beforeEach, describe, expect, it, vi } from "vitest";

type Listener = (e: { oldState: number; newState: number }) => void;

/** A stand-in for vscode-languageclient's LanguageClient: records options, scripted start(). */
const fake = vi.hoisted(() => {
  const created: FakeLanguageClient[] = [];
  const starts: ((client: FakeLanguageClient) => Promise<void>)[] = [];
  class FakeLanguageClient {
    state = 1;
    logged: string[] = [];
    private listeners: Listener[] = [];
    constructor(readonly id: string, readonly name: string, readonly serverOptions: { options: { env: Record<string, string> } },
      readonly clientOptions: Record<string, unknown>) {
      created.push(this);
    }
    registerFeature(): void {}
    onDidChangeState(listener: Listener) {
      this.listeners.push(listener);
      return { dispose: () => undefined };
    }
    setState(state: number): void {
      const old = this.state;
      this.state = state;
      for (const l of this.listeners) l({ oldState: old, newState: state });
    }
    async start(): Promise<void> {
      this.setState(3);
      const next = starts.shift();
      if (next) return next(this);
      this.setState(2);
    }
    isRunning(): boolean {
      return this.state === 2;
    }
    needsStop(): boolean {
      return this.state === 2;
    }
    async stop(): Promise<void> {
      this.setState(1);
    }
    async dispose(): Promise<void> {}
    error(message: string, _data?: unknown, show?: unknown): void {
      this.logged.push(`error ${message} notify=${String(show)}`);
    }
    info(message: string, _data?: unknown, show?: unknown): void {
      this.logged.push(`info ${message} notify=${String(show)}`);
    }
    async sendRequest(): Promise<unknown> {
      return {};
    }
  }
  return { created, starts, FakeLanguageClient };
});

vi.mock("vscode", () => import("./vscodeStub"));
vi.mock("vscode-languageclient/node", () => ({
  LanguageClient: fake.FakeLanguageClient,
  State: { Stopped: 1, Running: 2, Starting: 3 },
  CloseAction: { DoNotRestart: 1, Restart: 2 },
  ErrorAction: { Continue: 1, Shutdown: 2 },
  RevealOutputChannelOn: { Debug: 0, Info: 1, Warn: 2, Error: 3, Never: 4 },
}));

import { stub, window } from "./vscodeStub";
import { TandemClient } from "../../src/client";
import { readSettings } from "../../src/settings";
import type { ConnectionState } from "../../src/serverFailure";

const output = () => {
  const lines: string[] = [];
  return { lines, channel: { name: "Tandem", append: (t: string) => lines.push(t), appendLine: (t: string) => lines.push(t), replace: vi.fn(), clear: vi.fn(), show: vi.fn(), hide: vi.fn(), dispose: vi.fn() } };
};

function makeClient(keys: Record<string, string> = {}) {
  const out = output();
  const states: ConnectionState[] = [];
  const client = new TandemClient({
    output: out.channel as never,
    settings: () => readSettings({ get: <T>(key: string) => (key === "server.command" ? ["tandem", "lsp"] : undefined) as T | undefined }),
    environment: async () => keys,
    wire: () => [],
    onStopped: () => undefined,
  });
  client.onDidChangeState((s) => states.push(s));
  return { client, out, states };
}

beforeEach(() => {
  stub.reset();
  fake.created.splice(0);
  fake.starts.splice(0);
});

describe("TandemClient", () => {
  it("gives the server the stored keys and a one-start overlay in its environment, never in the log", async () => {
    const { client, out, states } = makeClient({ OPENAI_API_KEY: "sk-stored-123456" });
    await client.start();
    expect(fake.created[0]!.serverOptions.options.env["OPENAI_API_KEY"]).toBe("sk-stored-123456");
    expect(states).toEqual(["starting", "running"]);
    expect(client.startedWith("OPENAI_API_KEY", "sk-stored-123456")).toBe(true);
    await client.restart({ OPENAI_API_KEY: "sk-typed-654321" });
    expect(fake.created[1]!.serverOptions.options.env["OPENAI_API_KEY"]).toBe("sk-typed-654321");
    await client.restart();
    expect(fake.created[2]!.serverOptions.options.env["OPENAI_API_KEY"]).toBe("sk-stored-123456");
    expect(out.lines.join("\n")).not.toMatch(/sk-(stored|typed)/);
    expect(states).toEqual(["starting", "running", "stopped", "starting", "running", "stopped", "starting", "running"]);
  });

  it("a failed start: one notification of ours, none of the library's; a restart does not wait for the toast", async () => {
    window.showErrorMessage.mockImplementationOnce(((message: string) => {
      stub.errors.push(message);
      return new Promise(() => undefined); // the user has not answered yet
    }) as never);
    fake.starts.push(async (c) => {
      c.error("Tandem client: couldn't create connection to server.", undefined, "force");
      c.setState(1);
      throw "Launching server using command tandem failed. Error: spawn tandem ENOENT";
    });
    const { client, states } = makeClient();
    await client.start();
    expect(stub.errors).toEqual(["Tandem's server could not start: the command “tandem” was not found."]);
    expect(fake.created[0]!.logged).toEqual(["error Tandem client: couldn't create connection to server. notify=false"]);
    expect(client.state).toBe("failed");
    expect(client.failureReason).toBe("the command “tandem” was not found");
    await client.restart(); // regression: used to wait for the unanswered toast forever
    expect(client.state).toBe("running");
    expect(states).toEqual(["starting", "failed", "starting", "running"]);
  });

  it("the library never notifies by itself: its errors are logged, and logged as info while we stop on purpose", async () => {
    const { client } = makeClient();
    await client.start();
    const first = fake.created[0]!;
    first.error("Connection to server got closed.", undefined, "force");
    expect(first.logged.at(-1)).toBe("error Connection to server got closed. notify=false");
    const stop = client.restart();
    first.error("Connection to server got closed. Server will not be restarted.", undefined, "force");
    await stop;
    expect(first.logged.at(-1)).toBe("info Connection to server got closed. Server will not be restarted. notify=false");
    const options = first.clientOptions as { initializationFailedHandler: () => boolean; revealOutputChannelOn: number };
    expect(options.initializationFailedHandler()).toBe(false);
    expect(options.revealOutputChannelOn).toBe(4);
  });

  it("a crash restarts a few times, handled quietly; then one notification with Restart", async () => {
    const { client } = makeClient();
    await client.start();
    const c = fake.created[0]!;
    const closed = (c.clientOptions as { errorHandler: { closed(): { action: number; handled?: boolean } } }).errorHandler.closed;
    expect([closed(), closed(), closed()]).toEqual(Array(3).fill({ action: 2, handled: true }));
    expect(stub.errors).toEqual([]);
    expect(closed()).toEqual({ action: 1, handled: true });
    expect(client.state).toBe("failed");
    expect(stub.errors).toEqual(["Tandem's server stopped unexpectedly."]);
    const error = (c.clientOptions as { errorHandler: { error(): { action: number; handled?: boolean } } }).errorHandler.error;
    expect(error()).toEqual({ action: 1, handled: true });
  });
});
