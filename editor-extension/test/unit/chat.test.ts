import { describe, expect, it } from "vitest";
import { transcriptUpTo } from "../../src/chat";
import type { Item } from "../../src/shared/protocolTypes";
import { fakeChat, thread } from "./helpers";

const started = (id = "t1") => ({ thread: thread(id) });

describe("chat intents", () => {
  it("send starts a thread first (with the settings), then the turn with text, mentions and images", async () => {
    const chat = fakeChat({
      settings: { model: "gpt-x", approvalPolicy: "untrusted" },
      handlers: {
        "tandem/thread/start": () => started("t1"),
        "tandem/turn/start": () => ({ turn: { id: "u1", status: "inProgress" } }),
      },
    });
    await chat.controller.handle({
      type: "send",
      text: "explain",
      mentions: [{ path: "src/a.ts", startLine: 2, endLine: 3 }],
      images: [{ dataUrl: "data:image/png;base64,AA", name: "i.png" }],
    });
    expect(chat.requests).toEqual([
      { method: "tandem/thread/start", params: { cwd: "/ws", model: "gpt-x", approvalPolicy: "untrusted" } },
      {
        method: "tandem/turn/start",
        params: {
          threadId: "t1",
          input: [
            { type: "text", text: "explain" },
            { type: "file", uri: "file:///ws/src/a.ts", range: { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } } },
            { type: "image", dataUrl: "data:image/png;base64,AA" },
          ],
        },
      },
    ]);
    expect(chat.posts).toContainEqual({ type: "threadOpened", thread: thread("t1"), items: [] });
    expect(chat.posts).toContainEqual({ type: "threads", threads: [thread("t1")], activeThreadId: "t1" });
    expect(chat.store.activeThread()?.runningTurnId).toBe("u1");
  });

  it("send while a turn runs steers it; after a server restart the thread is resumed once", async () => {
    let turnStarts = 0;
    const chat = fakeChat({
      handlers: {
        "tandem/turn/steer": () => ({}),
        "tandem/thread/resume": () => ({ thread: thread("t1"), items: [] }),
        "tandem/turn/start": () => {
          if (turnStarts++ === 0) throw Object.assign(new Error("no thread 't1' is loaded"), { code: -32001 });
          return { turn: { id: "u2", status: "inProgress" } };
        },
      },
    });
    chat.store.setActive("t1");
    chat.store.turnStarted("t1", { id: "u1", status: "inProgress" });
    await chat.controller.handle({ type: "send", text: "also this", mentions: [], images: [] });
    expect(chat.requests.map((r) => r.method)).toEqual(["tandem/turn/steer"]);

    chat.store.resetRunning();
    await chat.controller.handle({ type: "send", text: "next", mentions: [], images: [] });
    expect(chat.requests.map((r) => r.method)).toEqual(["tandem/turn/steer", "tandem/turn/start", "tandem/thread/resume", "tandem/turn/start"]);
    expect(chat.posts.filter((p) => p.type === "error")).toEqual([]);
  });

  it("errors go to the panel", async () => {
    const chat = fakeChat({ handlers: { "tandem/thread/start": () => Promise.reject(new Error("no API key")) } });
    await chat.controller.handle({ type: "send", text: "hi", mentions: [], images: [] });
    expect(chat.posts).toContainEqual({ type: "error", message: "no API key" });
  });

  it("slash commands: /new starts a thread, /undo and /redo call the server, /compact compacts, /review is unsupported", async () => {
    const chat = fakeChat({
      handlers: {
        "tandem/thread/start": () => started("t9"),
        "tandem/undo": () => ({ checkpointId: "ckpt-1", turnId: "u1", restored: ["a.py", "b.txt"],
                                kept: [{ path: "c.py", reason: "edited since" }] }),
        "tandem/redo": () => ({ checkpointId: "ckpt-2", turnId: "u1", restored: ["a.py"], kept: [] }),
        "tandem/thread/compact": () => ({ turn: { id: "c1", status: "inProgress" } }),
      },
    });
    await chat.controller.handle({ type: "slash", command: "new" });
    expect(chat.store.activeThreadId).toBe("t9");
    await chat.controller.handle({ type: "slash", command: "undo" });
    expect(chat.requests.at(-1)).toEqual({ method: "tandem/undo", params: { threadId: "t9" } });
    expect(chat.infos).toEqual(["Undid the turn: restored 2 files; kept your edits in c.py."]);
    await chat.controller.handle({ type: "slash", command: "redo" });
    expect(chat.requests.at(-1)).toEqual({ method: "tandem/redo", params: { threadId: "t9" } });
    expect(chat.infos.at(-1)).toBe("Redid the turn: restored 1 file.");
    await chat.controller.handle({ type: "slash", command: "compact" });
    expect(chat.requests.at(-1)).toEqual({ method: "tandem/thread/compact", params: { threadId: "t9" } });
    await chat.controller.handle({ type: "slash", command: "review", args: "src" });
    expect(chat.posts.filter((p) => p.type === "error")).toEqual([
      { type: "error", message: "/review is not supported by this server version." },
    ]);
  });

  it("threads: list, select (resume) and fork (shown with the fork's items)", async () => {
    const items = [{ type: "userMessage", id: "m1", content: [{ type: "text", text: "hi" }] }];
    const chat = fakeChat({
      handlers: {
        "tandem/thread/list": () => ({ threads: [thread("t1"), thread("t2")] }),
        "tandem/thread/resume": (p) => ({ thread: thread(p.threadId as string), items }),
        "tandem/thread/fork": () => ({ thread: thread("t3") }),
      },
    });
    await chat.controller.handle({ type: "listThreads" });
    expect(chat.posts.at(-1)).toEqual({ type: "threads", threads: [thread("t1"), thread("t2")], activeThreadId: null });
    await chat.controller.handle({ type: "selectThread", threadId: "t2" });
    expect(chat.posts).toContainEqual({ type: "threadOpened", thread: thread("t2"), items });
    await chat.controller.handle({ type: "forkThread", threadId: "t2", turnId: "u5" });
    expect(chat.requests).toContainEqual({ method: "tandem/thread/fork", params: { threadId: "t2", turnId: "u5" } });
    expect(chat.posts).toContainEqual({ type: "threadOpened", thread: thread("t3"), items });
    expect(chat.store.activeThreadId).toBe("t3");
  });

  it("interrupt sends turn/interrupt for the running turn only", async () => {
    const chat = fakeChat({ handlers: { "tandem/turn/interrupt": () => ({}) } });
    await chat.controller.handle({ type: "interrupt" });
    expect(chat.requests).toEqual([]);
    chat.store.setActive("t1");
    chat.store.turnStarted("t1", { id: "u1", status: "inProgress" });
    await chat.controller.handle({ type: "interrupt" });
    expect(chat.requests).toEqual([{ method: "tandem/turn/interrupt", params: { threadId: "t1", turnId: "u1" } }]);
  });

  it("searchMentions, openFile, openDiff go to the host", async () => {
    const chat = fakeChat();
    await chat.controller.handle({ type: "searchMentions", query: "app" });
    expect(chat.posts).toContainEqual({ type: "mentionResults", query: "app", files: ["src/app.ts"] });
    await chat.controller.handle({ type: "openFile", path: "src/app.ts", line: 4 });
    expect(chat.host.openFile).toHaveBeenCalledWith("src/app.ts", 4);
    await chat.controller.handle({ type: "openDiff", itemId: "fc1" });
    expect(chat.host.openDiff).toHaveBeenCalledWith("fc1", undefined);
  });

  it("approve answers a pending approval; a stale one is withdrawn from the page", async () => {
    const chat = fakeChat();
    const reply = chat.broker.handle({ requestId: "r1", threadId: "t", turnId: "u", itemId: "i", kind: "command", command: "make" });
    await chat.controller.handle({ type: "approve", requestId: "r1", decision: "acceptForSession" });
    expect(await reply).toEqual({ decision: "acceptForSession" });
    await chat.controller.handle({ type: "approve", requestId: "gone", decision: "accept" });
    expect(chat.posts.at(-1)).toEqual({ type: "approvalResolved", requestId: "gone" });
  });

  it("a file change's card and the diff share one review: decideHunk changes it, every change is posted, approve answers with it", async () => {
    const chat = fakeChat();
    const hunks = [{ id: "h1", header: "@@ -1 +1 @@", diff: "" }, { id: "h2", header: "@@ -9 +9 @@", diff: "" }];
    const params = {
      requestId: "r1", threadId: "t", turnId: "u", itemId: "i", kind: "fileChange" as const,
      changes: [{ path: "f.txt", kind: "update" as const, diff: "", hunks, oldText: "a\n", newText: "b\n" }],
    };
    const reply = chat.broker.handle(params);
    await chat.controller.handle({ type: "decideHunk", requestId: "r1", hunkId: "h2", decision: "rejected" });
    expect(chat.posts.at(-1)).toEqual({ type: "hunkDecisions", requestId: "r1", decisions: { h1: "pending", h2: "rejected" } });
    // A lens in the proposal diff decides on the same state; the card hears of it.
    chat.reviews.get("r1")!.decide("h1", "accepted");
    expect(chat.posts.at(-1)).toEqual({ type: "hunkDecisions", requestId: "r1", decisions: { h1: "accepted", h2: "rejected" } });
    // The page (re)loads: the approval comes with its decisions.
    chat.posts.length = 0;
    await chat.controller.handle({ type: "ready" });
    expect(chat.posts.slice(-2)).toEqual([
      { type: "approval", ...params },
      { type: "hunkDecisions", requestId: "r1", decisions: { h1: "accepted", h2: "rejected" } },
    ]);
    await chat.controller.handle({ type: "approve", requestId: "r1", decision: "accept" });
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: ["h1"] });
    expect(chat.reviews.get("r1")).toBeUndefined();
    await chat.controller.handle({ type: "decideHunk", requestId: "r1", hunkId: "h1", decision: "rejected" });
    expect(chat.posts.at(-1)).toEqual({ type: "approvalResolved", requestId: "r1" });
  });

  it("a file change whose every hunk is rejected is declined", async () => {
    const chat = fakeChat();
    const changes = [{ path: "f.txt", kind: "update" as const, diff: "", hunks: [{ id: "h1", header: "", diff: "" }], oldText: "a\n", newText: "b\n" }];
    const reply = chat.broker.handle({ requestId: "r2", threadId: "t", turnId: "u", itemId: "i", kind: "fileChange", changes });
    await chat.controller.handle({ type: "decideHunk", requestId: "r2", hunkId: "h1", decision: "rejected" });
    await chat.controller.handle({ type: "approve", requestId: "r2", decision: "accept" });
    expect(await reply).toEqual({ decision: "decline" });
  });

  it("ready sends status, threads, the active transcript and pending approvals", async () => {
    const chat = fakeChat({
      handlers: {
        "tandem/thread/list": () => ({ threads: [thread("t1")] }),
        "tandem/thread/resume": () => ({ thread: thread("t1"), items: [] }),
      },
    });
    chat.store.setActive("t1");
    const params = { requestId: "r7", threadId: "t1", turnId: "u", itemId: "i", kind: "command" as const, command: "make" };
    void chat.broker.handle(params);
    chat.posts.length = 0;
    await chat.controller.handle({ type: "ready" });
    const types = chat.posts.map((p) => p.type);
    expect(types[0]).toBe("status");
    expect(types).toContain("threadOpened");
    expect(chat.posts.at(-1)).toEqual({ type: "approval", ...params, requestId: "r7" });
    expect(chat.posts[0]).toEqual({ type: "status", model: null, connected: true, busy: false, usedTokens: null, contextWindow: null,
      contextTokens: null, used: null,
    });
  });
});

