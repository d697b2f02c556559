/**
 * The approval round trip (`tandem/requestApproval`, docs/architecture.md "The custom LSP protocol"), pure:
 * no `vscode`. The extension plugs in presenters (a VS Code notification, the chat panel, the
 * proposal diff); the contract tests plug in fakes.
 *
 * A request is shown by every presenter; the first answer wins and the others are dismissed
 * ("answered"). A request is withdrawn — dismissed everywhere, answered `decline` (the server
 * ignores the late reply) — when the server cancels it (`$/cancelRequest`, the handler's
 * cancellation token) or reports it resolved (`tandem/serverRequest/resolved {requestId}`).
 */
import type { RequestApprovalParams, RequestApprovalResult } from "./shared/protocolTypes";
import type { CancellationTokenLike, DisposableLike, RequestTarget } from "./rpc/connection";
import { REQUEST_APPROVAL } from "./protocol/methods";
import { isNotification, type TandemNotification } from "./notifications";

/** An approval waiting for the user; `requestId` is `params.requestId`, the JSON-RPC id of the server's request. */
export interface PendingApproval {
  requestId: string;
  params: RequestApprovalParams;
}

/** Why a prompt goes away. */
export type DismissReason = "answered" | "withdrawn";

/** Shows approvals to the user somewhere (a notification, the chat panel, a diff editor). */
export interface ApprovalPresenter {
  /**
   * Show `approval`. May return the user's answer (undefined: dismissed without answering);
   * presenters that answer later call {@link ApprovalBroker.answer} instead.
   */
  show(approval: PendingApproval): PromiseLike<RequestApprovalResult | undefined> | undefined | void;
  /** Take the prompt away (answered elsewhere, or withdrawn by the server). */
  dismiss(requestId: string, reason: DismissReason): void;
}

interface Entry extends PendingApproval {
  resolve(result: RequestApprovalResult): void;
}

/** Holds pending approvals and decides which answer wins. */
export class ApprovalBroker {
  private readonly entries = new Map<string, Entry>();
  private readonly presenters = new Set<ApprovalPresenter>();
  private readonly listeners = new Set<() => void>();

  /** @param onError called when a presenter throws (e.g. log it). */
  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  /** Add a presenter; dispose to remove it. */
  addPresenter(presenter: ApprovalPresenter): DisposableLike {
    this.presenters.add(presenter);
    return { dispose: () => this.presenters.delete(presenter) };
  }

  /**
   * Handle one `tandem/requestApproval`: resolves with the reply to send.
   *
   * @param params the request's params (`RequestApprovalParams`); `params.requestId` (the request's
   *   JSON-RPC id) names it in {@link answer}, {@link withdraw} and `tandem/serverRequest/resolved`.
   *   A request whose id is still pending replaces it (the older one is withdrawn).
   * @param token cancelled when the server sends `$/cancelRequest` for this request.
   */
  handle(params: RequestApprovalParams, token?: CancellationTokenLike): Promise<RequestApprovalResult> {
    const id = params.requestId;
    this.withdraw(id);
    return new Promise<RequestApprovalResult>((resolve) => {
      const entry: Entry = { requestId: id, params, resolve };
      this.entries.set(id, entry);
      if (token?.isCancellationRequested) {
        this.finish(id, { decision: "decline" }, "withdrawn");
        return;
      }
      const cancellation = token?.onCancellationRequested(() => this.withdraw(id));
      const original = entry.resolve;
      entry.resolve = (result) => {
        cancellation?.dispose();
        original(result);
      };
      this.changed();
      for (const presenter of [...this.presenters]) this.show(presenter, entry);
    });
  }

  /**
   * Answer a pending approval (from any presenter or command). The first answer wins.
   *
   * @returns false when the request is no longer pending.
   */
  answer(requestId: string, result: RequestApprovalResult): boolean {
    const entry = this.entries.get(requestId);
    if (!entry) return false;
    return this.finish(requestId, normalize(entry.params, result), "answered");
  }

  /** Withdraw a pending approval (the server no longer waits for it). */
  withdraw(requestId: string): boolean {
    return this.finish(requestId, { decision: "decline" }, "withdrawn");
  }

  /** Withdraw every pending approval (the server went away). */
  withdrawAll(): void {
    for (const id of [...this.entries.keys()]) this.withdraw(id);
  }

  /** Withdraw on `tandem/serverRequest/resolved` (a notification listener for the router). */
  onNotification(notification: TandemNotification): void {
    if (isNotification(notification, "tandem/serverRequest/resolved")) this.withdraw(notification.params.requestId);
  }

  /** Pending approvals, oldest first. */
  pending(): PendingApproval[] {
    return [...this.entries.values()].map(({ requestId, params }) => ({ requestId, params }));
  }

  get(requestId: string): PendingApproval | undefined {
    const entry = this.entries.get(requestId);
    return entry && { requestId: entry.requestId, params: entry.params };
  }

  onDidChange(listener: () => void): DisposableLike {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private show(presenter: ApprovalPresenter, entry: Entry): void {
    try {
      const shown = presenter.show({ requestId: entry.requestId, params: entry.params });
      if (shown && typeof shown.then === "function") {
        shown.then(
          (result) => {
            if (result) this.answer(entry.requestId, result);
          },
          (error: unknown) => this.onError(error),
        );
      }
    } catch (error) {
      this.onError(error);
    }
  }

  private finish(requestId: string, result: RequestApprovalResult, reason: DismissReason): boolean {
    const entry = this.entries.get(requestId);
    if (!entry) return false;
    this.entries.delete(requestId);
    entry.resolve(result);
    for (const presenter of [...this.presenters]) {
      try {
        presenter.dismiss(requestId, reason);
      } catch (error) {
        this.onError(error);
      }
    }
    this.changed();
    return true;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** `acceptedHunkIds` only where it means something: an accept of a file change. */
function normalize(params: RequestApprovalParams, result: RequestApprovalResult): RequestApprovalResult {
  const accepting = result.decision === "accept" || result.decision === "acceptForSession";
  if (params.kind === "fileChange" && accepting && Array.isArray(result.acceptedHunkIds)) {
    return { decision: result.decision, acceptedHunkIds: [...result.acceptedHunkIds] };
  }
  return { decision: result.decision };
}

/**
 * Answer `tandem/requestApproval` on `target` through `broker` (the extension's language client, or
 * a protocol connection in the contract tests).
 */
export function registerApprovalHandler(target: RequestTarget, broker: ApprovalBroker): DisposableLike {
  return target.onRequest(REQUEST_APPROVAL, (params: unknown, token: CancellationTokenLike) =>
    broker.handle(params as RequestApprovalParams, token),
  );
}
