import { describe, expect, it } from "vitest";
import { METHOD_NAMES } from "../../src/protocol/generated";
import { CLIENT_REQUESTS, SERVER_NOTIFICATIONS } from "../../src/protocol/methods";
import { NotificationRouter } from "../../src/notifications";
import { fakeChat, thread } from "./helpers";

describe("notification routing", () => {
  it("knows every server->client notification of the generated protocol", () => {
    expect(SERVER_NOTIFICATIONS).toContain("tandem/item/agentMessageDelta");
    expect(SERVER_NOTIFICATIONS).toContain("tandem/serverRequest/resolved");
    expect(SERVER_NOTIFICATIONS).not.toContain("tandem/requestApproval");
    expect(SERVER_NOTIFICATIONS.length + CLIENT_REQUESTS.length + 1).toBe(METHOD_NAMES.length);
  });

  it("registers one handler per notification and forwards each to the webview verbatim", () => {
    const handlers = new Map<string, (params: unknown) => void>();
    const source = { onNotification: (method: string, h: (params: unknown) => void) => (handlers.set(method, h), { dispose: () => handlers.delete(method) }) };
    const router = new NotificationRouter();
    const registration = router.attach(source);
    expect([...handlers.keys()]).toEqual(SERVER_NOTIFICATIONS);

    const { controller, posts } = fakeChat();
    router.listen((n) => controller.forward(n));
    for (const method of SERVER_NOTIFICATIONS) handlers.get(method)!({ threadId: "t1", marker: method });
    expect(posts).toEqual(SERVER_NOTIFICATIONS.map((method) => ({ type: "notification", method, params: { threadId: "t1", marker: method } })));

    registration.dispose();
    expect(handlers.size).toBe(0);
  });

  it("a throwing listener does not stop the others", () => {
    const errors: unknown[] = [];
    const router = new NotificationRouter((e) => errors.push(e));
    const seen: string[] = [];
    router.listen(() => {
      throw new Error("boom");
    });
    router.listen((n) => seen.push(n.method));
    router.dispatch("tandem/turn/started", { threadId: "t", turn: { id: "u" } });
    expect(seen).toEqual(["tandem/turn/started"]);
    expect(errors).toHaveLength(1);
  });

  it("feeds the thread store: running turns, usage, file changes", () => {
    const { store } = fakeChat();
    const router = new NotificationRouter();
    router.listen((n) => store.apply(n));
    store.upsert(thread("t1"));
    store.setActive("t1");
    router.dispatch("tandem/turn/started", { threadId: "t1", turn: { id: "u1", status: "inProgress" } });
    expect(store.activeThread()?.runningTurnId).toBe("u1");
    expect(store.anyRunning()).toBe(true);
    router.dispatch("tandem/thread/tokenUsage", {
      threadId: "t1", used: { totalTokens: 1200 }, last: { totalTokens: 700 }, contextWindow: 272000, contextTokens: 900,
    });
    expect(store.usage()).toEqual({
      usedTokens: 1200, contextWindow: 272000, contextTokens: 900, lastTokens: 700, used: { totalTokens: 1200 },
    });
    const item = { type: "fileChange", id: "fc1", changes: [{ path: "a.txt", kind: "update", diff: "" }], status: "completed" };
    router.dispatch("tandem/item/completed", { threadId: "t1", turnId: "u1", item });
    expect(store.fileChange("fc1")).toEqual({ threadId: "t1", item });
    router.dispatch("tandem/turn/completed", { threadId: "t1", turn: { id: "u1", status: "completed" } });
    expect(store.anyRunning()).toBe(false);
    // A late turn/start result must not make the finished turn run again.
    store.turnStarted("t1", { id: "u1", status: "inProgress" });
    expect(store.anyRunning()).toBe(false);
    expect(store.turn("u1")?.status).toBe("completed");
  });
});