describe("forks", () => {
  const user = (id: string): Item => ({ type: "userMessage", id, content: [{ type: "text", text: id }] });
  const agent = (id: string): Item => ({ type: "agentMessage", id, text: id });
  const items = [user("u1"), agent("a1"), user("u2"), agent("a2"), user("u3"), agent("a3")];

  it("cut a transcript after a turn", () => {
    expect(transcriptUpTo(items, ["t1", "t2", "t3"], "t2").map((i) => i.id)).toEqual(["u1", "a1", "u2", "a2"]);
    expect(transcriptUpTo(items, ["t1", "t2", "t3"], "t3")).toEqual(items);
    expect(transcriptUpTo(items, [], "t1")).toEqual(items);
  });

  it("a fork whose own transcript is empty shows the source's up to the fork point", async () => {
    const chat = fakeChat({
      handlers: {
        "tandem/thread/fork": () => ({ thread: thread("fork") }),
        "tandem/thread/resume": (p) => ({ thread: thread(p.threadId as string), items: p.threadId === "fork" ? [] : items }),
      },
    });
    for (const id of ["t1", "t2", "t3"]) chat.store.turnStarted("src", { id, status: "completed" });
    await chat.controller.handle({ type: "forkThread", threadId: "src", turnId: "t1" });
    expect(chat.posts).toContainEqual({ type: "threadOpened", thread: thread("fork"), items: [user("u1"), agent("a1")] });
  });
});
