/**
 * Reviewing proposed file changes in VS Code's diff editor.
 *
 * For a `fileChange` approval (`tandem/requestApproval` with `changes`), each file opens in a diff
 * editor: left the current text (the open buffer, else the file; empty for an add), right the
 * proposed text (hunks applied with hunks.ts `layoutHunks`, rejected hunks left out). Both sides
 * are served by a TextDocumentContentProvider for the `tandem-proposal:` scheme:
 * `tandem-proposal:/<path>?r=<requestId>&f=<file index>&s=original|proposed`.
 * A CodeLensProvider on the right-hand documents puts "Accept hunk" / "Reject hunk" above each hunk
 * and "Apply accepted" / "Reject all" at the top; "Apply accepted" answers the approval with the
 * hunks shown (review.ts). The same content provider shows applied changes (chat "open diff"):
 * `?snap=<key>` documents holding the server's texts before and after (`tandem/change/read`).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { ApprovalBroker, ApprovalPresenter, PendingApproval } from "./approvalBroker";
import { HunkMismatchError, type HunkSpan } from "./hunks";
import { ERROR_CODES } from "./protocol/methods";
import type { ChangedFile } from "./protocol/generated";
import { ReviewState } from "./review";
import { errorCode, type TandemRpc } from "./rpc/connection";
import type { ChangeProposal, FileChangeItem } from "./shared/protocolTypes";

export const PROPOSAL_SCHEME = "tandem-proposal";

/** Commands behind the lenses and the diff editor's title buttons (hidden from the palette). */
export const PROPOSAL_COMMANDS = {
  acceptHunk: "tandem.proposal.acceptHunk",
  rejectHunk: "tandem.proposal.rejectHunk",
  resetHunk: "tandem.proposal.resetHunk",
  applyAccepted: "tandem.proposal.applyAccepted",
  rejectAll: "tandem.proposal.rejectAll",
} as const;

interface ReviewFile {
  change: ChangeProposal;
  absPath: string;
  original: string;
  originalUri: vscode.Uri;
  proposedUri: vscode.Uri;
}

interface Review {
  approval: PendingApproval;
  state: ReviewState;
  files: ReviewFile[];
  ready: Promise<void>;
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
   * @param rpc requests to the server (`tandem/change/read`).
   * @param root the workspace folder's path, for relative proposal paths without `cwd`.
   */
  constructor(
    private readonly broker: ApprovalBroker,
    private readonly rpc: TandemRpc,
    private readonly root: () => string | undefined,
  ) {}

