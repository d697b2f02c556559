import { describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { ApprovalBroker } from "../../src/approvalBroker";
import { notificationPresenter } from "../../src/approvals";
import { ChatController } from "../../src/chat";
import { ProposalManager } from "../../src/proposals";
import { ReviewStates } from "../../src/review";
import { readSettings } from "../../src/settings";
import type { RequestApprovalParams } from "../../src/shared/protocolTypes";
import { ThreadStore } from "../../src/threads";
import { fakeRpc } from "./helpers";
import { stub } from "./vscodeStub";

const hunk = (id: string) => ({ id, header: "@@", diff: "@@" });
const PARAMS: RequestApprovalParams = {
  requestId: "req-1", threadId: "t1", turnId: "u1", itemId: "fc1", kind: "fileChange",
  changes: [{ path: "f.txt", kind: "update", diff: "", hunks: [hunk("h1"), hunk("h2")], oldText: "a\nb\n", newText: "A\nB\n" }],
};
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

/** The extension's wiring of one pending file change: broker, review states, proposal diff, chat. */
function wired(previewIds?: (accepted: string[]) => string[]) {
  const broker = new ApprovalBroker();
  const reviews = new ReviewStates();
  const { rpc, requests } = fakeRpc({
    "tandem/change/preview": (p) => {
      const accepted = p.acceptedHunkIds as string[];
      const included = previewIds ? previewIds(accepted) : accepted;
      return { files: [{ path: "f.txt", kind: "update", oldText: "a\nb\n", text: "", hunks: ["h1", "h2"].map((id, i) => ({ id, status: included.includes(id) ? "included" : "excluded", startLine: i, lineCount: 1 })) }] };
    },
    "tandem/change/rejectFiles": () => ({ done: ["h1"], kept: ["h2"] }),
    "tandem/change/acceptFiles": () => ({ done: ["h1", "h2"], kept: [] }),
    "tandem/undo": () => ({ checkpointId: "e1", turnId: "u1", restored: ["f.txt"], kept: [] }),
    "tandem/redo": () => ({ checkpointId: "e2", turnId: "u1", restored: ["f.txt"], kept: [] }),
  });
  const proposals = new ProposalManager(broker, rpc, reviews);
  proposals.register();
  const infos: string[] = [];
  const posts: unknown[] = [];
  const host = {
    post: (m: unknown) => posts.push(m), cwd: () => "/ws", toUri: (p: string) => p, findFiles: async () => [],
    openFile: async () => undefined, openDiff: async () => undefined, info: (m: string) => infos.push(m),
  };
  const controller = new ChatController({
    rpc, store: new ThreadStore(), broker, reviews, proposals, settings: () => readSettings({ get: () => undefined }),
    connected: () => true, host,
  });
  broker.addPresenter(reviews.presenter());
  broker.addPresenter(notificationPresenter(() => false, { visible: () => true, onDidChangeVisibility: () => ({ dispose: () => undefined }) }));
  broker.addPresenter(controller.presenter());
  broker.addPresenter(proposals.presenter());
  return { broker, reviews, controller, requests, infos };
}

describe("the chat card and the diff are one review", () => {
  it("a hunk rejected in the diff, then Accept in the chat: the reply carries exactly the hunks the preview shows", async () => {
    const { broker, reviews, controller } = wired();
    const reply = broker.handle(PARAMS);
    await settle();
    reviews.get("req-1")!.decide("h2", "rejected"); // the diff's "Reject hunk" lens
    await controller.handle({ type: "approve", requestId: "req-1", decision: "accept" });
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: ["h1"] });
  });

  it("the answer follows the preview, not a second copy of the decisions", async () => {
    // A server whose preview includes only h2 whatever is asked: the chat's Accept says so too.
    const { broker, controller } = wired(() => ["h2"]);
    const reply = broker.handle(PARAMS);
    await settle();
    await controller.handle({ type: "approve", requestId: "req-1", decision: "acceptForSession" });
    expect(await reply).toEqual({ decision: "acceptForSession", acceptedHunkIds: ["h2"] });
  });

  it("no notification offers an Accept for a file change", async () => {
    const { broker } = wired();
    void broker.handle(PARAMS);
    await settle();
    expect(stub.warnings).toEqual([]);
  });
});

describe("the turn summary's actions", () => {
  it("Keep / Undo files of a turn go to tandem/change/acceptFiles|rejectFiles; hunks left alone are told", async () => {
    const { controller, requests, infos } = wired();
    await controller.handle({ type: "reviewFiles", threadId: "t1", turnId: "u1", action: "undo", paths: ["f.txt"] });
    await controller.handle({ type: "reviewFiles", threadId: "t1", turnId: "u1", action: "keep" });
    expect(requests.map((r) => [r.method, r.params])).toEqual([
      ["tandem/change/rejectFiles", { threadId: "t1", turnId: "u1", paths: ["f.txt"] }],
      ["tandem/change/acceptFiles", { threadId: "t1", turnId: "u1" }],
    ]);
    expect(infos).toEqual(["left 1 hunk you edited since as it is."]);
  });

  it("Restore checkpoint undoes that turn (tandem/undo with its turnId); Redo brings it back", async () => {
    const { controller, requests, infos } = wired();
    await controller.handle({ type: "restoreCheckpoint", threadId: "t1", turnId: "u1" });
    await controller.handle({ type: "redoCheckpoint", threadId: "t1" });
    expect(requests.map((r) => [r.method, r.params])).toEqual([
      ["tandem/undo", { threadId: "t1", turnId: "u1" }],
      ["tandem/redo", { threadId: "t1" }],
    ]);
    expect(infos).toEqual(["Undid the turn: restored 1 file.", "Redid the turn: restored 1 file."]);
  });
});
