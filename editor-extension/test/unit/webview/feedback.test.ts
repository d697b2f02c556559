/** Pure parts of the page's feedback: waiting commands in the reducer, paths, the approval pill, advice, slash commands. */
import { describe, expect, it } from "vitest";
import type { HostToWebview } from "../../../src/shared/webviewMessages";
import { commandPhase } from "../../../webview/render/command";
import { relativeDir } from "../../../webview/render/common";
import { isLongMessage } from "../../../webview/render/messages";
import { retryText } from "../../../webview/render/retry";
import { approvalDirection } from "../../../webview/render/scroll";
import { busyLabel, modelLabel } from "../../../webview/render/statusLine";
import { chatKeyOf, listenForChatKeys } from "../../../webview/keys";
import { adviceFor } from "../../../webview/render/turnFailure";
import { emptyHintText, offeredSlashCommands } from "../../../webview/slash";
import { type CommandEntry, initialState, reduceAll, turnInput, type ViewState } from "../../../webview/state";
import { CWD, item, n, secondTurnPendingCommand, setup, THREAD_ID, TURN_ID } from "../../webview/fixtures";

const run = (messages: HostToWebview[], from: ViewState = initialState()): ViewState => reduceAll(from, messages);
const command = (s: ViewState, id: string): CommandEntry => s.entries[id] as CommandEntry;

describe("a command waiting for approval", () => {
  it("is marked while its approval is pending, and unmarked however the approval goes away", () => {
    let s = run([...setup(), ...secondTurnPendingCommand()]);
    expect(command(s, "item-8").approvalRequestId).toBe("approval-77c2d9e0a5b3");
    expect(commandPhase(command(s, "item-8"))).toBe("waitingForApproval");
    expect(busyLabel(s)).toBe("Waiting for approval");
    // An item/updated while waiting keeps the mark.
    s = run([item("updated", { type: "commandExecution", id: "item-8", command: "pytest -q && ruff check src", cwd: CWD, status: "inProgress" }, "a41d7730e2c9")], s);
    expect(commandPhase(command(s, "item-8"))).toBe("waitingForApproval");
    for (const gone of [
      { type: "approvalResolved", requestId: "approval-77c2d9e0a5b3" } as HostToWebview,
      n("tandem/serverRequest/resolved", { requestId: "approval-77c2d9e0a5b3" }),
      n("tandem/turn/completed", { turn: { id: "a41d7730e2c9", status: "interrupted" } }),
    ]) {
      const after = run([gone], s);
      expect(command(after, "item-8").approvalRequestId).toBeNull();
      expect(after.approvalByItem).toEqual({});
      expect(busyLabel(after)).toBe("Working…");
    }
  });

  it("phases: running, succeeded, failed (a non-zero exit), declined", () => {
    const base = { kind: "command", id: "c", turnId: null, command: "x", cwd: "/", durationMs: null, output: { head: "", tail: "", omitted: 0 }, approvalRequestId: null } as const;
    expect(commandPhase({ ...base, status: "inProgress", exitCode: null })).toBe("running");
    expect(commandPhase({ ...base, status: "completed", exitCode: 0 })).toBe("succeeded");
    expect(commandPhase({ ...base, status: "completed", exitCode: 2 })).toBe("failed");
    expect(commandPhase({ ...base, status: "failed", exitCode: null })).toBe("failed");
    expect(commandPhase({ ...base, status: "declined", exitCode: null })).toBe("declined");
  });
});

describe("paths relative to the workspace", () => {
  it("hides the root, shows subdirectories relative and other places absolute", () => {
    expect(relativeDir("/home/dev/shop", "/home/dev/shop")).toBeNull();
    expect(relativeDir("/home/dev/shop/", "/home/dev/shop")).toBeNull();
    expect(relativeDir("/home/dev/shop/tests/unit", "/home/dev/shop")).toBe("tests/unit");
    expect(relativeDir("/home/dev/shopping", "/home/dev/shop")).toBe("/home/dev/shopping");
    expect(relativeDir("/tmp", null)).toBe("/tmp");
  });
});

describe("the approval pill", () => {
  const view = { top: 0, bottom: 500 };
  it("is needed when a pending card's buttons are off screen, pointing where it is", () => {
    expect(approvalDirection(view, [])).toBeNull();
    expect(approvalDirection(view, [{ top: 100, bottom: 300 }])).toBeNull();
    expect(approvalDirection(view, [{ top: 450, bottom: 650 }])).toBe("below");
    expect(approvalDirection(view, [{ top: 900, bottom: 1100 }])).toBe("below");
    expect(approvalDirection(view, [{ top: -400, bottom: -100 }])).toBe("above");
    // One seen, one not: still needed.
    expect(approvalDirection(view, [{ top: 100, bottom: 300 }, { top: 800, bottom: 900 }])).toBe("below");
  });
});

