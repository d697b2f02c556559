/**
 * Contract tests: the extension's request/notification handler modules (notification router,
 * thread store, approval broker + handler, chat controller, review state) against the real
 * `tandem lsp` process and the scripted model server.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalPresenter, DismissReason, PendingApproval } from "../../src/approvalBroker";
import { ChatController, type ChatHost } from "../../src/chat";
import { readSettings } from "../../src/settings";
import { ReviewState, ReviewStates } from "../../src/review";
import type { ResultOf } from "../../src/protocol/methods";
import type { RequestApprovalResult } from "../../src/shared/protocolTypes";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import { message, patch, requirePython, respond, shell, World, type Session } from "./server";

beforeAll(() => requirePython());

let world: World;
afterEach(async () => {
  await world?.dispose();
});

/** A chat controller over the session, with a host that records what the page would receive. */
function chat(session: Session) {
  const posts: HostToWebview[] = [];
  const host: ChatHost = {
    post: (m) => posts.push(m),
    cwd: () => session.workspace,
    toUri: (p) => `file://${path.join(session.workspace, p)}`,
    findFiles: async () => [],
    openFile: async () => undefined,
    openDiff: async () => undefined,
    info: () => undefined,
  };
  const reviews = new ReviewStates();
  session.broker.addPresenter(reviews.presenter());
  const controller = new ChatController({
    rpc: session.rpc,
    store: session.store,
    broker: session.broker,
    reviews,
    settings: () => readSettings({ get: () => undefined }),
    connected: () => true,
    host,
  });
  session.router.listen((n) => controller.forward(n));
  session.broker.addPresenter(controller.presenter());
  return { controller, posts };
}

/** A presenter standing in for the user: answers with `decide` (undefined: never answers). */
function fakeUser(decide: (approval: PendingApproval) => RequestApprovalResult | undefined | Promise<RequestApprovalResult | undefined>) {
  const shown: PendingApproval[] = [];
  const dismissed: [string, DismissReason][] = [];
  const presenter: ApprovalPresenter = {
    show: async (approval) => {
      shown.push(approval);
      return decide(approval);
    },
    dismiss: (requestId, reason) => dismissed.push([requestId, reason]),
  };
  return { presenter, shown, dismissed };
}

