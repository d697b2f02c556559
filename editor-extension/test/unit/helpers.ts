/** Shared test doubles: a fake RPC, a fake chat host, a cancellation token source. */
import { vi } from "vitest";
import { ApprovalBroker } from "../../src/approvalBroker";
import { ChatController, type ChatDeps, type ChatHost } from "../../src/chat";
import { ReviewStates } from "../../src/review";
import type { TandemRpc } from "../../src/rpc/connection";
import { readSettings, type TandemSettings } from "../../src/settings";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import { ThreadStore } from "../../src/threads";

export type Handler = (params: Record<string, unknown>) => unknown;

/** A fake `TandemRpc`: records requests, answers from `handlers` (method -> function). */
export function fakeRpc(handlers: Record<string, Handler> = {}) {
  const requests: { method: string; params: Record<string, unknown> }[] = [];
  const rpc: TandemRpc = {
    request: (async (method: string, params: Record<string, unknown>) => {
      requests.push({ method, params });
      const handler = handlers[method];
      if (!handler) throw new Error(`unexpected request ${method}`);
      return handler(params);
    }) as TandemRpc["request"],
    executeCommand: async (command, args) => {
      requests.push({ method: `command:${command}`, params: { args } });
      const handler = handlers[`command:${command}`];
      return handler?.({ args });
    },
  };
  return { rpc, requests, handlers };
}

export function thread(id: string, extra: Record<string, unknown> = {}) {
  return { id, cwd: "/ws", model: "gpt-test", modelProvider: "openai", approvalPolicy: "on-request", sandboxMode: "workspace-write", createdAt: "2025-01-01T00:00:00Z", ...extra };
}

/** A chat controller over fakes; `posts` collects what the page would receive. */
export function fakeChat(opts: {
  handlers?: Record<string, Handler>; broker?: ApprovalBroker; settings?: Partial<TandemSettings>;
  /** More controller deps (e.g. `turnOptions`, `lastThread`). */
  deps?: Partial<ChatDeps>;
} = {}) {
  const posts: HostToWebview[] = [];
  const infos: string[] = [];
  const store = new ThreadStore();
  const broker = opts.broker ?? new ApprovalBroker();
  const reviews = new ReviewStates();
  broker.addPresenter(reviews.presenter());
  const { rpc, requests, handlers } = fakeRpc(opts.handlers);
  const host: ChatHost = {
    post: (m) => posts.push(m),
    cwd: () => "/ws",
    toUri: (p) => `file:///ws/${p}`,
    findFiles: vi.fn(async (q: string) => [`src/${q}.ts`]),
    openFile: vi.fn(async () => undefined),
    openDiff: vi.fn(async () => undefined),
    info: (m) => infos.push(m),
  };
  const settings = { ...readSettings({ get: () => undefined }), ...opts.settings };
  const controller = new ChatController({ rpc, store, broker, reviews, settings: () => settings, connected: () => true, host, ...opts.deps });
  return { controller, posts, infos, store, broker, reviews, rpc, requests, handlers, host };
}

/** A cancellation token source in vscode-jsonrpc's shape. */
export function tokenSource() {
  const listeners: (() => unknown)[] = [];
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => unknown) => {
      listeners.push(l);
      return { dispose: () => undefined };
    },
  };
  return {
    token,
    cancel: () => {
      token.isCancellationRequested = true;
      listeners.forEach((l) => l());
    },
  };
}
