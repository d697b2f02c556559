import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./reviewStub"));

import { fakeDocument, fakeEditor, review, Selection, stub, Uri, window } from "./reviewStub";
import { REVIEW_COMMANDS, registerReviewCommands } from "../../src/reviewCommands";

const PROPOSED = Uri.from({ scheme: "tandem-proposal", path: "/f.txt", query: "r=req-1&f=0&s=proposed" });

function setup() {
  const proposals = {
    requestOf: vi.fn((uri: Uri) => (uri.scheme === "tandem-proposal" ? "req-1" : undefined)),
    hunkAt: vi.fn(async () => ({ requestId: "req-1", hunkId: "h2" })),
    decide: vi.fn(() => true),
    decideFile: vi.fn(() => true),
    applyAccepted: vi.fn(async () => true),
    rejectAll: vi.fn(() => true),
  };
  const inline = {
    reviewHunk: vi.fn(async () => true),
    reviewFile: vi.fn(async () => true),
    reviewAll: vi.fn(async () => true),
    go: vi.fn(async () => true),
  };
  registerReviewCommands({ proposals: proposals as never, inline: inline as never });
  const run = (id: string) => stub.commands.get(id)!();
  return { proposals, inline, run };
}

function activate(uri: Uri, line = 0) {
  const editor = fakeEditor(fakeDocument(uri, "a\nb\nc"));
  editor.selection = new Selection(line, 0, line, 0);
  window.activeTextEditor = editor;
}

beforeEach(() => review.reset());

describe("review commands", () => {
  it("registers the eight ids the keybindings use", () => {
    setup();
    expect(Object.values(REVIEW_COMMANDS).every((id) => stub.commands.has(id))).toBe(true);
    expect(Object.values(REVIEW_COMMANDS)).toEqual([
      "tandem.keepHunk", "tandem.undoHunk", "tandem.nextHunk", "tandem.previousHunk",
      "tandem.keepFile", "tandem.undoFile", "tandem.keepAll", "tandem.undoAll",
    ]);
  });

  it("in a proposal diff: keep / undo decide the hunk or file of the review, Keep All applies it as shown, Undo All rejects it", async () => {
    const { proposals, inline, run } = setup();
    activate(PROPOSED, 2);
    await run(REVIEW_COMMANDS.keepHunk);
    expect(proposals.hunkAt).toHaveBeenCalledWith(PROPOSED, 2);
    expect(proposals.decide).toHaveBeenLastCalledWith("req-1", "h2", "accepted");
    await run(REVIEW_COMMANDS.undoHunk);
    expect(proposals.decide).toHaveBeenLastCalledWith("req-1", "h2", "rejected");
    await run(REVIEW_COMMANDS.undoFile);
    expect(proposals.decideFile).toHaveBeenLastCalledWith(PROPOSED, "rejected");
    await run(REVIEW_COMMANDS.keepAll);
    expect(proposals.applyAccepted).toHaveBeenCalledWith("req-1");
    await run(REVIEW_COMMANDS.undoAll);
    expect(proposals.rejectAll).toHaveBeenCalledWith("req-1");
    await run(REVIEW_COMMANDS.nextHunk);
    expect(stub.executed.at(-1)?.command).toBe("workbench.action.compareEditor.nextChange");
    expect(inline.reviewHunk).not.toHaveBeenCalled();
  });

  it("in any other editor: the applied changes' inline diff", async () => {
    const { inline, proposals, run } = setup();
    activate(Uri.file("/ws/a.py"));
    await run(REVIEW_COMMANDS.keepHunk);
    await run(REVIEW_COMMANDS.undoFile);
    await run(REVIEW_COMMANDS.undoAll);
    await run(REVIEW_COMMANDS.previousHunk);
    expect(inline.reviewHunk).toHaveBeenCalledWith("keep");
    expect(inline.reviewFile).toHaveBeenCalledWith("undo");
    expect(inline.reviewAll).toHaveBeenCalledWith("undo");
    expect(inline.go).toHaveBeenCalledWith("previous");
    expect(proposals.decide).not.toHaveBeenCalled();
  });

  it("a failure is shown, not thrown", async () => {
    const { inline, run } = setup();
    activate(Uri.file("/ws/a.py"));
    inline.go.mockRejectedValueOnce(new Error("no such file"));
    expect(await run(REVIEW_COMMANDS.nextHunk)).toBe(false);
    expect(stub.errors).toEqual(["Tandem: no such file"]);
  });
});
