import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub, TabInputText, TabInputTextDiff, Uri, window, workspace } from "./vscodeStub";
import { ApprovalBroker } from "../../src/approvalBroker";
import type { FilePreview } from "../../src/protocol/generated";
import { ProposalManager, PROPOSAL_COMMANDS } from "../../src/proposals";
import { ReviewState, ReviewStates } from "../../src/review";
import type { RequestApprovalParams } from "../../src/shared/protocolTypes";
import { fakeRpc } from "./helpers";

// A two-hunk update of f.txt (line 2 and line 18 replaced) and an added new.txt, as the server
// proposes them; the stubbed `tandem/change/preview` answers as the server does for them.
const ORIGINAL = Array.from({ length: 20 }, (_, i) => `line ${i + 1}\n`).join("");
const H1 = "h-one";
const H2 = "h-two";
const ADD = "h-add";
const ADDED = "hello\nworld\n";
const withHunks = (accepted: readonly string[]) =>
  ORIGINAL.replace(/^line 2$/m, accepted.includes(H1) ? "LINE TWO" : "line 2").replace(/^line 18$/m, accepted.includes(H2) ? "LINE EIGHTEEN" : "line 18");
const hunk = (id: string) => ({ id, header: "@@", diff: "@@" });

const params: RequestApprovalParams = {
  requestId: "req-1",
  threadId: "t1",
  turnId: "u1",
  itemId: "fc1",
  kind: "fileChange",
  cwd: "/ws",
  changes: [
    { path: "f.txt", kind: "update", diff: "", hunks: [hunk(H1), hunk(H2)], oldText: ORIGINAL, newText: withHunks([H1, H2]) },
    { path: "new.txt", kind: "add", diff: "", hunks: [hunk(ADD)], oldText: null, newText: ADDED },
  ],
};

/** What the server's `tandem/change/preview` answers for `params` with `accepted` hunks applied. */
function preview(accepted: readonly string[]): { files: FilePreview[] } {
  const status = (id: string) => (accepted.includes(id) ? "included" : "excluded") as "included" | "excluded";
  return {
    files: [
      {
        path: "f.txt", kind: "update", oldText: ORIGINAL, text: withHunks(accepted),
        hunks: [{ id: H1, status: status(H1), startLine: 1, lineCount: 1 }, { id: H2, status: status(H2), startLine: 17, lineCount: 1 }],
      },
      {
        path: "new.txt", kind: "add", oldText: null, text: accepted.includes(ADD) ? ADDED : "",
        hunks: [{ id: ADD, status: status(ADD), startLine: 0, lineCount: accepted.includes(ADD) ? 2 : 0 }],
      },
    ],
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

beforeEach(() => {
  stub.reset();
  vi.mocked(window.showTextDocument).mockClear();
  stub.files.set("/ws/f.txt", ORIGINAL);
});

function manager(handler: (p: Record<string, unknown>) => unknown = (p) => preview(p.acceptedHunkIds as string[])) {
  const broker = new ApprovalBroker();
  const reviews = new ReviewStates();
  const { rpc, requests } = fakeRpc({ "tandem/change/preview": handler });
  const proposals = new ProposalManager(broker, rpc, reviews);
  proposals.register();
  broker.addPresenter(reviews.presenter());
  broker.addPresenter(proposals.presenter());
  const previews = () => requests.filter((r) => r.method === "tandem/change/preview").map((r) => r.params);
  return { broker, reviews, proposals, previews };
}

async function openReview(handler?: (p: Record<string, unknown>) => unknown, request: RequestApprovalParams = params) {
  const m = manager(handler);
  const reply = m.broker.handle(request);
  await settle(); // the presenter opens the diffs by itself
  const docs = m.proposals.documents(request.requestId);
  const content = (uri: Uri) => Promise.resolve(m.proposals.provideTextDocumentContent(uri as never));
  const lenses = async (uri: Uri) => await m.proposals.provideCodeLenses({ uri } as never);
  const titles = async (uri: Uri) => (await lenses(uri)).map((l) => `${l.range.start.line}:${l.command!.title}`);
  const run = async (l: { command?: { command: string; arguments?: unknown[] } }) => {
    await stub.commands.get(l.command!.command)!(...l.command!.arguments!);
    await settle();
  };
  return { ...m, reply, docs, content, lenses, titles, run };
}

describe("ReviewState", () => {
  it("accepts every hunk not rejected; declines when all are rejected", () => {
    const state = new ReviewState(params.changes!);
    expect(state.result()).toEqual({ decision: "accept", acceptedHunkIds: [H1, H2, ADD] });
    state.decide(H2, "rejected");
    state.decide(H1, "accepted");
    expect(state.result("acceptForSession")).toEqual({ decision: "acceptForSession", acceptedHunkIds: [H1, ADD] });
    expect(state.result("accept", [H1])).toEqual({ decision: "accept", acceptedHunkIds: [H1] });
    expect(state.result("decline")).toEqual({ decision: "decline" });
    state.decideAll("rejected");
    expect(state.result()).toEqual({ decision: "decline" });
    expect(new ReviewState([{ path: "a", kind: "move", diff: "", hunks: [], oldText: "x", newText: "x", movePath: "b" }]).result()).toEqual({ decision: "accept", acceptedHunkIds: [] });
  });

  it("tells its listeners of real changes only; false for an unknown hunk", () => {
    const state = new ReviewState(params.changes!);
    const heard: string[] = [];
    const sub = state.onDidChange(() => heard.push(JSON.stringify(state.snapshot())));
    expect(state.decide("nope", "rejected")).toBe(false);
    state.decide(H1, "pending"); // unchanged
    state.decide(H1, "rejected");
    state.decideAll("accepted");
    state.decideAll("accepted"); // unchanged
    sub.dispose();
    state.decide(H2, "rejected");
    expect(heard.map((h) => JSON.parse(h))).toEqual([
      { [H1]: "rejected", [H2]: "pending", [ADD]: "pending" },
      { [H1]: "accepted", [H2]: "accepted", [ADD]: "accepted" },
    ]);
  });

  it("ReviewStates: one state per pending file change, from when it is shown until it is answered", async () => {
    const broker = new ApprovalBroker();
    const reviews = new ReviewStates();
    broker.addPresenter(reviews.presenter());
    const changed: string[] = [];
    reviews.onDidChange((id) => changed.push(id));
    void broker.handle({ requestId: "cmd", threadId: "t", turnId: "u", itemId: "i", kind: "command", command: "ls" });
    expect(reviews.get("cmd")).toBeUndefined();
    const reply = broker.handle(params);
    const state = reviews.get("req-1")!;
    expect(reviews.of({ requestId: "req-1", params })).toBe(state);
    state.decide(H1, "rejected");
    expect(changed).toEqual(["req-1"]);
    broker.answer("req-1", state.result());
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: [H2, ADD] });
    expect(reviews.get("req-1")).toBeUndefined();
    state.decide(H2, "rejected");
    expect(changed).toEqual(["req-1"]);
  });
});