describe("a failed turn's advice", () => {
  it("comes from the server's code, and a server error is not a connection problem", () => {
    expect(adviceFor("server", "openai").title).toBe("The model provider had a server error");
    expect(adviceFor("server", "openai").text).toContain("not a problem with your connection");
    expect(adviceFor("connection", "openai").title).toBe("Connection problem");
    expect(adviceFor("connection", "ollama").title).toBe("Could not reach the local model server");
    expect(adviceFor("quota", null).buttons.map((b) => b.action)).toEqual(["checkBilling", "openSetup", "retry"]);
    expect(adviceFor("auth", null).buttons.map((b) => b.action)).toContain("openSetup");
    expect(adviceFor("context", null).buttons.map((b) => b.action)).toContain("compact");
    expect(adviceFor(null, null).buttons.map((b) => b.action)).toContain("retry");
  });

  it("the retry banner is worded by the code", () => {
    expect(retryText({ attempt: 1, maxAttempts: 4, message: "HTTP 500", code: "server" })).toMatch(/^The model provider had a server error; retrying \(attempt 1 of 4\)/);
    expect(retryText({ attempt: 2, maxAttempts: 5, message: "reset", code: "connection" })).toMatch(/^Connection problem; retrying/);
    expect(retryText({ attempt: 1, maxAttempts: 5, message: "?", code: null })).toMatch(/^The model request failed; retrying/);
  });

  it("keeps the server's code on the turn entry, and Retry finds the turn's input", () => {
    const input = [{ type: "text" as const, text: "Fix it" }];
    const s = run([...setup(), n("tandem/turn/started", { turn: { id: TURN_ID, status: "inProgress" } }),
      item("started", { type: "userMessage", id: "u", content: input }),
      n("tandem/turn/completed", { turn: { id: TURN_ID, status: "failed", error: { message: "HTTP 500", code: "server" } } })]);
    expect(s.entries[`turn:${TURN_ID}`]).toMatchObject({ status: "failed", error: "HTTP 500", errorCode: "server" });
    expect(turnInput(s, TURN_ID)).toEqual(input);
    expect(turnInput(s, "other")).toBeNull();
    expect(s.activeThreadId).toBe(THREAD_ID);
  });
});

describe("small things", () => {
  it("the model label never says no model", () => {
    expect(modelLabel({ model: null, connected: true, busy: false, usedTokens: null, lastTokens: null, contextWindow: null, contextTokens: null, used: null })).toBe("Default model");
    expect(modelLabel({ model: "gpt-5", connected: true, busy: false, usedTokens: null, lastTokens: null, contextWindow: null, contextTokens: null, used: null })).toBe("gpt-5");
    expect(modelLabel({ model: "gpt-5", connected: false, busy: false, usedTokens: null, lastTokens: null, contextWindow: null, contextTokens: null, used: null })).toBe("Disconnected · gpt-5");
  });

  it("long user messages collapse", () => {
    expect(isLongMessage("short")).toBe(false);
    expect(isLongMessage("x".repeat(701))).toBe(true);
    expect(isLongMessage(Array(13).fill("a").join("\n"))).toBe(true);
  });

  it("offers the slash commands the server announces (no /review until it does)", () => {
    expect(offeredSlashCommands(null)).toEqual(["new", "compact", "undo", "redo"]);
    expect(offeredSlashCommands(["new", "compact", "undo", "redo"])).not.toContain("review");
    expect(offeredSlashCommands(["review", "new"])).toEqual(["new", "review"]);
    expect(emptyHintText(["new", "undo"])).toBe("Type @ to attach a file, $ for a skill, / for commands (/new, /undo). Paste images with Ctrl+V.");
    const s = run([{ type: "capabilities", slashCommands: ["new"] }]);
    expect(s.slashCommands).toEqual(["new"]);
  });
});

describe("the chat page's keys", () => {
  const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey" | "isComposing" | "defaultPrevented", boolean>> = {}) => ({
    key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, isComposing: false, defaultPrevented: false, ...mods,
  });

  it("Esc stops, Ctrl+L (Cmd+L on macOS) starts a new thread; anything else, composing or handled keys are not theirs", () => {
    expect(chatKeyOf(key("Escape"), false)).toBe("stop");
    expect(chatKeyOf(key("Escape"), true)).toBe("stop");
    expect(chatKeyOf(key("l", { ctrlKey: true }), false)).toBe("newThread");
    expect(chatKeyOf(key("L", { ctrlKey: true }), false)).toBe("newThread");
    expect(chatKeyOf(key("l", { metaKey: true }), true)).toBe("newThread");
    expect(chatKeyOf(key("l", { ctrlKey: true }), true)).toBeNull();
    expect(chatKeyOf(key("l", { metaKey: true }), false)).toBeNull();
    expect(chatKeyOf(key("l", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(chatKeyOf(key("l"), false)).toBeNull();
    expect(chatKeyOf(key("Escape", { isComposing: true }), false)).toBeNull();
    expect(chatKeyOf(key("Escape", { defaultPrevented: true }), false)).toBeNull();
    expect(chatKeyOf(key("Escape", { ctrlKey: true }), false)).toBeNull();
  });

  it("a stop only while a turn runs; handled keys do not reach VS Code", () => {
    let listener: ((e: KeyboardEvent) => void) | undefined;
    const target = { addEventListener: (_type: string, l: (e: KeyboardEvent) => void) => void (listener = l) };
    let running = false;
    const posted: string[] = [];
    listenForChatKeys(target as never, { running: () => running, stop: () => posted.push("stop"), newThread: () => posted.push("new") }, false);
    const press = (k: string, ctrlKey = false) => {
      const e = { ...key(k, { ctrlKey }), prevented: false, stopped: false, preventDefault() { this.prevented = true; }, stopPropagation() { this.stopped = true; } };
      listener?.(e as unknown as KeyboardEvent);
      return e;
    };
    expect(press("Escape").stopped).toBe(false);
    running = true;
    const stop = press("Escape");
    expect([stop.prevented, stop.stopped]).toEqual([true, true]);
    expect(press("l", true).stopped).toBe(true);
    expect(press("a").stopped).toBe(false);
    expect(posted).toEqual(["stop", "new"]);
  });
});
