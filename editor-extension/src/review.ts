/**
 * The user's per-hunk decisions on file-change approvals (pure; no `vscode`, no diff arithmetic).
 *
 * Every hunk starts "pending"; "accepted" only marks it as reviewed; "rejected" takes it out of
 * the change. The texts are the server's: the proposal diff asks `tandem/change/preview` for the
 * files with every hunk that is not rejected (proposals.ts). The reply accepts those hunks
 * (`RequestApprovalResult.acceptedHunkIds`), or declines when every hunk is rejected.
 *
 * One {@link ReviewState} per pending request, held by {@link ReviewStates}: the chat panel's
 * approval card and the proposal diff's lenses read and change the same decisions.
 */
import type { ApprovalPresenter, PendingApproval } from "./approvalBroker";
import type { DisposableLike } from "./rpc/connection";
import type { ApprovalDecision, ChangeProposal, RequestApprovalResult } from "./shared/protocolTypes";
import type { HunkDecision } from "./shared/webviewMessages";

export type { HunkDecision };

/** The decisions of one approval request's `changes`. */
export class ReviewState {
  private readonly decisions = new Map<string, HunkDecision>();
  private readonly listeners = new Set<() => void>();

  /** @param changes the request's `changes` (`ChangeProposal[]`); their hunk ids, in order, are reviewed. */
  constructor(changes: readonly ChangeProposal[]) {
    for (const change of changes) for (const hunk of change.hunks) this.decisions.set(hunk.id, "pending");
  }

  /** A hunk's decision (undefined for an unknown id). */
  decision(hunkId: string): HunkDecision | undefined {
    return this.decisions.get(hunkId);
  }

  /** Every hunk's decision, by hunk id (a copy). */
  snapshot(): Record<string, HunkDecision> {
    return Object.fromEntries(this.decisions);
  }

  /** Set a hunk's decision (listeners hear of a change); false for an unknown hunk. */
  decide(hunkId: string, decision: HunkDecision): boolean {
    const previous = this.decisions.get(hunkId);
    if (previous === undefined) return false;
    if (previous !== decision) {
      this.decisions.set(hunkId, decision);
      this.changed();
    }
    return true;
  }

  /** Set every hunk's decision. */
  decideAll(decision: HunkDecision): void {
    let changed = false;
    for (const [id, previous] of this.decisions) {
      if (previous !== decision) changed = true;
      this.decisions.set(id, decision);
    }
    if (changed) this.changed();
  }

  /** Ids of the hunks to apply (every hunk not rejected), in proposal order. */
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

  /**
   * The approval reply for `decision` under the current hunk decisions: an accepting decision
   * carries `acceptedHunkIds` (every hunk not rejected; the ids of `included` when given, e.g. the
   * hunks a preview shows), and becomes `decline` when every hunk is rejected.
   */
  result(decision: ApprovalDecision = "accept", included: readonly string[] = this.includedHunkIds()): RequestApprovalResult {
    if (decision === "decline" || decision === "cancel") return { decision };
    if (this.decisions.size > 0 && included.length === 0) return { decision: "decline" };
    return { decision, acceptedHunkIds: [...included] };
  }

  /** Called after every change of a decision; dispose to stop. */
  onDidChange(listener: () => void): DisposableLike {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * The review states of the pending file-change approvals, by request id. Add {@link presenter} to
 * the broker (first, so the others find the state): it creates a request's state when it is
 * shown and drops it when it is answered or withdrawn.
 */
export class ReviewStates {
  private readonly states = new Map<string, { state: ReviewState; subscription: DisposableLike }>();
  private readonly listeners = new Set<(requestId: string) => void>();

  /** The state of a pending file-change approval, created on first use; undefined for other kinds. */
  of(approval: PendingApproval): ReviewState | undefined {
    if (approval.params.kind !== "fileChange") return undefined;
    let held = this.states.get(approval.requestId);
    if (!held) {
      const state = new ReviewState(approval.params.changes ?? []);
      held = { state, subscription: state.onDidChange(() => this.changed(approval.requestId)) };
      this.states.set(approval.requestId, held);
    }
    return held.state;
  }

  /** The state of request `requestId`, if it is a pending file change that was shown. */
  get(requestId: string): ReviewState | undefined {
    return this.states.get(requestId)?.state;
  }

  /** Forget a request's state (answered or withdrawn). */
  delete(requestId: string): void {
    this.states.get(requestId)?.subscription.dispose();
    this.states.delete(requestId);
  }

  /** Called with the request id when a hunk decision of that request changes; dispose to stop. */
  onDidChange(listener: (requestId: string) => void): DisposableLike {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The broker presenter that keeps the states in step with the pending requests. */
  presenter(): ApprovalPresenter {
    return {
      show: (approval) => void this.of(approval),
      dismiss: (requestId) => this.delete(requestId),
    };
  }

  private changed(requestId: string): void {
    for (const listener of [...this.listeners]) listener(requestId);
  }
}
