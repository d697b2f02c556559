import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub, TabInputTextDiff, Uri, workspace } from "./vscodeStub";
import { fakeRpc } from "./helpers";
import { ApprovalBroker } from "../../src/approvalBroker";
import { ProposalManager, PROPOSAL_COMMANDS } from "../../src/proposals";
import { ReviewState } from "../../src/review";
import type { RequestApprovalParams } from "../../src/shared/protocolTypes";
import fixtures from "./fixtures/serverHunks.json";

const twoHunks = (fixtures as unknown as Record<string, { original: string; proposed: string; diff: string; hunks: { id: string; header: string; diff: string }[] }>).twoHunks!;
const add = (fixtures as unknown as Record<string, { proposed: string; hunks: { id: string; header: string; diff: string }[] }>).add!;
const [first, second] = twoHunks.hunks;

const params: RequestApprovalParams = {
  requestId: "p1",
  threadId: "t1",
  turnId: "u1",
  itemId: "fc1",
  kind: "fileChange",
  cwd: "/ws",
  changes: [
    { path: "f.txt", kind: "update", diff: "", hunks: twoHunks.hunks, oldText: null, newText: null },
    { path: "new.txt", kind: "add", diff: "", hunks: add.hunks, oldText: null, newText: null },
  ],
};

beforeEach(() => {
  stub.reset();
  stub.files.set("/ws/f.txt", twoHunks.original);
});

async function openReview() {
  const broker = new ApprovalBroker();
  const proposals = new ProposalManager(broker, fakeRpc().rpc, () => "/ws");
  proposals.register();
  broker.addPresenter(proposals.presenter());
  const reply = broker.handle({ ...params, requestId: "req-1" });
  // The presenter opens the diffs by itself (after reading the files).
  for (let i = 0; i < 20 && stub.executed.filter((e) => e.command === "vscode.diff").length < 2; i++) {
    await new Promise((r) => setTimeout(r, 0));
  }
  const docs = proposals.documents("req-1");
  const content = (uri: Uri) => Promise.resolve(proposals.provideTextDocumentContent(uri as never));
  const lenses = (uri: Uri) => proposals.provideCodeLenses({ uri } as never);
  return { broker, proposals, reply, docs, content, lenses };
}

describe("ReviewState", () => {
  it("accepts every hunk not rejected; declines when all are rejected", () => {
    const state = new ReviewState(params.changes!);
    expect(state.result()).toEqual({ decision: "accept", acceptedHunkIds: [first!.id, second!.id, add.hunks[0]!.id] });
    state.decide(second!.id, "rejected");
    state.decide(first!.id, "accepted");
    expect(state.result()).toEqual({ decision: "accept", acceptedHunkIds: [first!.id, add.hunks[0]!.id] });
    state.decideAll("rejected");
    expect(state.result()).toEqual({ decision: "decline" });
    expect(new ReviewState([{ path: "a", kind: "move", diff: "", hunks: [], oldText: null, newText: null, movePath: "b" }]).result()).toEqual({ decision: "accept", acceptedHunkIds: [] });
  });
});