describe("tandem lsp contract", () => {
  it("thread/start + turn/start: streamed notifications reach the router, the store and the chat page", async () => {
    world = new World();
    await world.model([respond({ type: "reasoning", summary: "Thinking about it" }, message("Hello from the scripted model."))]);
    const session = await world.server();
    const { controller, posts } = chat(session);

    await controller.handle({ type: "send", text: "say hello", mentions: [], images: [] });
    expect(posts.filter((p) => p.type === "error")).toEqual([]);
    const threadId = session.store.activeThreadId!;
    expect(threadId).toBeTruthy();
    const done = await session.waitFor("tandem/turn/completed");
    expect(done).toMatchObject({ threadId, turn: { status: "completed" } });

    const methods = session.notes.map((n) => n.method);
    expect(methods).toContain("tandem/turn/started");
    expect(methods).toContain("tandem/item/agentMessageDelta");
    const deltas = session.notes.filter((n) => n.method === "tandem/item/agentMessageDelta").map((n) => n.params.delta).join("");
    expect(deltas).toBe("Hello from the scripted model.");
    const completed = session.notes.filter((n) => n.method === "tandem/item/completed").map((n) => n.params.item as { type: string; text?: string });
    expect(completed).toContainEqual(expect.objectContaining({ type: "agentMessage", text: "Hello from the scripted model." }));

    // Every notification was forwarded to the page verbatim, in order.
    const forwarded = posts.filter((p) => p.type === "notification");
    expect(forwarded.map((p) => p.method)).toEqual(methods);
    expect(posts.find((p) => p.type === "threadOpened")).toMatchObject({ thread: { id: threadId }, items: [] });
    // The store followed the turn: idle again, usage known.
    expect(session.store.anyRunning()).toBe(false);
    expect(session.store.usage()?.usedTokens).toBeGreaterThan(0);
    expect(session.errors).toEqual([]);
  });

  it("a command approval answered through the approval handler: the command runs", async () => {
    world = new World();
    await world.model([respond(shell("touch made-by-agent")), respond(message("done"))]);
    const session = await world.server(["--approval-policy", "untrusted"]);
    const user = fakeUser((a) => (a.params.kind === "command" ? { decision: "accept" } : undefined));
    session.broker.addPresenter(user.presenter);
    const { controller, posts } = chat(session);

    await controller.send("make a file");
    await session.waitFor("tandem/turn/completed");

    expect(user.shown).toHaveLength(1);
    const { requestId, params } = user.shown[0]!;
    expect(params).toMatchObject({ kind: "command", command: "touch made-by-agent", cwd: session.workspace });
    // The params carry the JSON-RPC id that serverRequest/resolved refers to.
    expect(requestId).toMatch(/^approval-/);
    const resolved = await session.waitFor("tandem/serverRequest/resolved");
    expect(resolved.requestId).toBe(requestId);
    expect(user.dismissed).toEqual([[requestId, "answered"]]);
    expect(posts).toContainEqual(expect.objectContaining({ type: "approval", requestId, command: "touch made-by-agent" }));
    expect(posts).toContainEqual({ type: "approvalResolved", requestId });
    expect(existsSync(path.join(session.workspace, "made-by-agent"))).toBe(true);
  });

  it("a proposed prefix rule answered with acceptWithPrefixRule is not asked again", async () => {
    world = new World();
    const touch = (file: string) => ({ ...shell(`touch ${file}`), arguments: { command: `touch ${file}`, prefix_rule: ["touch"] } });
    await world.model([respond(touch("one")), respond(shell("touch two")), respond(message("done"))]);
    const session = await world.server(["--approval-policy", "untrusted"]);
    const user = fakeUser((a) => (a.params.prefixRule ? { decision: "acceptWithPrefixRule" } : { decision: "decline" }));
    session.broker.addPresenter(user.presenter);

    await chat(session).controller.send("make two files");
    await session.waitFor("tandem/turn/completed");
    expect(user.shown.map((a) => [a.params.command, a.params.prefixRule])).toEqual([["touch one", ["touch"]]]);
    expect(existsSync(path.join(session.workspace, "one"))).toBe(true);
    expect(existsSync(path.join(session.workspace, "two"))).toBe(true);
  });

  it("a file-change approval: tandem/change/preview with one of two hunks accepted, answered with it: exactly that lands on disk", async () => {
    world = new World();
    const original = Array.from({ length: 20 }, (_, i) => `line ${i + 1}\n`).join("");
    writeFileSync(path.join(world.workspace, "f.txt"), original);
    const edit = "*** Begin Patch\n*** Update File: f.txt\n@@\n line 1\n-line 2\n+LINE TWO\n line 3\n" +
      "@@\n line 17\n-line 18\n+LINE EIGHTEEN\n line 19\n*** End Patch";
    await world.model([respond(patch(edit)), respond(message("edited"))]);
    const session = await world.server(["--approval-policy", "untrusted"]);
    let previewed: ResultOf<"tandem/change/preview"> | undefined;
    const user = fakeUser(async (a) => {
      // The user reviews the proposal as the diff editor does: rejects the second hunk, and the
      // right side of the diff is the server's preview with the first hunk only.
      const review = new ReviewState(a.params.changes ?? []);
      const [, second] = a.params.changes![0]!.hunks;
      review.decide(second!.id, "rejected");
      previewed = await session.rpc.request("tandem/change/preview", {
        threadId: a.params.threadId,
        requestId: a.requestId,
        acceptedHunkIds: review.includedHunkIds(),
      });
      const included = previewed.files.flatMap((f) => f.hunks.filter((h) => h.status === "included").map((h) => h.id));
      return review.result("accept", included);
    });
    session.broker.addPresenter(user.presenter);

    await chat(session).controller.send("edit f.txt");
    const done = await session.waitFor("tandem/turn/completed");
    expect(done).toMatchObject({ turn: { status: "completed" } });

    const { params } = user.shown[0]!;
    expect(params.kind).toBe("fileChange");
    const change = params.changes![0]!;
    const both = original.replace("line 2\n", "LINE TWO\n").replace("line 18\n", "LINE EIGHTEEN\n");
    expect(change).toMatchObject({ path: "f.txt", kind: "update", oldText: original, newText: both });
    expect(change.hunks).toHaveLength(2);
    const [first, second] = change.hunks;
    const onDisk = readFileSync(path.join(session.workspace, "f.txt"), "utf8");
    expect(onDisk).toBe(original.replace("line 2\n", "LINE TWO\n"));
    // The preview of the accepted subset is exactly what the server applied; each hunk's span is
    // its changed line (0-based): the kept hunk's new line, the rejected one's old line.
    expect(previewed).toEqual({
      files: [
        expect.objectContaining({
          path: "f.txt", kind: "update", oldText: original, text: onDisk,
          hunks: [
            { id: first!.id, status: "included", startLine: 1, lineCount: 1 },
            { id: second!.id, status: "excluded", startLine: 17, lineCount: 1 },
          ],
        }),
      ],
    });
    // A preview of an answered request is refused.
    await expect(session.rpc.request("tandem/change/preview", { threadId: params.threadId, requestId: params.requestId, acceptedHunkIds: [] }))
      .rejects.toMatchObject({ code: -32001 });
  });

  it("tandem/change/read of an applied change: the texts before and after, as the server committed them", async () => {
    world = new World();
    const original = "alpha\nbeta\n";
    writeFileSync(path.join(world.workspace, "f.txt"), original);
    const edit = "*** Begin Patch\n*** Update File: f.txt\n@@\n alpha\n-beta\n+BETA\n*** Add File: new.txt\n+fresh\n*** End Patch";
    await world.model([respond(patch(edit)), respond(message("edited"))]);
    const session = await world.server(); // the default policy applies a workspace edit without asking
    await chat(session).controller.send("edit");
    await session.waitFor("tandem/turn/completed");
    const threadId = session.store.activeThreadId!;
    const [item] = session.store.fileChangesOf(threadId);
    expect(item?.status).toBe("completed");
    // The user edits the file afterwards: the read still gives the texts of the change itself.
    writeFileSync(path.join(session.workspace, "f.txt"), "edited by the user\n");

    const { files } = await session.rpc.request("tandem/change/read", { threadId, changeId: item!.id });
    expect(files).toEqual([
      expect.objectContaining({ path: "f.txt", kind: "update", oldText: original, newText: "alpha\nBETA\n" }),
      expect.objectContaining({ path: "new.txt", kind: "add", oldText: null, newText: "fresh\n" }),
    ]);
    await expect(session.rpc.request("tandem/change/read", { threadId, changeId: "no-such-change" })).rejects.toMatchObject({ code: -32001 });
  });

  it("interrupting the turn withdraws a pending approval everywhere", async () => {
    world = new World();
    await world.model([respond(shell("touch never")), respond(message("after"))]);
    const session = await world.server(["--approval-policy", "untrusted"]);
    const user = fakeUser(() => undefined); // the user does not answer
    session.broker.addPresenter(user.presenter);
    const { controller, posts } = chat(session);

    await controller.send("go");
    const deadline = Date.now() + 20_000;
    while (user.shown.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const { requestId } = user.shown[0]!;
    expect(await controller.interrupt()).toBe(true);

    const done = await session.waitFor("tandem/turn/completed");
    expect(done).toMatchObject({ turn: { status: "interrupted" } });
    await session.waitFor("tandem/serverRequest/resolved", (p) => p.requestId === requestId);
    expect(user.dismissed).toEqual([[requestId, "withdrawn"]]);
    expect(posts).toContainEqual({ type: "approvalResolved", requestId });
    expect(session.broker.pending()).toEqual([]);
    expect(existsSync(path.join(session.workspace, "never"))).toBe(false);
  });

  it("thread/list and resume, also from a new server process (after a restart)", async () => {
    world = new World();
    await world.model([respond(message("first answer"))]);
    const first = await world.server();
    const one = chat(first);
    await one.controller.send("remember this");
    await first.waitFor("tandem/turn/completed");
    const threadId = first.store.activeThreadId!;

    const listed = await one.controller.listThreads();
    expect(listed.map((t) => t.id)).toContain(threadId);
    await first.shutdown();

    const second = await world.server();
    const two = chat(second);
    const threads = await two.controller.listThreads();
    const recorded = threads.find((t) => t.id === threadId);
    expect(recorded?.preview).toContain("remember this");

    // Fork from the first server's recorded thread: the fork opens with the history it copied.
    await two.controller.handle({ type: "forkThread", threadId });
    const forked = two.posts.filter((p) => p.type === "threadOpened").at(-1);
    if (forked?.type !== "threadOpened") throw new Error("no threadOpened for the fork");
    expect(forked.thread.id).not.toBe(threadId);
    expect(forked.items.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
    two.posts.length = 0;

    await two.controller.handle({ type: "selectThread", threadId });
    const opened = two.posts.find((p) => p.type === "threadOpened");
    expect(opened).toBeDefined();
    if (opened?.type !== "threadOpened") throw new Error("no threadOpened");
    expect(opened.thread.id).toBe(threadId);
    expect(opened.items.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
    expect(second.store.activeThreadId).toBe(threadId);
  });
});
