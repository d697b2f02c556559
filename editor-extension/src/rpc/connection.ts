/**
 * The few connection operations the extension's handlers need, as structural interfaces that both
 * vscode-languageclient's `LanguageClient` and vscode-jsonrpc's `ProtocolConnection` satisfy. The
 * handler modules depend only on these, so the contract tests wire them to a plain protocol
 * connection to the real server and the extension wires them to the language client.
 */
import type { ClientRequestMethod, ParamsOf, ResultOf } from "../protocol/methods";

/** Something that can be disposed (VS Code's and vscode-jsonrpc's `Disposable` both fit). */
export interface DisposableLike {
  dispose(): unknown;
}

/** vscode-jsonrpc's / VS Code's `CancellationToken`, as far as we use it. */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): DisposableLike;
}

/** Receives server -> client notifications. */
export interface NotificationSource {
  onNotification(method: string, handler: (params: unknown) => void): DisposableLike;
}

/** Answers server -> client requests. */
export interface RequestTarget {
  onRequest(
    method: string,
    handler: (params: unknown, token: CancellationTokenLike) => Promise<unknown>,
  ): DisposableLike;
}

/** Sends client -> server requests. */
export interface RequestSender {
  sendRequest(method: string, params: unknown): Promise<unknown>;
}

/** Typed `tandem/*` requests (params and results from the generated protocol types). */
export interface TandemRpc {
  request<M extends ClientRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** `workspace/executeCommand` of a server command (e.g. `tandem.ask`). */
  executeCommand(command: string, args: unknown[]): Promise<unknown>;
}

/**
 * Typed requests over any sender.
 *
 * @param sender `LanguageClient`, a `ProtocolConnection`, or a function returning one (the
 *   extension's current client, which changes when the server restarts).
 */
export function tandemRpc(sender: RequestSender | (() => RequestSender)): TandemRpc {
  const current = typeof sender === "function" ? sender : () => sender;
  return {
    request: async (method, params) => (await current().sendRequest(method, params)) as never,
    executeCommand: (command, args) =>
      current().sendRequest("workspace/executeCommand", { command, arguments: args }),
  };
}

/** A JSON-RPC error's code, if `error` is one (vscode-jsonrpc `ResponseError` or a plain object). */
export function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** A user-readable message for any error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message : String(error);
}
