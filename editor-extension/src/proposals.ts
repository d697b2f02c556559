/**
 * Reviewing proposed file changes in VS Code's diff editor. The texts are the server's; this
 * module keeps no diff arithmetic of its own.
 *
 * For a `fileChange` approval (`tandem/requestApproval` with `changes`), each file opens in a diff
 * editor: left the text the server planned the change against (`ChangeProposal.oldText`), right
 * the file as `tandem/change/preview` gives it with every hunk the user has not rejected
 * (`FilePreview.text`). An added file has no left side: it opens as the proposed text alone (a
 * diff against "" would show a phantom deleted line). A review of several files opens a tab per
 * file and shows the first. Both sides are served by a TextDocumentContentProvider for the
 * `tandem-proposal:` scheme: `tandem-proposal:/<path>?r=<requestId>&f=<file index>&s=original|proposed`.
 * A CodeLensProvider on the right-hand documents puts "Accept hunk" / "Reject hunk" above each hunk
 * (at `FilePreview.hunks[].startLine`) and "Apply accepted" / "Reject all" at the top. The hunk
 * decisions are the request's one {@link ReviewState} (review.ts), shared with the chat panel's
 * card: whenever one changes, from here or from the panel, a new preview is asked for and the
 * right-hand document and lenses are refreshed. Accept — from the lens, the title bar, the chat
 * card or a command — answers the approval with the hunks the newest preview shows included
 * ({@link ProposalManager.applyAccepted}): exactly what the diff shows. The same content provider shows applied changes (chat "open
 * diff"): `?snap=<key>` documents holding the server's texts before and after (`tandem/change/read`).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { ApprovalBroker, ApprovalPresenter, PendingApproval } from "./approvalBroker";
import { ERROR_CODES } from "./protocol/methods";
import type { ApprovalDecision, ChangedFile, FilePreview, HunkSpan } from "./protocol/generated";
import type { ReviewState, ReviewStates } from "./review";
import { errorCode, errorMessage, type DisposableLike, type TandemRpc } from "./rpc/connection";
import type { ChangeProposal, FileChangeItem } from "./shared/protocolTypes";

export const PROPOSAL_SCHEME = "tandem-proposal";

/** Commands behind the lenses and the diff editor's title buttons (hidden from the palette). */
export const PROPOSAL_COMMANDS = {
  acceptHunk: "tandem.proposal.acceptHunk",
  rejectHunk: "tandem.proposal.rejectHunk",
  resetHunk: "tandem.proposal.resetHunk",
  applyAccepted: "tandem.proposal.applyAccepted",
  rejectAll: "tandem.proposal.rejectAll",
  openFile: "tandem.proposal.openFile",
} as const;

interface ReviewFile {
  change: ChangeProposal;
  originalUri: vscode.Uri;
  proposedUri: vscode.Uri;
}

interface Review {
  approval: PendingApproval;
  state: ReviewState;
  files: ReviewFile[];
  /** The newest preview asked for: the files in request order, or undefined when it failed. */
  preview: Promise<FilePreview[] | undefined>;
  /** Counts preview requests; only the newest one's answer is shown. */
  generation: number;
  subscription: DisposableLike;
}