describe("proposal review in the diff editor", () => {
  it("opens a diff per updated file (oldText left, the server's preview right), an added file alone, and ends on the first file", async () => {
    stub.files.set("/ws/f.txt", "the file on disk is never read\n");
    const { docs, content, previews } = await openReview();
    expect(previews()).toEqual([{ threadId: "t1", requestId: "req-1", acceptedHunkIds: [H1, H2, ADD] }]);
    const diffs = stub.executed.filter((e) => e.command === "vscode.diff");
    expect(diffs).toHaveLength(1); // the added file is no diff: no phantom deleted line
    expect(diffs[0]!.args[0]).toBe(docs[0]!.original);
    expect(diffs[0]!.args[1]).toBe(docs[0]!.proposed);
    expect(diffs[0]!.args[2]).toBe("f.txt (Tandem proposal, 1/2)");
    // new.txt (file 2) opened first, f.txt (file 1) last: the review shows the first file.
    const shown = (window.showTextDocument as unknown as { mock: { calls: { uri: Uri }[][] } }).mock.calls.map((c) => c[0]!.uri);
    expect(shown).toEqual([docs[1]!.proposed]);
    expect(stub.executed.findIndex((e) => e.command === "vscode.diff")).toBeGreaterThanOrEqual(0);
    expect(docs[0]!.proposed.scheme).toBe("tandem-proposal");
    expect(await content(docs[0]!.original)).toBe(ORIGINAL);
    expect(await content(docs[0]!.proposed)).toBe(withHunks([H1, H2]));
    expect(await content(docs[1]!.original)).toBe("");
    expect(await content(docs[1]!.proposed)).toBe(ADDED);
  });

  it("lenses sit at the preview's hunk lines; a rejected hunk asks for a new preview, refreshes the text and lenses; Apply accepted replies with what the preview includes", async () => {
    const { proposals, docs, content, lenses, titles, run, reply, previews } = await openReview();
    expect(await titles(docs[0]!.proposed)).toEqual([
      "0:$(check-all) Apply accepted (3/3 hunks)",
      "0:$(close-all) Reject all",
      "0:$(arrow-right) File 2 of 2: new.txt",
      "1:$(check) Hunk 1 of 2: Accept hunk",
      "1:$(close) Reject hunk",
      "17:$(check) Hunk 2 of 2: Accept hunk",
      "17:$(close) Reject hunk",
    ]);
    expect(await lenses(docs[0]!.original)).toEqual([]);
    const changed: string[] = [];
    proposals.onDidChange((uri) => changed.push(uri.toString()));
    let lensChanges = 0;
    proposals.onDidChangeCodeLenses(() => lensChanges++);

    const reject = (await lenses(docs[0]!.proposed)).find((l) => l.range.start.line === 17 && l.command!.title === "$(close) Reject hunk")!;
    expect(reject.command!.command).toBe(PROPOSAL_COMMANDS.rejectHunk);
    await run(reject);
    expect(previews().at(-1)).toEqual({ threadId: "t1", requestId: "req-1", acceptedHunkIds: [H1, ADD] });
    expect(changed).toEqual([docs[0]!.proposed.toString(), docs[1]!.proposed.toString()]);
    expect(lensChanges).toBe(1);
    expect(await content(docs[0]!.proposed)).toBe(withHunks([H1]));
    const accept = (await lenses(docs[0]!.proposed)).find((l) => l.range.start.line === 1 && /Accept hunk/.test(l.command!.title))!;
    await run(accept);
    expect(await titles(docs[0]!.proposed)).toEqual([
      "0:$(check-all) Apply accepted (2/3 hunks)",
      "0:$(close-all) Reject all",
      "0:$(arrow-right) File 2 of 2: new.txt",
      "1:$(pass-filled) Hunk 1 of 2: Accepted",
      "1:$(close) Reject hunk",
      "17:$(circle-slash) Hunk 2 of 2: Rejected hunk — not applied",
      "17:$(discard) Restore",
    ]);

    stub.tabs.push(
      { input: new TabInputTextDiff(docs[0]!.original, docs[0]!.proposed) },
      { input: new TabInputText(docs[1]!.proposed) },
      { input: new TabInputText(Uri.file("/ws/other")) },
    );
    await run((await lenses(docs[0]!.proposed))[0]!);
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: [H1, ADD] });
    expect(stub.closedTabs).toHaveLength(2); // the review's tabs close, other tabs stay
    expect(proposals.documents("req-1")).toEqual([]);
  });

  it("a hunk rejected in the chat panel's card refreshes the diff too (one review state)", async () => {
    const { reviews, docs, content, titles, previews } = await openReview();
    reviews.get("req-1")!.decide(ADD, "rejected");
    await settle();
    expect(previews().at(-1)!.acceptedHunkIds).toEqual([H1, H2]);
    expect(await content(docs[1]!.proposed)).toBe("");
    expect(await titles(docs[1]!.proposed)).toEqual([
      "0:$(check-all) Apply accepted (2/3 hunks)", "0:$(close-all) Reject all", "0:$(arrow-right) File 1 of 2: f.txt",
      "0:$(circle-slash) Hunk: Rejected hunk — not applied", "0:$(discard) Restore",
    ]);
  });

  it("only the newest preview is shown when answers come out of order; Apply accepted waits for it", async () => {
    const pending: { accepted: string[]; resolve: (v: unknown) => void }[] = [];
    const { reviews, proposals, docs, content, reply, lenses } = await openReview((p) => {
      const accepted = p.acceptedHunkIds as string[];
      if (accepted.length === 3) return preview(accepted);
      return new Promise((resolve) => pending.push({ accepted, resolve }));
    });
    let lensChanges = 0;
    proposals.onDidChangeCodeLenses(() => lensChanges++);
    const state = reviews.get("req-1")!;
    state.decide(H1, "rejected");
    state.decide(H2, "rejected");
    expect(pending.map((p) => p.accepted)).toEqual([[H2, ADD], [ADD]]);
    // Asked while the previews are on their way: answered from the newest.
    const text = content(docs[0]!.proposed);
    const shown = lenses(docs[0]!.proposed);
    pending[1]!.resolve(preview([ADD]));
    expect(await text).toBe(ORIGINAL);
    expect((await shown)[0]!.command!.title).toBe("$(check-all) Apply accepted (1/3 hunks)");
    await settle();
    expect(lensChanges).toBe(1);
    pending[0]!.resolve(preview([H2, ADD])); // stale: ignored
    await settle();
    expect(lensChanges).toBe(1);
    expect(await content(docs[0]!.proposed)).toBe(ORIGINAL);

    state.decide(H2, "pending");
    const applied = proposals.applyAccepted("req-1");
    await settle();
    expect(pending).toHaveLength(3);
    pending[2]!.resolve(preview([H2, ADD]));
    expect(await applied).toBe(true);
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: [H2, ADD] });
  });

  it("a hunk lens stays inside the document (a removal at the end of the file)", async () => {
    const single: RequestApprovalParams = { ...params, requestId: "req-2", changes: [{ ...params.changes![0]!, hunks: [hunk(H1)] }] };
    const { docs, titles } = await openReview(() => ({
      files: [{ path: "f.txt", kind: "update", oldText: ORIGINAL, text: "line 1\n", hunks: [{ id: H1, status: "included", startLine: 1, lineCount: 0 }] }],
    }), single);
    expect(await titles(docs[0]!.proposed)).toContain("1:$(check) Hunk: Accept hunk");
    const { docs: gone, titles: goneTitles } = await openReview(() => ({
      files: [{ path: "f.txt", kind: "delete", oldText: ORIGINAL, text: "", hunks: [{ id: H1, status: "included", startLine: 0, lineCount: 0 }] }],
    }), { ...single, requestId: "req-3" });
    expect(await goneTitles(gone[0]!.proposed)).toContain("0:$(check) Hunk: Accept hunk");
    expect(docs).toHaveLength(1);
  });

  it("Reject all declines; withdrawal closes the review", async () => {
    const first = await openReview();
    first.proposals.rejectAll("req-1");
    expect(await first.reply).toEqual({ decision: "decline" });

    const second = await openReview();
    second.broker.withdraw("req-1");
    expect(await second.reply).toEqual({ decision: "decline" });
    expect(second.proposals.documents("req-1")).toEqual([]);
    expect(await second.lenses(second.docs[0]!.proposed)).toEqual([]);
  });

  it("an approval answered while its diff is opening still gets its tab closed", async () => {
    const { broker } = manager();
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

  it("when the server cannot preview, the diff shows the old text and the proposal can still be answered as a whole", async () => {
    const { docs, lenses, content, run, reply } = await openReview(() => Promise.reject(new Error("boom")));
    expect(stub.errors).toEqual(["Tandem: cannot preview the proposed change: boom"]);
    expect(await content(docs[0]!.proposed)).toBe(ORIGINAL);
    const shown = await lenses(docs[0]!.proposed);
    expect(shown.map((l) => l.command!.command)).toEqual([PROPOSAL_COMMANDS.applyAccepted, PROPOSAL_COMMANDS.rejectAll]);
    await run(shown[0]!);
    expect(await reply).toEqual({ decision: "accept", acceptedHunkIds: [H1, H2, ADD] });
  });
});

