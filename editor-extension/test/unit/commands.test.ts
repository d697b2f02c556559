import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub, Selection, textDocument, Uri, window } from "./vscodeStub";
import { COMMANDS, registerCommands, selectionMention, threadPickItem } from "../../src/commands";
import { fakeChat, thread } from "./helpers";

beforeEach(() => stub.reset());

function setup(handlers = {}) {
  const chat = fakeChat({ handlers });
  const inserted: unknown[] = [];
  const applied: string[] = [];
  registerCommands({
    rpc: chat.rpc,
    store: chat.store,
    broker: chat.broker,
    controller: chat.controller,
    revealChat: async () => undefined,
    insertIntoChat: (m) => inserted.push(m),
    inlineAsk: async () => undefined,
    restart: async () => undefined,
    showLogs: () => undefined,
    applyProposal: async (id) => (applied.push(id), true),
  });
  const run = (id: string) => stub.commands.get(id)!();
  return { ...chat, inserted, applied, run };
}

describe("palette commands", () => {
  it("registers every command id, none colliding with the server's commands", () => {
    setup();
    expect([...stub.commands.keys()].sort()).toEqual(Object.values(COMMANDS).sort());
    for (const id of ["tandem.ask", "tandem.acceptHunk", "tandem.rejectHunk", "tandem.acceptChange", "tandem.rejectChange", "tandem.undo"]) {
      expect(stub.commands.has(id)).toBe(false);
    }
  });

  it("resume thread: a quick pick from tandem/thread/list, then thread/resume", async () => {
    const chat = setup({
      "tandem/thread/list": () => ({ threads: [thread("t1", { preview: "fix the bug" }), thread("t2")] }),
      "tandem/thread/resume": () => ({ thread: thread("t2"), items: [] }),
    });
    stub.quickPickAnswer = threadPickItem(thread("t2"), null);
    await chat.run(COMMANDS.resumeThread);
    expect(chat.requests.map((r) => r.method)).toEqual(["tandem/thread/list", "tandem/thread/resume"]);
    expect(chat.store.activeThreadId).toBe("t2");
    const now = Date.parse("2025-01-01T00:05:00Z");
    expect(threadPickItem(thread("t1", { preview: "fix\nthe bug" }), "t1", now, "/ws")).toMatchObject({
      label: "fix the bug", description: "5 min ago · current", detail: "gpt-test",
    });
  });

  it("add selection to chat inserts a mention with 1-based lines", async () => {
    const chat = setup();
    window.activeTextEditor = { document: textDocument(Uri.file("/ws/src/a.ts"), ""), selection: new Selection(4, 2, 9, 0) };
    await chat.run(COMMANDS.addSelectionToChat);
    expect(chat.inserted).toEqual([{ path: "src/a.ts", startLine: 5, endLine: 9 }]);
    expect(selectionMention("a", new Selection(1, 0, 1, 0))).toEqual({ path: "a" });
    expect(selectionMention("a", new Selection(1, 0, 1, 3))).toEqual({ path: "a", startLine: 2, endLine: 2 });
  });

  it("accept change answers the newest pending file-change approval first", async () => {
    const chat = setup();
    void chat.broker.handle({ requestId: "r1", threadId: "t", turnId: "u", itemId: "i", kind: "fileChange", changes: [] });
    await chat.run(COMMANDS.acceptChange);
    expect(chat.applied).toEqual(["r1"]);
  });

  it("reject change uses the server's code action under the cursor", async () => {
    const chat = setup();
    window.activeTextEditor = { document: textDocument(Uri.file("/ws/a.ts"), ""), selection: new Selection(3, 0, 3, 0) };
    const action = { title: "Tandem: Reject change", command: { title: "x", command: "tandem.rejectChange", arguments: [{ changeId: "fc1" }] } };
    stub.executeHandlers.set("vscode.executeCodeActionProvider", () => [action]);
    stub.executeHandlers.set("tandem.rejectChange", () => ({ done: ["h"] }));
    await chat.run(COMMANDS.rejectChange);
    expect(stub.executed.at(-1)).toEqual({ command: "tandem.rejectChange", args: [{ changeId: "fc1" }] });
  });

  it("errors become error messages", async () => {
    const chat = setup({ "tandem/thread/start": () => Promise.reject(new Error("no key")) });
    await chat.run(COMMANDS.newThread);
    expect(stub.errors).toEqual(["Tandem: no key"]);
  });
});
