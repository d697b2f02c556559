import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStubFeedback"));

import { EventEmitter, feedbackStub, stub } from "./vscodeStubFeedback";
import { ApprovalBroker, registerApprovalHandler } from "../../src/approvalBroker";
import { ANSWER_APPROVAL_COMMAND, answerLink, approvalText, notificationPresenter, promptText } from "../../src/approvals";
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

/** The chat panel's visibility, as chatPanel.ts reports it. */
function fakePanel(visible: boolean) {
  const emitter = new EventEmitter<boolean>();
  const panel = {
    shown: visible,
    visible: () => panel.shown,
    onDidChangeVisibility: emitter.event,
    set(value: boolean) {
      panel.shown = value;
      emitter.fire(value);
    },
  };
  return panel;
}

/** A broker with the real notification presenter and the chat panel presenter (as in extension.ts). */
function setup(opts: { modal?: boolean; visible?: boolean } = {}) {
  const broker = new ApprovalBroker();
  const chat = fakeChat({ broker });
  const panel = fakePanel(opts.visible ?? false);
  const presenter = notificationPresenter(() => opts.modal ?? false, panel);
  broker.addPresenter(presenter);
  broker.addPresenter(chat.controller.presenter());
  return { broker, posts: chat.posts, controller: chat.controller, panel, presenter };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Decode a `command:tandem.answerApproval?…` link. */
const decode = (link: string): unknown => JSON.parse(decodeURIComponent(link.slice(link.indexOf("?") + 1)));

beforeEach(() => feedbackStub.reset());

describe("command approvals: a card when the chat is visible, a closable notification when not", () => {
  it("the chat panel is visible: only the card, no notification", async () => {
    const { broker, posts, presenter } = setup({ visible: true });
    void broker.handle({ ...command, requestId: "approval-1" });
    await flush();
    expect(feedbackStub.progress).toHaveLength(0);
    expect(stub.warnings).toHaveLength(0);
    expect(posts).toContainEqual({ type: "approval", ...command, requestId: "approval-1" });
    expect(presenter.surface("approval-1")).toBe("chatCard");
  });

  it("the panel is hidden: a notification whose links answer; it closes when the card answers", async () => {
    const { broker, controller, presenter } = setup({ visible: false });
    const reply = broker.handle({ ...command, requestId: "approval-2" });
    await flush();
    expect(feedbackStub.progress).toHaveLength(1);
    const shown = feedbackStub.progress[0]!;
    expect(shown.options.title).toBe("Tandem wants to run “rm -rf build” (clean the build)");
    const message = shown.reports[0]!.message!;
    const links = [...message.matchAll(/\[([^\]]+)\]\(([^)]+)\)/g)].map((m) => [m[1], m[2]]);
    expect(links.map(([label]) => label)).toEqual(["Accept", "Accept for session", "Decline", "Cancel turn", "Open chat"]);
    expect(decode(links[0]![1]!)).toEqual(["approval-2", "accept"]);
    expect(links[0]![1]).toMatch(new RegExp(`^command:${ANSWER_APPROVAL_COMMAND.replace(".", "\\.")}\\?`));
    expect(presenter.surface("approval-2")).toBe("notification");
    expect(shown.closed).toBe(false);

    await controller.handle({ type: "approve", requestId: "approval-2", decision: "decline" });
    expect(await reply).toEqual({ decision: "decline" });
    await flush();
    expect(shown.closed).toBe(true); // answered elsewhere: the notification is gone
    expect(presenter.surface("approval-2")).toBeNull();
  });

  it("showing the panel closes the notification; hiding it again brings it back while pending", async () => {
    const { broker, panel } = setup({ visible: false });
    const reply = broker.handle({ ...command, requestId: "approval-3" });
    await flush();
    panel.set(true);
    await flush();
    expect(feedbackStub.progress.map((p) => p.closed)).toEqual([true]);
    panel.set(false);
    await flush();
    expect(feedbackStub.progress.map((p) => p.closed)).toEqual([true, false]);
    broker.answer("approval-3", { decision: "accept" });
    expect(await reply).toEqual({ decision: "accept" });
    await flush();
    expect(feedbackStub.progress.map((p) => p.closed)).toEqual([true, true]);
  });

  it("is withdrawn by tandem/serverRequest/resolved: card and notification go", async () => {
    const { broker, posts } = setup();
    const router = new NotificationRouter();
    router.listen((n) => broker.onNotification(n));
    const reply = broker.handle({ ...command, requestId: "approval-6" });
    await flush();
    router.dispatch("tandem/serverRequest/resolved", { threadId: "t1", requestId: "approval-6" });
    expect(await reply).toEqual({ decision: "decline" });
    await flush();
    expect(posts).toContainEqual({ type: "approvalResolved", requestId: "approval-6" });
    expect(feedbackStub.progress[0]!.closed).toBe(true);
  });

  it("is withdrawn when the server cancels the request ($/cancelRequest -> token)", async () => {
    const { broker, posts } = setup();
    const source = tokenSource();
    const reply = broker.handle({ ...command, requestId: "approval-7" }, source.token);
    source.cancel();
    expect(await reply).toEqual({ decision: "decline" });
    expect(posts.filter((p: HostToWebview) => p.type === "approvalResolved")).toEqual([{ type: "approvalResolved", requestId: "approval-7" }]);
  });

  it("a proposed prefix rule adds an \"Always allow\" link answering acceptWithPrefixRule", () => {
    const { message } = promptText("approval-8", { ...command, command: "git pull origin main", prefixRule: ["git", "pull"] });
    expect(message).toContain("[Always allow `git pull …`](");
    expect(decode(answerLink("approval-8", "acceptWithPrefixRule"))).toEqual(["approval-8", "acceptWithPrefixRule"]);
  });

  it("network approvals read differently; file changes get no notification", async () => {
    expect(approvalText({ ...command, kind: "network", command: "curl example.com" }).message).toBe(
      "Tandem needs network access: curl example.com",
    );
    expect(promptText("n", { ...command, kind: "network", command: "curl example.com", reason: null }).title).toBe(
      "Tandem needs network access for “curl example.com”",
    );
    const presenter = notificationPresenter(() => false, fakePanel(false));
    expect(await presenter.show({ requestId: "x", params: { ...command, kind: "fileChange", command: null } })).toBeUndefined();
    expect(feedbackStub.progress).toHaveLength(0);
  });
});

