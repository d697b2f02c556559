/** The host side of the chat's feedback: Retry, code-block actions, failure advice, capabilities, the panel's visibility. */
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStubFeedback"));

import { feedbackStub, Selection, stub, textDocument, Uri, window } from "./vscodeStubFeedback";
import { ChatPanel } from "../../src/chatPanel";
import { BILLING_URLS, FeedbackHost, OPEN_SETUP_COMMAND, TURN_RUNNING_CONTEXT } from "../../src/feedbackHost";
import { slashCommandsOf } from "../../src/serverCapabilities";
import { ApprovalBroker } from "../../src/approvalBroker";
import { ReviewStates } from "../../src/review";
import { ThreadStore } from "../../src/threads";
import { fakeChat, thread } from "./helpers";

beforeEach(() => feedbackStub.reset());

describe("Retry and the failure actions through the chat controller", () => {
  it("Retry starts a new turn with the failed turn's input", async () => {
    const chat = fakeChat({ handlers: { "tandem/turn/start": () => ({ turn: { id: "u2", status: "inProgress" } }) } });
    chat.store.upsert(thread("t1"));
    chat.store.setActive("t1");
    const input = [{ type: "text" as const, text: "Fix it" }, { type: "file" as const, uri: "file:///ws/a.py" }];
    await chat.controller.handle({ type: "retryTurn", threadId: "t1", turnId: "u1", input });
    expect(chat.requests).toEqual([{ method: "tandem/turn/start", params: { threadId: "t1", input } }]);
    expect(chat.store.activeThread()?.runningTurnId).toBe("u2");
  });

  it("code-block and failure actions go to the editor side; compact is /compact", async () => {
    const actions = { codeBlock: vi.fn(async () => undefined), failureAction: vi.fn(async () => undefined) };
    const chat = fakeChat({ handlers: { "tandem/thread/compact": () => ({ turn: { id: "c", status: "inProgress" } }) } });
    (chat.controller as unknown as { deps: { actions: typeof actions } }).deps.actions = actions;
    chat.store.upsert(thread("t1"));
    chat.store.setActive("t1");
    await chat.controller.handle({ type: "codeBlock", action: "insert", code: "x = 1", language: "python" });
    expect(actions.codeBlock).toHaveBeenCalledWith("insert", "x = 1", "python");
    await chat.controller.handle({ type: "failureAction", action: "checkBilling", threadId: "t1" });
    expect(actions.failureAction).toHaveBeenCalledWith("checkBilling", "t1");
    await chat.controller.handle({ type: "failureAction", action: "compact", threadId: "t1" });
    expect(chat.requests).toEqual([{ method: "tandem/thread/compact", params: { threadId: "t1" } }]);
  });

  it("ready sends the server's slash commands", async () => {
    const chat = fakeChat();
    (chat.controller as unknown as { deps: { slashCommands: () => string[] } }).deps.slashCommands = () => ["new", "compact"];
    expect(chat.controller.capabilities()).toEqual({ type: "capabilities", slashCommands: ["new", "compact"] });
    expect(fakeChat().controller.capabilities()).toEqual({ type: "capabilities", slashCommands: null });
  });
});

describe("the server's capabilities", () => {
  it("reads experimental.tandem.slashCommands from the initialize result", () => {
    expect(slashCommandsOf({ capabilities: { experimental: { tandem: { version: 1, slashCommands: ["new", "undo"] } } } })).toEqual(["new", "undo"]);
    expect(slashCommandsOf({ capabilities: {} })).toBeNull();
    expect(slashCommandsOf(undefined)).toBeNull();
    expect(slashCommandsOf({ capabilities: { experimental: { tandem: { slashCommands: [1] } } } })).toBeNull();
  });
});

function host(opts: { provider?: string } = {}) {
  const store = new ThreadStore();
  const broker = new ApprovalBroker();
  const reviews = new ReviewStates();
  broker.addPresenter(reviews.presenter());
  const applied: unknown[] = [];
  const logs = vi.fn();
  const feedback = new FeedbackHost({
    store, broker, reviews, showLogs: logs, defaultProvider: () => opts.provider ?? "",
    applyCode: async (editor, code, language) => void applied.push({ editor, code, language }),
  });
  return { feedback, store, broker, applied, logs };
}

function fakeEditor() {
  const edits: { range: unknown; text: string }[] = [];
  const editor = {
    document: { ...textDocument(Uri.file("/ws/a.py"), "x\n"), isClosed: false },
    selection: new Selection(1, 0, 1, 0),
    selections: [new Selection(1, 0, 1, 0)],
    viewColumn: 1,
    edit: async (fn: (b: { replace(range: unknown, text: string): void }) => void) => {
      fn({ replace: (range, text) => edits.push({ range, text }) });
      return true;
    },
  };
  return { editor, edits };
}

