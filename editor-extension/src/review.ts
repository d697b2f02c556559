/**
 * Per-hunk review of a file-change approval (pure; no `vscode`).
 *
 * Every hunk starts "pending" and is shown in the proposed text; "accepted" only marks it as
 * reviewed; "rejected" takes it out of the proposed text. What the proposed text shows is what
 * "Apply accepted" applies: the reply accepts every hunk that is not rejected
 * (`RequestApprovalResult.acceptedHunkIds`), or declines when every hunk is rejected.
 */
import type { ChangeProposal, RequestApprovalResult } from "./shared/protocolTypes";
import { HunkMismatchError, layoutHunks, type HunkSpan } from "./hunks";

export type HunkDecision = "pending" | "accepted" | "rejected";

/** The review of one approval request's `changes`. */
export class ReviewState {
  private readonly decisions = new Map<string, HunkDecision>();

  constructor(readonly changes: readonly ChangeProposal[]) {
    for (const change of changes) for (const hunk of change.hunks) this.decisions.set(hunk.id, "pending");
  }

  /** A hunk's decision (undefined for an unknown id). */
  decision(hunkId: string): HunkDecision | undefined {
    return this.decisions.get(hunkId);
  }

  /** Set a hunk's decision; false for an unknown hunk. */
  decide(hunkId: string, decision: HunkDecision): boolean {
    if (!this.decisions.has(hunkId)) return false;
    this.decisions.set(hunkId, decision);
    return true;
  }

  /** Set every hunk's decision. */
  decideAll(decision: HunkDecision): void {
    for (const id of this.decisions.keys()) this.decisions.set(id, decision);
  }

  /** Ids of the hunks that would be applied (every hunk not rejected), in proposal order. */
  includedHunkIds(): string[] {
    return [...this.decisions].filter(([, d]) => d !== "rejected").map(([id]) => id);
  }

  /** Counts for titles: how many hunks in all, and how many are rejected / accepted. */
  counts(): { total: number; rejected: number; accepted: number } {
    const values = [...this.decisions.values()];
    return {
      total: values.length,
      rejected: values.filter((d) => d === "rejected").length,
      accepted: values.filter((d) => d === "accepted").length,
    };
  }

  /** The approval reply for the current decisions ("Apply accepted"). */
  result(): RequestApprovalResult {
    const { total, rejected } = this.counts();
    if (total > 0 && rejected === total) return { decision: "decline" };
    return { decision: "accept", acceptedHunkIds: this.includedHunkIds() };
  }

  /**
   * The proposed text of one file under the current decisions, with each hunk's position.
   *
   * @param index index of the file in `changes`.
   * @param original the file's current text ("" for an add).
   * @throws HunkMismatchError when the hunks do not fit `original`.
   */
  proposed(index: number, original: string): { text: string; spans: HunkSpan[] } {
    const change = this.changes[index];
    if (!change) throw new HunkMismatchError("", `no file ${index} in this proposal`);
    return layoutHunks(original, change.hunks, change.hunks.map((h) => h.id).filter((id) => this.decisions.get(id) !== "rejected"));
  }
}