describe("proposal review in the diff editor", () => {
  it("opens one diff per file: the file's text on the left, the proposal on the right", async () => {
    const { docs, content } = await openReview();
    const diffs = stub.executed.filter((e) => e.command === "vscode.diff");
    expect(diffs).toHaveLength(2);
    expect(diffs[0]!.args[0]).toBe(docs[0]!.original);
    expect(diffs[0]!.args[1]).toBe(docs[0]!.proposed);
    expect(diffs[0]!.args[2]).toBe("f.txt (Tandem proposal, 1/2)");
    expect(docs[0]!.proposed.scheme).toBe("tandem-proposal");
    expect(await content(docs[0]!.original)).toBe(twoHunks.original);
    expect(await content(docs[0]!.proposed)).toBe(twoHunks.proposed);
    expect(await content(docs[1]!.original)).toBe("");
    expect(await content(docs[1]!.proposed)).toBe(add.proposed);
  });

  it("reads an open buffer rather than the file on disk", async () => {
    stub.openDocuments.push({ uri: Uri.file("/ws/f.txt"), getText: () => `buffer\n${twoHunks.original}`, lineAt: () => ({ text: "" }) });
    const { docs, content } = await openReview();
    expect(await content(docs[0]!.proposed)).toBe(`buffer\n${twoHunks.proposed}`);
  });

  it("has lenses per hunk and at the top; rejecting a hunk updates the proposed text; Apply accepted replies with the rest", async () => {
    const { proposals, docs, content, lenses, reply } = await openReview();
    const titles = () => lenses(docs[0]!.proposed).map((l) => `${l.range.start.line}:${l.command!.title}`);
    expect(titles()).toEqual([
      "0:✓ Apply accepted (3/3 hunks)",
      "0:✗ Reject all",
      "1:✓ Accept hunk",
      "1:✗ Reject hunk",
      "17:✓ Accept hunk",
      "17:✗ Reject hunk",
    ]);
    expect(lenses(docs[0]!.original)).toEqual([]);
    const changed: string[] = [];
    proposals.onDidChange((uri) => changed.push(uri.toString()));
    const reject = lenses(docs[0]!.proposed).find((l) => l.range.start.line === 17 && l.command!.title === "✗ Reject hunk")!;
    expect(reject.command!.command).toBe(PROPOSAL_COMMANDS.rejectHunk);
    await stub.commands.get(reject.command!.command)!(...reject.command!.arguments!);
    expect(changed).toContain(docs[0]!.proposed.toString());
    expect(await content(docs[0]!.proposed)).toBe(twoHunks.original.replace("line 2\n", "LINE TWO\n"));
    expect(titles()).toContain("17:✗ Rejected hunk — restore");
    expect(titles()[0]).toBe("0:✓ Apply accepted (2/3 hunks)");

    stub.tabs.push({ input: new TabInputTextDiff(docs[0]!.original, docs[0]!.proposed) }, { input: { uri: Uri.file("/ws/other") } });
    const apply = lenses(docs[0]!.proposed)[0]!;
    await stub.commands.get(apply.command!.command)!(...apply.command!.arguments!);
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: [first!.id, add.hunks[0]!.id] });
    await new Promise((r) => setTimeout(r, 0));
    expect(stub.closedTabs).toHaveLength(1); // the review's diff tab closes, other tabs stay
    expect(proposals.documents("req-1")).toEqual([]);
  });

  it("Reject all declines; withdrawal closes the review", async () => {
    const first = await openReview();
    first.proposals.rejectAll("req-1");
    expect(await first.reply).toEqual({ decision: "decline" });

    const second = await openReview();
    second.broker.withdraw("req-1");
    expect(await second.reply).toEqual({ decision: "decline" });
    expect(second.proposals.documents("req-1")).toEqual([]);
    expect(second.lenses(second.docs[0]!.proposed)).toEqual([]);
  });

  it("an approval answered while its diff is opening still gets its tab closed", async () => {
    const broker = new ApprovalBroker();
    const proposals = new ProposalManager(broker, fakeRpc().rpc, () => "/ws");
    broker.addPresenter(proposals.presenter());
    stub.executeHandlers.set("vscode.diff", (left: unknown, right: unknown) => {
      stub.tabs.push({ input: new TabInputTextDiff(left as Uri, right as Uri) });
      broker.answer("req-9", { decision: "accept" }); // e.g. answered from the chat meanwhile
    });
    const single = { ...params, requestId: "req-9", changes: [params.changes![0]!] };
    const reply = broker.handle(single);
    expect(await reply).toEqual({ decision: "accept" });
    for (let i = 0; i < 20 && stub.closedTabs.length === 0; i++) await new Promise((r) => setTimeout(r, 0));
    expect(stub.closedTabs).toHaveLength(1);
    expect(stub.executed.filter((e) => e.command === "vscode.diff")).toHaveLength(1);
  });

  it("a proposal that no longer fits the file can still be answered as a whole", async () => {
    stub.files.set("/ws/f.txt", "completely different\n");
    const { docs, lenses, content } = await openReview();
    expect(await content(docs[0]!.proposed)).toBe("completely different\n");
    expect(lenses(docs[0]!.proposed).map((l) => l.command!.command)).toEqual([PROPOSAL_COMMANDS.applyAccepted, PROPOSAL_COMMANDS.rejectAll]);
  });

  it("shows an applied change: the server's text before it against its text after (tandem/change/read)", async () => {
    const { rpc, requests } = fakeRpc({
      "tandem/change/read": () => ({
        files: [
          { path: "f.txt", kind: "update", oldText: twoHunks.original, newText: twoHunks.proposed },
          { path: "new.txt", kind: "add", oldText: null, newText: add.proposed },
        ],
      }),
    });
    const proposals = new ProposalManager(new ApprovalBroker(), rpc, () => "/ws");
    stub.files.set("/ws/f.txt", "edited by the user since\n"); // never read: the server's texts are shown
    await proposals.showApplied("t1", { type: "fileChange", id: "fc1", changes: [{ path: "f.txt", kind: "update", diff: "" }, { path: "new.txt", kind: "add", diff: "" }], status: "completed" });
    expect(requests).toEqual([{ method: "tandem/change/read", params: { threadId: "t1", changeId: "fc1" } }]);
    const diffs = stub.executed.filter((e) => e.command === "vscode.diff");
    const text = (uri: unknown) => proposals.provideTextDocumentContent(uri as never);
    expect(diffs.map((d) => [text(d.args[0]), text(d.args[1]), d.args[2]])).toEqual([
      [twoHunks.original, twoHunks.proposed, "f.txt (Tandem change)"],
      ["", add.proposed, "new.txt (Tandem change)"],
    ]);
  });

  it("an applied change the server no longer knows is shown as its unified diff", async () => {
    const { rpc } = fakeRpc({ "tandem/change/read": () => Promise.reject(Object.assign(new Error("no change"), { code: -32001 })) });
    const proposals = new ProposalManager(new ApprovalBroker(), rpc, () => "/ws");
    await proposals.showApplied("t1", { type: "fileChange", id: "fc1", changes: [{ path: "f.txt", kind: "update", diff: twoHunks.diff }], status: "completed" });
    expect(stub.executed.filter((e) => e.command === "vscode.diff")).toEqual([]);
    expect(workspace.openTextDocument).toHaveBeenLastCalledWith({ content: twoHunks.diff, language: "diff" });
  });
});