  /** Register the providers and commands. */
  register(): vscode.Disposable {
    const byRequest = (fn: (requestId: string) => unknown) => (requestId?: string) => {
      const id = requestId ?? this.requestOf(vscode.window.activeTextEditor?.document.uri);
      if (id) fn(id);
      else void vscode.window.showInformationMessage("Tandem: no proposed change is open.");
    };
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
      vscode.languages.registerCodeLensProvider({ scheme: PROPOSAL_SCHEME }, this),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.acceptHunk, (r: string, h: string) => this.decide(r, h, "accepted")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.rejectHunk, (r: string, h: string) => this.decide(r, h, "rejected")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.resetHunk, (r: string, h: string) => this.decide(r, h, "pending")),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.applyAccepted, byRequest((id) => this.applyAccepted(id))),
      vscode.commands.registerCommand(PROPOSAL_COMMANDS.rejectAll, byRequest((id) => this.rejectAll(id))),
    );
    return this;
  }

  /** Presenter for the broker: opens the review of file-change approvals, closes it when done. */
  presenter(): ApprovalPresenter {
    return {
      show: (approval) => {
        if (approval.params.kind === "fileChange" && approval.params.changes?.length) {
          void this.open(approval).catch((error: unknown) =>
            vscode.window.showErrorMessage(`Tandem: cannot show the proposed change: ${String(error)}`),
          );
        }
      },
      dismiss: (requestId) => void this.close(requestId),
    };
  }

  /** Start (or re-show) the review of a pending file-change approval. */
  async open(approval: PendingApproval): Promise<void> {
    let review = this.reviews.get(approval.requestId);
    if (!review) {
      review = this.createReview(approval);
      this.reviews.set(approval.requestId, review);
    }
    await review.ready;
    for (const file of review.files) {
      if (!this.reviews.has(approval.requestId)) break; // answered or withdrawn meanwhile
      const title = `${path.basename(file.change.movePath ?? file.change.path)} (Tandem proposal${review.files.length > 1 ? `, ${review.files.indexOf(file) + 1}/${review.files.length}` : ""})`;
      await vscode.commands.executeCommand("vscode.diff", file.originalUri, file.proposedUri, title, { preview: false });
    }
    // Answered while a diff was opening: close what just opened.
    if (!this.reviews.has(approval.requestId)) await closeTabs(review);
  }

  /** The pending review showing `itemId`, if any (chat "open diff" of an item awaiting approval). */
  reviewForItem(itemId: string): PendingApproval | undefined {
    return [...this.reviews.values()].find((r) => r.approval.params.itemId === itemId)?.approval;
  }

  /** URIs of a review's documents (for tests and the extension API). */
  documents(requestId: string): { original: vscode.Uri; proposed: vscode.Uri }[] {
    return (this.reviews.get(requestId)?.files ?? []).map((f) => ({ original: f.originalUri, proposed: f.proposedUri }));
  }

  /** Set one hunk's decision and refresh the proposed text and lenses. */
  decide(requestId: string, hunkId: string, decision: "pending" | "accepted" | "rejected"): boolean {
    const review = this.reviews.get(requestId);
    if (!review || !review.state.decide(hunkId, decision)) return false;
    for (const file of review.files) this.changeEmitter.fire(file.proposedUri);
    this.lensEmitter.fire();
    return true;
  }

  /** Answer the approval with the hunks the proposed text shows. */
  applyAccepted(requestId: string): boolean {
    const review = this.reviews.get(requestId);
    return review ? this.broker.answer(requestId, review.state.result()) : false;
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
   */
  async showApplied(threadId: string, item: FileChangeItem): Promise<void> {
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
    for (const file of files) {
      const shown = file.movePath ?? file.path;
      const left = this.snapshot(file.path, file.oldText ?? "");
      const right = this.snapshot(shown, file.newText ?? "");
      await vscode.commands.executeCommand("vscode.diff", left, right, `${path.basename(shown)} (Tandem change)`, { preview: true });
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string | Thenable<string> {
    const query = new URLSearchParams(uri.query);
    const snap = query.get("snap");
    if (snap !== null) return this.snapshots.get(snap) ?? "";
    const review = this.reviews.get(query.get("r") ?? "");
    if (!review) return "";
    return review.ready.then(() => {
      const file = review.files[Number(query.get("f"))];
      if (!file) return "";
      if (query.get("s") === "original") return file.original;
      return this.layout(review, file)?.text ?? file.original;
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const query = new URLSearchParams(document.uri.query);
    const requestId = query.get("r");
    const review = requestId ? this.reviews.get(requestId) : undefined;
    if (!requestId || !review || query.get("s") !== "proposed") return [];
    const file = review.files[Number(query.get("f"))];
    if (!file) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const { total, rejected } = review.state.counts();
    const lenses = [
      lens(top, `✓ Apply accepted (${total - rejected}/${total} hunks)`, PROPOSAL_COMMANDS.applyAccepted, [requestId]),
      lens(top, "✗ Reject all", PROPOSAL_COMMANDS.rejectAll, [requestId]),
    ];
    const layout = this.layout(review, file);
    if (!layout) return [lens(top, "⚠ This proposal no longer matches the file; answer it as a whole", PROPOSAL_COMMANDS.applyAccepted, [requestId]), lenses[1]!];
    for (const span of layout.spans) lenses.push(...hunkLenses(requestId, span, review.state.decision(span.id)));
    return lenses;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.changeEmitter.dispose();
    this.lensEmitter.dispose();
  }

  private createReview(approval: PendingApproval): Review {
    const changes = approval.params.changes ?? [];
    const cwd = approval.params.cwd ?? undefined;
    const files: ReviewFile[] = changes.map((change, index) => {
      const uri = (side: string) =>
        vscode.Uri.from({
          scheme: PROPOSAL_SCHEME,
          path: `/${(side === "proposed" ? change.movePath ?? change.path : change.path).replace(/^\/+/, "")}`,
          query: new URLSearchParams({ r: approval.requestId, f: String(index), s: side }).toString(),
        });
      return { change, absPath: this.absolute(change.path, cwd), original: "", originalUri: uri("original"), proposedUri: uri("proposed") };
    });
    const ready = Promise.all(
      files.map(async (file) => {
        file.original = file.change.kind === "add" ? "" : await readText(vscode.Uri.file(file.absPath));
      }),
    ).then(() => undefined);
    return { approval, state: new ReviewState(changes), files, ready };
  }

  private layout(review: Review, file: ReviewFile): { text: string; spans: HunkSpan[] } | undefined {
    try {
      return review.state.proposed(review.files.indexOf(file), file.original);
    } catch (error) {
      if (error instanceof HunkMismatchError) return undefined;
      throw error;
    }
  }

  private async close(requestId: string): Promise<void> {
    const review = this.reviews.get(requestId);
    if (!review) return;
    this.reviews.delete(requestId);
    this.lensEmitter.fire();
    await closeTabs(review);
  }

  private snapshot(displayPath: string, text: string): vscode.Uri {
    const key = String(++this.snapshotCount);
    this.snapshots.set(key, text);
    if (this.snapshots.size > 50) this.snapshots.delete(this.snapshots.keys().next().value as string);
    return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${displayPath.replace(/^\/+/, "")}`, query: `snap=${key}` });
  }

  private requestOf(uri: vscode.Uri | undefined): string | undefined {
    if (uri?.scheme !== PROPOSAL_SCHEME) return undefined;
    const id = new URLSearchParams(uri.query).get("r");
    return id && this.reviews.has(id) ? id : undefined;
  }

  private absolute(p: string, cwd: string | undefined): string {
    return path.isAbsolute(p) ? p : path.join(cwd ?? this.root() ?? process.cwd(), p);
  }
}

/** Close the diff tabs showing a review's documents. */
async function closeTabs(review: Review): Promise<void> {
  const uris = new Set(review.files.flatMap((f) => [f.originalUri.toString(), f.proposedUri.toString()]));
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) => {
    const input = tab.input;
    return input instanceof vscode.TabInputTextDiff && (uris.has(input.modified.toString()) || uris.has(input.original.toString()));
  });
  if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
}

function lens(range: vscode.Range, title: string, command: string, args: unknown[]): vscode.CodeLens {
  return new vscode.CodeLens(range, { title, command, arguments: args });
}

function hunkLenses(requestId: string, span: HunkSpan, decision: string | undefined): vscode.CodeLens[] {
  const at = new vscode.Range(span.changeLine, 0, span.changeLine, 0);
  const args = [requestId, span.id];
  if (decision === "rejected") return [lens(at, "✗ Rejected hunk — restore", PROPOSAL_COMMANDS.resetHunk, args)];
  if (decision === "accepted") {
    return [lens(at, "✓ Accepted", PROPOSAL_COMMANDS.resetHunk, args), lens(at, "✗ Reject hunk", PROPOSAL_COMMANDS.rejectHunk, args)];
  }
  return [lens(at, "✓ Accept hunk", PROPOSAL_COMMANDS.acceptHunk, args), lens(at, "✗ Reject hunk", PROPOSAL_COMMANDS.rejectHunk, args)];
}

/**
 * The text of a file as the server sees it: the open buffer (unsaved changes included) if the file
 * is open, else the file on disk; "" if unreadable. Never opens a document (that would make the
 * server edit a hidden buffer instead of the file).
 */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder("utf-8").decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return "";
  }
}