describe("the editor side", () => {
  it("Copy writes the clipboard; Insert puts the code at the cursor; Apply is an inline ask", async () => {
    const { feedback, applied } = host();
    await feedback.codeBlock("copy", "print(1)", "python");
    expect(feedbackStub.clipboard).toBe("print(1)");

    await feedback.codeBlock("insert", "print(1)", "python");
    expect(stub.infos).toEqual(["Tandem: open a file to insert the code into."]);

    const { editor, edits } = fakeEditor();
    window.activeTextEditor = editor;
    (window.showTextDocument as ReturnType<typeof vi.fn>).mockResolvedValueOnce(editor);
    await feedback.codeBlock("insert", "print(1)", "python");
    expect(edits).toEqual([{ range: editor.selections[0], text: "print(1)" }]);
    await feedback.codeBlock("apply", "print(2)", "python");
    expect(applied).toEqual([{ editor, code: "print(2)", language: "python" }]);
  });

  it("Open settings runs tandem.openSetup when it exists, else Tandem's settings; billing by provider", async () => {
    const { feedback, store, logs } = host({ provider: "ollama" });
    await feedback.failureAction("openSetup", null);
    expect(stub.executed.at(-1)).toEqual({ command: "workbench.action.openSettings", args: ["@ext:tandem.tandem"] });
    feedbackStub.commandList = [OPEN_SETUP_COMMAND];
    await feedback.failureAction("openSetup", null);
    expect(stub.executed.at(-1)).toEqual({ command: OPEN_SETUP_COMMAND, args: [] });

    store.upsert(thread("t1", { modelProvider: "anthropic" }));
    await feedback.failureAction("checkBilling", "t1");
    expect(feedbackStub.opened).toHaveLength(1);
    expect(feedbackStub.opened[0]).toContain(new URL(BILLING_URLS["anthropic"]!).pathname); // (the stub Uri keeps the path)
    await feedback.failureAction("checkBilling", null); // ollama: no billing page -> the setup
    expect(stub.executed.at(-1)).toEqual({ command: OPEN_SETUP_COMMAND, args: [] });
    await feedback.failureAction("showLogs", null);
    expect(logs).toHaveBeenCalled();
  });

  it("the notification's links answer through tandem.answerApproval; the turn-running context key follows", async () => {
    const { feedback, broker } = host();
    const reply = broker.handle({ requestId: "r1", threadId: "t", turnId: "u", itemId: "i", kind: "command", command: "ls" });
    await stub.commands.get("tandem.answerApproval")!("r1", "acceptForSession");
    expect(await reply).toEqual({ decision: "acceptForSession" });
    await stub.commands.get("tandem.answerApproval")!("r1", "accept");
    expect(stub.infos).toEqual(["Tandem: that request was already answered or withdrawn."]);

    feedback.updateContext(true);
    feedback.updateContext(true);
    feedback.updateContext(false);
    expect(stub.executed.filter((e) => e.command === "setContext")).toEqual([
      { command: "setContext", args: [TURN_RUNNING_CONTEXT, true] },
      { command: "setContext", args: [TURN_RUNNING_CONTEXT, false] },
    ]);
  });
});

describe("the chat panel's visibility and badge", () => {
  it("reports visibility changes and shows pending approvals as a badge", () => {
    const panel = new ChatPanel(Uri.file("/ext") as never, { openDiff: async () => undefined });
    const seen: boolean[] = [];
    panel.onDidChangeVisibility((v) => seen.push(v));
    let fire: () => void = () => undefined;
    const view = {
      visible: false,
      badge: undefined as unknown,
      webview: { options: {}, html: "", cspSource: "c", asWebviewUri: (u: unknown) => u, onDidReceiveMessage: () => ({ dispose() {} }), postMessage: async () => true },
      onDidDispose: () => ({ dispose() {} }),
      onDidChangeVisibility: (l: () => void) => ((fire = l), { dispose() {} }),
    };
    expect(panel.visible()).toBe(false);
    panel.resolveWebviewView(view as never);
    view.visible = true;
    fire();
    expect(seen).toEqual([false, true]);
    expect(panel.visible()).toBe(true);
    panel.setBadge(2);
    expect(view.badge).toEqual({ value: 2, tooltip: "2 Tandem approvals waiting" });
    panel.setBadge(0);
    // (not undefined: VS Code 1.100 leaves a webview view's badge up when it is set to undefined)
    expect(view.badge).toEqual({ value: 0, tooltip: "" });
  });
});
