/**
 * Issue 12 items 10–14, host side: the chat's thread reopens after a reload, threads started
 * elsewhere (inline ask) are named, the thread picker (relative times, search fields), the
 * composer's per-turn options sent with `tandem/turn/start`, and the usage the token meter reads.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub, window } from "./vscodeStub";
import { NotificationRouter } from "../../src/notifications";
import type { ModelListResult } from "../../src/protocol/generated";
import { relativeTime } from "../../src/shared/relativeTime";
import { threadName } from "../../src/shared/threadName";
import { approvalModeOf } from "../../src/shared/turnOptions";
import { pickThread, threadPickItem } from "../../src/threadPicker";
import { ThreadStore } from "../../src/threads";
import { LAST_THREAD_KEY, lastThreadMemory, nameNewThreads, refreshCatalogue } from "../../src/threadSync";
import { SELECTION_KEY, TurnOptions, type MementoLike } from "../../src/turnOptions";
import { fakeChat, fakeRpc, thread } from "./helpers";

beforeEach(() => stub.reset());

function memento(initial: Record<string, unknown> = {}): MementoLike & { values: Record<string, unknown> } {
  const values: Record<string, unknown> = { ...initial };
  return {
    values,
    get: <T>(key: string) => values[key] as T | undefined,
    update: async (key: string, value: unknown) => {
      values[key] = value;
    },
  };
}

const CATALOGUE: ModelListResult = {
  models: [
    { id: "gpt-5.5", displayName: "GPT-5.5", supportsReasoningEffort: true, efforts: ["minimal", "low", "medium", "high"], defaultEffort: "medium", contextWindow: 272000 },
    { id: "gpt-4.1", displayName: "GPT-4.1", supportsReasoningEffort: false, contextWindow: 1047576 },
  ],
  current: "gpt-5.5",
  currentEffort: null,
  provider: "openai",
  providerName: "OpenAI",
  approvalPolicy: "on-request",
  sandboxMode: "workspace-write",
};

const usage = (threadId: string, context: number, total: number) => ({
  threadId, used: { totalTokens: total, inputTokens: total - 100, outputTokens: 100 }, last: { totalTokens: context }, contextWindow: 1000, contextTokens: context,
});

describe("conversations that survive a window reload", () => {
  it("the chat's thread is remembered and reopened with its turns and usage when the page is ready", async () => {
    const state = memento();
    const turns = [{ id: "u1", status: "failed", error: { message: "boom" }, itemIds: ["item_1"], diff: "" }];
    const chat = fakeChat({
      handlers: {
        "tandem/thread/start": () => ({ thread: thread("t1") }),
        "tandem/thread/list": () => ({ threads: [thread("t1", { preview: "fix it" })] }),
        "tandem/thread/resume": () => ({
          thread: thread("t1", { preview: "fix it" }),
          items: [{ type: "userMessage", id: "item_1", content: [{ type: "text", text: "fix it" }] }],
          turns,
          tokenUsage: usage("t1", 420, 900),
        }),
      },
      deps: { lastThread: lastThreadMemory(state) },
    });
    await chat.controller.newThread();
    expect(state.values[LAST_THREAD_KEY]).toBe("t1");

    // A reload: a new extension host (empty store) over the same workspaceState.
    const after = fakeChat({ handlers: chat.handlers, deps: { lastThread: lastThreadMemory(state) } });
    await after.controller.handle({ type: "ready" });
    expect(after.requests.map((r) => r.method)).toEqual(["tandem/thread/list", "tandem/thread/resume"]);
    expect(after.store.activeThreadId).toBe("t1");
    const opened = after.posts.find((p) => p.type === "threadOpened");
    expect(opened).toMatchObject({ type: "threadOpened", turns, tokenUsage: { contextTokens: 420 } });
    expect(after.posts.filter((p) => p.type === "status").at(-1)).toMatchObject({ contextTokens: 420, contextWindow: 1000, usedTokens: 900 });
  });

  it("a remembered thread the server does not know is forgotten; other failures keep it", async () => {
    const state = memento({ [LAST_THREAD_KEY]: "gone" });
    const notFound = Object.assign(new Error("no such thread"), { code: -32001 });
    const chat = fakeChat({
      handlers: { "tandem/thread/list": () => ({ threads: [] }), "tandem/thread/resume": () => Promise.reject(notFound) },
      deps: { lastThread: lastThreadMemory(state) },
    });
    await chat.controller.restoreLastThread();
    expect(state.values[LAST_THREAD_KEY]).toBeUndefined();

    const kept = memento({ [LAST_THREAD_KEY]: "t9" });
    const flaky = fakeChat({ handlers: { "tandem/thread/resume": () => Promise.reject(new Error("server restarting")) }, deps: { lastThread: lastThreadMemory(kept) } });
    await flaky.controller.restoreLastThread();
    expect(kept.values[LAST_THREAD_KEY]).toBe("t9");
  });

  it("restoring runs once when the page and the server start ask at the same time", async () => {
    const state = memento({ [LAST_THREAD_KEY]: "t1" });
    const chat = fakeChat({
      handlers: { "tandem/thread/resume": () => ({ thread: thread("t1"), items: [] }) },
      deps: { lastThread: lastThreadMemory(state) },
    });
    await Promise.all([chat.controller.restoreLastThread(), chat.controller.restoreLastThread()]);
    await chat.controller.restoreLastThread(); // a thread is open now: nothing to restore
    expect(chat.requests.map((r) => r.method)).toEqual(["tandem/thread/resume"]);
  });
});

describe("forks", () => {
  it("a fork shows its source's turns up to the fork point, with their turn-end lines", async () => {
    const items = [
      { type: "userMessage", id: "item_1", content: [{ type: "text", text: "one" }] },
      { type: "agentMessage", id: "item_2", text: "a" },
      { type: "userMessage", id: "item_3", content: [{ type: "text", text: "two" }] },
    ];
    const turns = [
      { id: "u1", status: "completed", itemIds: ["item_1", "item_2"], diff: "" },
      { id: "u2", status: "failed", itemIds: ["item_3"], diff: "" },
    ];
    const chat = fakeChat({
      handlers: {
        "tandem/thread/fork": () => ({ thread: thread("fork", { preview: "one" }) }),
        "tandem/thread/resume": (p) => (p["threadId"] === "fork" ? { thread: thread("fork"), items: [] } : { thread: thread("src"), items, turns }),
      },
    });
    await chat.controller.forkThread("src", "u1");
    expect(chat.posts.find((p) => p.type === "threadOpened")).toMatchObject({ items: items.slice(0, 2), turns: [turns[0]] });
  });
});

describe("thread names", () => {
  it("a thread is named after its first prompt, on one line", () => {
    expect(threadName({ preview: "  Rename   the\nparser " })).toBe("Rename the parser");
    expect(threadName({ preview: "" })).toBe("New thread");
    expect(threadName(null)).toBe("New thread");
    expect(threadName({ preview: "x".repeat(100) }, 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("a turn on a thread the window has no name for refreshes the thread list (inline ask)", async () => {
    const router = new NotificationRouter();
    const store = new ThreadStore();
    router.listen((n) => store.apply(n));
    const list = vi.fn(async () => store.setList([thread("ask1", { preview: "What does this do?" })]));
    nameNewThreads(router, store, list);
    router.dispatch("tandem/turn/started", { threadId: "ask1", turn: { id: "u1", status: "inProgress" } });
    expect(list).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    router.dispatch("tandem/turn/started", { threadId: "ask1", turn: { id: "u2", status: "inProgress" } });
    expect(list).toHaveBeenCalledTimes(1); // named now
    expect(store.list().map((t) => t.preview)).toEqual(["What does this do?"]);
  });

  it("a listed name reaches a thread whose richer info the store keeps", () => {
    const store = new ThreadStore();
    store.upsert(thread("t1"));
    store.setList([{ id: "t1", cwd: "/ws", model: "gpt-test", modelProvider: "", approvalPolicy: "", sandboxMode: "", createdAt: "", preview: "named", updatedAt: "2025-01-01T00:00:00Z" }]);
    expect(store.get("t1")?.info).toMatchObject({ modelProvider: "openai", preview: "named", updatedAt: "2025-01-01T00:00:00Z" });
  });
});

describe("the thread picker", () => {
  const now = Date.parse("2025-03-10T12:00:00Z");

  it("says how long ago each thread was active", () => {
    expect(relativeTime("2025-03-10T11:59:40Z", now)).toBe("just now");
    expect(relativeTime("2025-03-10T11:35:00Z", now)).toBe("25 min ago");
    expect(relativeTime("2025-03-10T09:00:00Z", now)).toBe("3 h ago");
    expect(relativeTime("2025-03-09T09:00:00Z", now)).toBe("yesterday");
    expect(relativeTime("2025-03-06T12:00:00Z", now)).toBe("4 days ago");
    expect(relativeTime("2025-01-02T12:00:00Z", now)).toBe("Jan 2");
    expect(relativeTime("2023-01-02T12:00:00Z", now)).toBe("Jan 2, 2023");
    expect(relativeTime("not a date", now)).toBe("");
  });

  it("lists the threads by name, searchable by time, model and folder; picking one opens it", async () => {
    const threads = [
      thread("t1", { preview: "Fix the parser", updatedAt: "2025-03-10T11:55:00Z" }),
      thread("t2", { preview: "", cwd: "/elsewhere", updatedAt: "2025-03-08T12:00:00Z" }),
    ];
    vi.spyOn(Date, "now").mockReturnValue(now);
    const opened: string[] = [];
    stub.quickPickAnswer = threadPickItem(threads[1]!, "t1", now, "/ws");
    const picked = await pickThread({
      listThreads: async () => threads,
      openThread: async (id) => opened.push(id),
      activeThreadId: () => "t1",
      root: "/ws",
    });
    const [items, options] = (window.showQuickPick as unknown as { mock: { lastCall: [unknown[], Record<string, unknown>] } }).mock.lastCall;
    vi.mocked(Date.now).mockRestore();
    expect(picked).toBe("t2");
    expect(opened).toEqual(["t2"]);
    expect(items).toEqual([
      { threadId: "t1", label: "Fix the parser", description: "5 min ago · current", detail: "gpt-test" },
      { threadId: "t2", label: "New thread", description: "2 days ago", detail: "gpt-test · /elsewhere" },
    ]);
    expect(options).toMatchObject({ matchOnDescription: true, matchOnDetail: true });
  });

  it("the chat's thread button opens the picker", async () => {
    const pick = vi.fn(async () => undefined);
    const chat = fakeChat({ deps: { pickThread: pick } });
    await chat.controller.handle({ type: "pickThread" });
    expect(pick).toHaveBeenCalledTimes(1);
  });
});

describe("model, effort and approval mode for the next turn", () => {
  it("shows the catalogue and the thread's settings, and sends the user's choices with turn/start", async () => {
    const state = memento();
    const options = new TurnOptions(state);
    const { rpc } = fakeRpc({ "tandem/model/list": () => CATALOGUE });
    await refreshCatalogue(rpc, options);
    const info = { ...thread("t1"), model: "gpt-5.5", reasoningEffort: "high" };
    expect(options.view(info)).toMatchObject({
      provider: "openai", providerName: "OpenAI", model: "gpt-5.5", effort: "high", efforts: ["minimal", "low", "medium", "high"],
      approvalMode: "auto", customApproval: null,
    });
    expect(options.overrides(info)).toEqual({}); // nothing chosen: the thread keeps its settings

    const chat = fakeChat({
      handlers: {
        "tandem/thread/start": () => ({ thread: thread("t1") }),
        "tandem/turn/start": (p) => ({ turn: { id: "u1", status: "inProgress" }, thread: { ...thread("t1"), model: p["model"], preview: "go" } }),
      },
      deps: { turnOptions: options },
    });
    await chat.controller.handle({ type: "setTurnOption", option: "model", value: "gpt-4.1" });
    await chat.controller.handle({ type: "setTurnOption", option: "effort", value: "low" }); // gpt-4.1 takes none
    await chat.controller.handle({ type: "setTurnOption", option: "approvalMode", value: "read-only" });
    expect(chat.posts.filter((p) => p.type === "turnOptions").at(-1)).toMatchObject({ model: "gpt-4.1", efforts: [], effort: null, approvalMode: "read-only" });
    await chat.controller.send("go");
    const start = chat.requests.find((r) => r.method === "tandem/turn/start")!;
    expect(start.params).toMatchObject({ model: "gpt-4.1", approvalPolicy: "on-request", sandboxMode: "read-only" });
    expect(start.params).not.toHaveProperty("effort");
    expect(state.values[SELECTION_KEY]).toEqual({ model: "gpt-4.1", effort: "low", approvalMode: "read-only" });
    // The thread is named after the prompt at once (turn/start's thread).
    expect(chat.posts.filter((p) => p.type === "threads").at(-1)).toMatchObject({ threads: [{ id: "t1", preview: "go" }] });

    // The choices are the workspace's: a new window reads them back.
    const again = new TurnOptions(state);
    again.setCatalogue(CATALOGUE);
    again.choose("model", "gpt-5.5");
    expect(again.overrides(null)).toEqual({ model: "gpt-5.5", effort: "low", approvalPolicy: "on-request", sandboxMode: "read-only" });
  });

  it("approval modes are Codex's three presets; another pair shows as custom", () => {
    expect(approvalModeOf("on-request", "read-only")).toBe("read-only");
    expect(approvalModeOf("on-request", "workspace-write")).toBe("auto");
    expect(approvalModeOf("never", "danger-full-access")).toBe("full-access");
    const options = new TurnOptions();
    options.setCatalogue(CATALOGUE);
    expect(options.view({ ...thread("t1"), approvalPolicy: "untrusted" })).toMatchObject({ approvalMode: null, customApproval: "untrusted, workspace-write" });
    options.choose("approvalMode", "bogus");
    expect(options.chosen).toEqual({});
  });

  it("an older server without tandem/model/list leaves the pickers empty", async () => {
    const options = new TurnOptions();
    await refreshCatalogue(fakeRpc({}).rpc, options);
    expect(options.view(null)).toMatchObject({ models: [], model: null, efforts: [] });
  });
});

describe("the token meter's figures follow the thread", () => {
  it("context tokens, window and cumulative counts per thread; none for a thread without usage", () => {
    const store = new ThreadStore();
    const router = new NotificationRouter();
    router.listen((n) => store.apply(n));
    store.setActive("a");
    router.dispatch("tandem/thread/tokenUsage", usage("a", 800, 5000));
    expect(store.usage()).toMatchObject({ contextTokens: 800, contextWindow: 1000, usedTokens: 5000, used: { inputTokens: 4900 } });
    store.setActive("b");
    expect(store.usage()).toBeNull();
    router.dispatch("tandem/thread/tokenUsage", usage("a", 900, 6000)); // another thread's usage is not shown
    expect(store.usage()).toBeNull();
    store.setActive("a");
    expect(store.usage()?.contextTokens).toBe(900);
  });
});