describe("an applied change in the diff editor", () => {
  it("shows the server's text before it against its text after (tandem/change/read)", async () => {
    const { rpc, requests } = fakeRpc({
      "tandem/change/read": () => ({
        files: [
          { path: "f.txt", kind: "update", oldText: ORIGINAL, newText: withHunks([H1]) },
          { path: "new.txt", kind: "add", oldText: null, newText: ADDED },
        ],
      }),
    });
    const proposals = new ProposalManager(new ApprovalBroker(), rpc, new ReviewStates());
    stub.files.set("/ws/f.txt", "edited by the user since\n"); // never read: the server's texts are shown
    await proposals.showApplied("t1", { type: "fileChange", id: "fc1", changes: [{ path: "f.txt", kind: "update", diff: "" }, { path: "new.txt", kind: "add", diff: "" }], status: "completed" });
    expect(requests).toEqual([{ method: "tandem/change/read", params: { threadId: "t1", changeId: "fc1" } }]);
    const diffs = stub.executed.filter((e) => e.command === "vscode.diff");
    const text = (uri: unknown) => proposals.provideTextDocumentContent(uri as never);
    expect(diffs.map((d) => [text(d.args[0]), text(d.args[1]), d.args[2]])).toEqual([
      [ORIGINAL, withHunks([H1]), "f.txt (Tandem change)"],
    ]);
    // The added file is shown alone (no diff against "": no phantom deleted line).
    const opened = vi.mocked(workspace.openTextDocument).mock.calls.map((c) => c[0]).filter((a): a is Uri => a instanceof Uri);
    expect(text(opened.at(-1))).toBe(ADDED);
  });

  it("an applied change the server no longer knows is shown as its unified diff", async () => {
    const { rpc } = fakeRpc({ "tandem/change/read": () => Promise.reject(Object.assign(new Error("no change"), { code: -32001 })) });
    const proposals = new ProposalManager(new ApprovalBroker(), rpc, new ReviewStates());
    const diff = "--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-line 2\n+LINE TWO\n";
    await proposals.showApplied("t1", { type: "fileChange", id: "fc1", changes: [{ path: "f.txt", kind: "update", diff }], status: "completed" });
    expect(stub.executed.filter((e) => e.command === "vscode.diff")).toEqual([]);
    expect(workspace.openTextDocument).toHaveBeenLastCalledWith({ content: diff, language: "diff" });
  });
});