describe("modal command approvals (tandem.approvals.modal)", () => {
  it("ask in a dialog whatever the panel does; its answer is the reply; a dismissed dialog declines", async () => {
    const { broker } = setup({ modal: true, visible: true });
    stub.warningAnswer = "Accept for session";
    expect(await broker.handle({ ...command, requestId: "approval-4" })).toEqual({ decision: "acceptForSession" });
    expect(stub.warnings[0]!.items).toEqual(["Accept", "Accept for session", "Decline", "Cancel turn"]);
    expect(stub.warnings[0]!.options).toMatchObject({ modal: true, detail: "Reason: clean the build\nIn: /ws" });
    stub.warningAnswer = undefined;
    expect(await broker.handle({ ...command, requestId: "approval-5" })).toEqual({ decision: "decline" });
  });

  it("a click after the chat answered is ignored", async () => {
    const { broker, controller } = setup({ modal: true });
    let click: (answer: string) => void = () => undefined;
    stub.warningAnswer = new Promise((resolve) => (click = resolve));
    const reply = broker.handle({ ...command, requestId: "approval-9" });
    await flush();
    await controller.handle({ type: "approve", requestId: "approval-9", decision: "decline" });
    expect(await reply).toEqual({ decision: "decline" });
    click("Accept");
    await flush();
    expect(broker.answer("approval-9", { decision: "accept" })).toBe(false);
    expect(stub.infos).toEqual(["Tandem: that request was already answered or withdrawn."]);
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
