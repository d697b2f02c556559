import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub } from "./vscodeStub";
import { ApprovalBroker, registerApprovalHandler } from "../../src/approvalBroker";
import { approvalText, notificationPresenter } from "../../src/approvals";
import { NotificationRouter } from "../../src/notifications";
import type { RequestApprovalParams } from "../../src/shared/protocolTypes";
import type { HostToWebview } from "../../src/shared/webviewMessages";
import { fakeChat, tokenSource } from "./helpers";

const command: RequestApprovalParams = {
  requestId: "approval-1",
  threadId: "t1",
  turnId: "u1",
  itemId: "i1",
  kind: "command",
  command: "rm -rf build",
  cwd: "/ws",
  reason: "clean the build",
};

/** A broker with the real notification presenter and the chat panel presenter (as in extension.ts). */
function setup(modal = false) {
  const broker = new ApprovalBroker();
  const chat = fakeChat({ broker });
  broker.addPresenter(notificationPresenter(() => modal));
  broker.addPresenter(chat.controller.presenter());
  return { broker, posts: chat.posts, controller: chat.controller };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => stub.reset());

describe("command approvals", () => {
  it("shows a notification with the four buttons and the same prompt in the panel", async () => {
    const { broker, posts } = setup();
    stub.warningAnswer = new Promise(() => undefined); // the user has not clicked yet
    void broker.handle({ ...command, requestId: "approval-1" });
    await flush();
    expect(stub.warnings).toHaveLength(1);
    expect(stub.warnings[0]!.message).toContain("Tandem wants to run: rm -rf build");
    expect(stub.warnings[0]!.items).toEqual(["Accept", "Accept for session", "Decline", "Cancel turn"]);
    expect(stub.warnings[0]!.options).toMatchObject({ modal: false });
    expect(posts).toContainEqual({ type: "approval", ...command, requestId: "approval-1" });
  });

  it("the notification's answer is the reply, and the panel prompt is withdrawn", async () => {
    const { broker, posts } = setup();
    stub.warningAnswer = "Accept for session";
    const reply = await broker.handle({ ...command, requestId: "approval-2" });
    expect(reply).toEqual({ decision: "acceptForSession" });
    expect(posts).toContainEqual({ type: "approvalResolved", requestId: "approval-2" });
    expect(broker.pending()).toEqual([]);
  });

  it("the panel's answer is the reply; a later click on the notification is ignored", async () => {
    const { broker, controller } = setup();
    let click: (answer: string) => void = () => undefined;
    stub.warningAnswer = new Promise((resolve) => (click = resolve));
    const reply = broker.handle({ ...command, requestId: "approval-3" });
    await controller.handle({ type: "approve", requestId: "approval-3", decision: "decline" });
    expect(await reply).toEqual({ decision: "decline" });
    click("Accept");
    await flush();
    expect(broker.answer("approval-3", { decision: "accept" })).toBe(false);
    expect(stub.infos).toEqual(["Tandem: that request was already answered or withdrawn."]);
  });

  it("a dismissed notification leaves the request to the panel; a dismissed modal declines", async () => {
    const plain = setup(false);
    stub.warningAnswer = undefined;
    void plain.broker.handle({ ...command, requestId: "approval-4" });
    await flush();
    expect(plain.broker.pending().map((p) => p.requestId)).toEqual(["approval-4"]);

    const modal = setup(true);
    const reply = await modal.broker.handle({ ...command, requestId: "approval-5" });
    expect(reply).toEqual({ decision: "decline" });
    expect(stub.warnings.at(-1)!.options).toMatchObject({ modal: true, detail: "Reason: clean the build\nIn: /ws" });
  });

  it("is withdrawn by tandem/serverRequest/resolved", async () => {
    const { broker, posts } = setup();
    stub.warningAnswer = new Promise(() => undefined);
    const router = new NotificationRouter();
    router.listen((n) => broker.onNotification(n));
    const reply = broker.handle({ ...command, requestId: "approval-6" });
    router.dispatch("tandem/serverRequest/resolved", { threadId: "t1", requestId: "approval-6" });
    expect(await reply).toEqual({ decision: "decline" });
    expect(posts).toContainEqual({ type: "approvalResolved", requestId: "approval-6" });
  });

  it("is withdrawn when the server cancels the request ($/cancelRequest -> token)", async () => {
    const { broker, posts } = setup();
    stub.warningAnswer = new Promise(() => undefined);
    const source = tokenSource();
    const reply = broker.handle({ ...command, requestId: "approval-7" }, source.token);
    source.cancel();
    expect(await reply).toEqual({ decision: "decline" });
    expect(posts.filter((p: HostToWebview) => p.type === "approvalResolved")).toEqual([{ type: "approvalResolved", requestId: "approval-7" }]);
  });

  it("a proposed prefix rule adds an \"Always allow\" button answering acceptWithPrefixRule", async () => {
    const { broker } = setup();
    stub.warningAnswer = "Always allow `git pull …`";
    const reply = await broker.handle({ ...command, requestId: "approval-8", command: "git pull origin main", prefixRule: ["git", "pull"] });
    expect(stub.warnings[0]!.items).toEqual(["Accept", "Accept for session", "Always allow `git pull …`", "Decline", "Cancel turn"]);
    expect(reply).toEqual({ decision: "acceptWithPrefixRule" });
  });

  it("network approvals read differently; file changes get no notification", async () => {
    expect(approvalText({ ...command, kind: "network", command: "curl example.com" }).message).toBe(
      "Tandem needs network access: curl example.com",
    );
    const presenter = notificationPresenter(() => false);
    expect(await presenter.show({ requestId: "x", params: { ...command, kind: "fileChange", command: null } })).toBeUndefined();
    expect(stub.warnings).toHaveLength(0);
  });
});

describe("registerApprovalHandler", () => {
  it("answers tandem/requestApproval with the broker, naming the request by params.requestId", async () => {
    const broker = new ApprovalBroker();
    let handler: ((params: unknown, token: ReturnType<typeof tokenSource>["token"]) => Promise<unknown>) | undefined;
    registerApprovalHandler({ onRequest: (method, h) => ((handler = h), expect(method).toBe("tandem/requestApproval"), { dispose() {} }) }, broker);
    const reply = handler!({ ...command, requestId: "approval-abc" }, tokenSource().token);
    expect(broker.pending().map((p) => p.requestId)).toEqual(["approval-abc"]);
    broker.answer("approval-abc", { decision: "accept", acceptedHunkIds: ["ignored for commands"] });
    expect(await reply).toEqual({ decision: "accept" });
  });

  it("a request whose id is still pending replaces the older one (which is declined)", async () => {
    const broker = new ApprovalBroker();
    const older = broker.handle(command);
    const newer = broker.handle({ ...command, reason: "again" });
    expect(await older).toEqual({ decision: "decline" });
    expect(broker.pending().map((p) => p.params.reason)).toEqual(["again"]);
    broker.answer(command.requestId, { decision: "accept" });
    expect(await newer).toEqual({ decision: "accept" });
  });
});