/** Owns proposal reviews: the content provider, the lens provider, the commands and a presenter. */
export class ProposalManager implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly reviews = new Map<string, Review>();
  private readonly snapshots = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private snapshotCount = 0;
  readonly onDidChange = this.changeEmitter.event;
  readonly onDidChangeCodeLenses = this.lensEmitter.event;

  /**
   * @param broker answers the approvals ("Apply accepted", "Reject all").
   * @param rpc requests to the server (`tandem/change/preview`, `tandem/change/read`).
   * @param states the hunk decisions of the pending file changes (shared with the chat panel).
   */
  constructor(
    private readonly broker: ApprovalBroker,
    private readonly rpc: TandemRpc,
    private readonly states: ReviewStates,
  ) {}

  /** Register the providers and commands. */
  register(): vscode.Disposable {
    const byRequest = (fn: (requestId: string) => unknown) => (requestId?: string) => {
      const id = requestId ?? this.requestOf(vscode.window.activeTextEditor?.document.uri);
      if (id) return fn(id);
      void vscode.window.showInformationMessage("Tandem: no proposed change is open.");
    };
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
      vscode.languages.registerCodeLensProvider({ scheme: PROPOSAL_SCHEME }, this),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.acceptHunk, (r: string, h: string) => this.decide(r, h, "accepted")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.rejectHunk, (r: string, h: string) => this.decide(r, h, "rejected")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.resetHunk, (r: string, h: string) => this.decide(r, h, "pending")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.applyAccepted, byRequest((id) => this.applyAccepted(id))),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.rejectAll, byRequest((id) => this.rejectAll(id))),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.openFile, (r: string, index: number) => this.openFile(r, index)),
    );
    return this;
  }

  /** Presenter for the broker: opens the review of file-change approvals, closes it when done. */
  presenter(): ApprovalPresenter {
    return {
      show: (approval) => {
        if (approval.params.kind === "fileChange" && approval.params.changes?.length) {
          void this.open(approval).catch((error: unknown) =>
            vscode.window.showErrorMessage(`Tandem: cannot show the proposed change: ${errorMessage(error)}`),
          );
        }
      },
      dismiss: (requestId) => void this.close(requestId),
    };
  }

  /** Start (or re-show) the review of a pending file-change approval; it ends on file `path` (default: the first). */
  async open(approval: PendingApproval, path?: string): Promise<void> {
    let review = this.reviews.get(approval.requestId);
    if (!review) {
      const state = this.states.of(approval);
      if (!state) return;
      review = this.createReview(approval, state);
      this.reviews.set(approval.requestId, review);
    }
    // A tab per file, the wanted one (the first by default) last, so the review ends on it.
    const wanted = Math.max(0, review.files.findIndex((f) => f.change.path === path || f.change.movePath === path));
    const order = review.files.map((_, i) => i).filter((i) => i !== wanted).reverse();
    for (const index of [...order, wanted]) {
      if (!this.reviews.has(approval.requestId)) break; // answered or withdrawn meanwhile
      await this.show(review, index);
    }
    // Answered while a diff was opening: close what just opened.
    if (!this.reviews.has(approval.requestId)) await closeTabs(review);
  }

  /** Show file `index` of a pending review (the lens "Next file"); false when there is no such file. */
  async openFile(requestId: string, index: number): Promise<boolean> {
    const review = this.reviews.get(requestId);
    if (!review?.files[index]) return false;
    await this.show(review, index);
    return true;
  }

  /** Open (or bring forward) one file of a review: a diff, or the proposed text alone for an added file. */
  private async show(review: Review, index: number): Promise<void> {
    const file = review.files[index]!;
    const name = path.basename(file.change.movePath ?? file.change.path);
    const of = review.files.length > 1 ? `, ${index + 1}/${review.files.length}` : "";
    if (file.change.kind === "add") {
      const doc = await vscode.workspace.openTextDocument(file.proposedUri);
      await vscode.window.showTextDocument(doc, { preview: false });
      return;
    }
    await vscode.commands.executeCommand("vscode.diff", file.originalUri, file.proposedUri, `${name} (Tandem proposal${of})`, { preview: false });
  }

  /**
   * The hunk of a review document at `line` (its preview span, or the nearest one below), with
   * the review's request id: for the keep / undo commands in a proposal diff.
   */
  async hunkAt(uri: vscode.Uri, line: number): Promise<{ requestId: string; hunkId: string } | undefined> {
    const query = new URLSearchParams(uri.query);
    const requestId = query.get("r");
    const review = requestId ? this.reviews.get(requestId) : undefined;
    if (!requestId || !review) return undefined;
    const file = (await review.preview)?.[Number(query.get("f"))];
    if (!file || file.hunks.length === 0) return undefined;
    const inside = file.hunks.find((h) => line >= h.startLine && line < h.startLine + Math.max(h.lineCount, 1));
    const hunk = inside ?? file.hunks.find((h) => h.startLine >= line) ?? file.hunks[file.hunks.length - 1]!;
    return { requestId, hunkId: hunk.id };
  }

  /** Decide every hunk of one review document's file; false when `uri` is not a pending review's. */
  decideFile(uri: vscode.Uri, decision: "pending" | "accepted" | "rejected"): boolean {
    const query = new URLSearchParams(uri.query);
    const review = this.reviews.get(query.get("r") ?? "");
    const file = review?.files[Number(query.get("f"))];
    if (!review || !file) return false;
    for (const hunk of file.change.hunks) review.state.decide(hunk.id, decision);
    return true;
  }

  /** The request id of the review a document belongs to (undefined for other documents). */
  requestOf(uri: vscode.Uri | undefined): string | undefined {
    if (uri?.scheme !== PROPOSAL_SCHEME) return undefined;
    const id = new URLSearchParams(uri.query).get("r");
    return id && this.reviews.has(id) ? id : undefined;
  }

  /** The pending review showing `itemId`, if any (chat "open diff" of an item awaiting approval). */
  reviewForItem(itemId: string): PendingApproval | undefined {
    return [...this.reviews.values()].find((r) => r.approval.params.itemId === itemId)?.approval;
  }

  /** URIs of a review's documents (for tests and the extension API). */
  documents(requestId: string): { original: vscode.Uri; proposed: vscode.Uri }[] {
    return (this.reviews.get(requestId)?.files ?? []).map((f) => ({ original: f.originalUri, proposed: f.proposedUri }));
  }

  /** Set one hunk's decision (the preview and lenses follow); false for an unknown review or hunk. */
  decide(requestId: string, hunkId: string, decision: "pending" | "accepted" | "rejected"): boolean {
    const review = this.reviews.get(requestId);
    return review ? review.state.decide(hunkId, decision) : false;
  }

  /**
   * Answer the approval (`decision`: accept or accept for the session) with the hunks the newest
   * preview shows included (every hunk not rejected when there is no preview); a decline when none
   * is. Every accept goes through here — the lens, the title bar, the chat card, the commands — so
   * what is applied is what the diff shows.
   *
   * @returns false when the request is no longer pending.
   */
  async applyAccepted(requestId: string, decision: ApprovalDecision = "accept"): Promise<boolean> {
    const review = this.reviews.get(requestId);
    const state = review?.state ?? this.states.get(requestId);
    if (!state) return this.broker.answer(requestId, { decision });
    if (decision === "decline" || decision === "cancel") return this.broker.answer(requestId, { decision });
    const files = review ? await review.preview : undefined;
    const included = files?.flatMap((f) => f.hunks.filter((h) => h.status === "included").map((h) => h.id));
    return this.broker.answer(requestId, state.result(decision, included));
  }

  /** Decline the whole proposal. */
  rejectAll(requestId: string): boolean {
    return this.broker.answer(requestId, { decision: "decline" });
  }

  /**
   * Show an applied `fileChange` item as diffs: each file's text before the change against its text
   * after, as the server committed them (`tandem/change/read`, changeId = the item's id; "" for
   * the missing side of an add or a delete). A change the server no longer knows (-32001, e.g. from
   * an earlier server process) is shown as the item's unified diff instead.
   *
   * @param threadId the thread the item belongs to.
   * @param only show just this file of the item (its path or move path as the item shows it).
   */
  async showApplied(threadId: string, item: FileChangeItem, only?: string): Promise<void> {
    let files: ChangedFile[];
    try {
      files = (await this.rpc.request("tandem/change/read", { threadId, changeId: item.id })).files;
    } catch (error) {
      if (errorCode(error) !== ERROR_CODES.notFound) throw error;
      const diff = item.changes.map((c) => c.diff ?? "").join("\n");
      const doc = await vscode.workspace.openTextDocument({ content: diff, language: "diff" });
      await vscode.window.showTextDocument(doc, { preview: true });
      return;
    }
    const picked = files.filter((f) => !only || f.path === only || f.movePath === only);
    for (const file of picked.length > 0 ? picked : files) {
      const shown = file.movePath ?? file.path;
      const right = this.snapshot(shown, file.newText ?? "");
      if (file.oldText === null || file.oldText === undefined) {
        // An added file: its text alone (a diff against "" would show a phantom deleted line).
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(right), { preview: true });
        continue;
      }
      const left = this.snapshot(file.path, file.oldText);
      await vscode.commands.executeCommand("vscode.diff", left, right, `${path.basename(shown)} (Tandem change)`, { preview: true });
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string | Thenable<string> {
    const query = new URLSearchParams(uri.query);
    const snap = query.get("snap");
    if (snap !== null) return this.snapshots.get(snap) ?? "";
    const review = this.reviews.get(query.get("r") ?? "");
    const index = Number(query.get("f"));
    const file = review?.files[index];
    if (!review || !file) return "";
    const original = file.change.oldText ?? "";
    if (query.get("s") === "original") return original;
    return review.preview.then((files) => files?.[index]?.text ?? original);
  }

  provideCodeLenses(document: vscode.TextDocument): Thenable<vscode.CodeLens[]> | vscode.CodeLens[] {
    const query = new URLSearchParams(document.uri.query);
    const requestId = query.get("r");
    const review = requestId ? this.reviews.get(requestId) : undefined;
    const index = Number(query.get("f"));
    if (!requestId || !review || !review.files[index] || query.get("s") !== "proposed") return [];
    return review.preview.then((files) => {
      const top = new vscode.Range(0, 0, 0, 0);
      const reject = lens(top, "$(close-all) Reject all", PROPOSAL_COMMANDS.rejectAll, [requestId]);
      const file = files?.[index];
      if (!files || !file) return [lens(top, "$(warning) No preview of this proposal; answer it as a whole", PROPOSAL_COMMANDS.applyAccepted, [requestId]), reject];
      const hunks = files.flatMap((f) => f.hunks);
      const included = hunks.filter((h) => h.status === "included").length;
      const lenses = [lens(top, `$(check-all) Apply accepted (${included}/${hunks.length} hunks)`, PROPOSAL_COMMANDS.applyAccepted, [requestId]), reject];
      if (files.length > 1) {
        const next = (index + 1) % files.length;
        lenses.push(lens(top, `$(arrow-right) File ${next + 1} of ${files.length}: ${path.basename(files[next]!.movePath ?? files[next]!.path)}`, PROPOSAL_COMMANDS.openFile, [requestId, next]));
      }
      const lastLine = file.text.split("\n").length - 1;
      file.hunks.forEach((span, i) => {
        const label = file.hunks.length > 1 ? `Hunk ${i + 1} of ${file.hunks.length}` : "Hunk";
        lenses.push(...hunkLenses(requestId, span, Math.min(span.startLine, lastLine), review.state.decision(span.id), label));
      });
      return lenses;
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const review of this.reviews.values()) review.subscription.dispose();
    this.changeEmitter.dispose();
    this.lensEmitter.dispose();
  }

  private createReview(approval: PendingApproval, state: ReviewState): Review {
    const files: ReviewFile[] = (approval.params.changes ?? []).map((change, index) => {
      const uri = (side: string) =>
        vscode.Uri.from({
          scheme: PROPOSAL_SCHEME,
          path: `/${(side === "proposed" ? change.movePath ?? change.path : change.path).replace(/^\/+/, "")}`,
          query: new URLSearchParams({ r: approval.requestId, f: String(index), s: side }).toString(),
        });
      return { change, originalUri: uri("original"), proposedUri: uri("proposed") };
    });
    const review: Review = { approval, state, files, preview: Promise.resolve(undefined), generation: 0, subscription: { dispose: () => undefined } };
    review.subscription = state.onDidChange(() => this.refresh(review));
    this.refresh(review);
    return review;
  }

  /**
   * Ask the server for the files with every hunk not rejected; when that (still the newest) answer
   * comes, tell VS Code the right-hand documents and the lenses changed.
   */
  private refresh(review: Review): void {
    const generation = ++review.generation;
    const { requestId, params } = review.approval;
    const request = this.rpc.request("tandem/change/preview", {
      threadId: params.threadId,
      requestId,
      acceptedHunkIds: review.state.includedHunkIds(),
    });
    review.preview = request.then(
      (result) => result.files,
      (error: unknown) => {
        if (this.reviews.get(requestId) === review) {
          void vscode.window.showErrorMessage(`Tandem: cannot preview the proposed change: ${errorMessage(error)}`);
        }
        return undefined;
      },
    );
    void review.preview.then(() => {
      if (generation !== review.generation || this.reviews.get(requestId) !== review) return;
      for (const file of review.files) this.changeEmitter.fire(file.proposedUri);
      this.lensEmitter.fire();
    });
  }

  private async close(requestId: string): Promise<void> {
    const review = this.reviews.get(requestId);
    if (!review) return;
    this.reviews.delete(requestId);
    review.subscription.dispose();
    this.lensEmitter.fire();
    await closeTabs(review);
  }

  private snapshot(displayPath: string, text: string): vscode.Uri {
    const key = String(++this.snapshotCount);
    this.snapshots.set(key, text);
    if (this.snapshots.size > 50) this.snapshots.delete(this.snapshots.keys().next().value as string);
    return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${displayPath.replace(/^\/+/, "")}`, query: `snap=${key}` });
  }

}

/** Close the tabs showing a review's documents (diffs, and the added files' texts). */
async function closeTabs(review: Review): Promise<void> {
  const uris = new Set(review.files.flatMap((f) => [f.originalUri.toString(), f.proposedUri.toString()]));
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) => {
    const input = tab.input;
    if (input instanceof vscode.TabInputText) return uris.has(input.uri.toString());
    return input instanceof vscode.TabInputTextDiff && (uris.has(input.modified.toString()) || uris.has(input.original.toString()));
  });
  if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
}

function lens(range: vscode.Range, title: string, command: string, args: unknown[]): vscode.CodeLens {
  return new vscode.CodeLens(range, { title, command, arguments: args });
}

/**
 * The lenses above one hunk, at `line` (its `startLine` in the preview, kept inside the document):
 * its state in words (accepted / rejected), then what can be done with it.
 */
function hunkLenses(requestId: string, span: HunkSpan, line: number, decision: string | undefined, label: string): vscode.CodeLens[] {
  const at = new vscode.Range(line, 0, line, 0);
  const args = [requestId, span.id];
  if (span.status === "excluded") {
    return [lens(at, `$(circle-slash) ${label}: Rejected hunk — not applied`, PROPOSAL_COMMANDS.resetHunk, args), lens(at, "$(discard) Restore", PROPOSAL_COMMANDS.resetHunk, args)];
  }
  if (decision === "accepted") {
    return [lens(at, `$(pass-filled) ${label}: Accepted`, PROPOSAL_COMMANDS.resetHunk, args), lens(at, "$(close) Reject hunk", PROPOSAL_COMMANDS.rejectHunk, args)];
  }
  return [lens(at, `$(check) ${label}: Accept hunk`, PROPOSAL_COMMANDS.acceptHunk, args), lens(at, "$(close) Reject hunk", PROPOSAL_COMMANDS.rejectHunk, args)];
}
