/**
 * Runtime views of the generated protocol (src/protocol/generated.ts): which methods are
 * notifications, which are client->server requests, and typed helpers for sending them.
 *
 * The generator emits method directions only as types (`TandemMethods`); the table below is
 * checked against them by the compiler (a method added to, removed from or moved in the schema
 * fails `npm run typecheck` until this table agrees), so nothing here is a hand-written copy
 * that can drift silently.
 */
import { METHOD_NAMES, type TandemMethods } from "./generated";

/** Every method name of the Tandem protocol. */
export type MethodName = keyof TandemMethods;

/** `tandem/*` requests the client sends (thread/start, turn/start, ...). */
export type ClientRequestMethod = {
  [K in MethodName]: TandemMethods[K]["direction"] extends "clientToServer" ? K : never;
}[MethodName];

/** `tandem/*` notifications the server sends (result `void` in the generated table). */
export type ServerNotificationMethod = {
  [K in MethodName]: TandemMethods[K]["direction"] extends "serverToClient"
    ? [TandemMethods[K]["result"]] extends [void]
      ? K
      : never
    : never;
}[MethodName];

/** Requests the server sends to the client (today only `tandem/requestApproval`). */
export type ServerRequestMethod = Exclude<
  { [K in MethodName]: TandemMethods[K]["direction"] extends "serverToClient" ? K : never }[MethodName],
  ServerNotificationMethod
>;

/** Params of a method, from the generated table. */
export type ParamsOf<M extends MethodName> = TandemMethods[M]["params"];
/** Result of a method, from the generated table. */
export type ResultOf<M extends MethodName> = TandemMethods[M]["result"];

type Kind = "clientRequest" | "serverNotification" | "serverRequest";
type KindOf<M extends MethodName> = M extends ClientRequestMethod
  ? "clientRequest"
  : M extends ServerNotificationMethod
    ? "serverNotification"
    : "serverRequest";

/** Checked by the compiler against `TandemMethods`: every method, each with its exact kind. */
const KINDS: { [M in MethodName]: KindOf<M> } = {
  "tandem/thread/start": "clientRequest",
  "tandem/thread/list": "clientRequest",
  "tandem/thread/resume": "clientRequest",
  "tandem/thread/fork": "clientRequest",
  "tandem/thread/compact": "clientRequest",
  "tandem/thread/rollback": "clientRequest",
  "tandem/turn/start": "clientRequest",
  "tandem/turn/interrupt": "clientRequest",
  "tandem/turn/steer": "clientRequest",
  "tandem/change/accept": "clientRequest",
  "tandem/change/reject": "clientRequest",
  "tandem/change/preview": "clientRequest",
  "tandem/change/read": "clientRequest",
  "tandem/undo": "clientRequest",
  "tandem/redo": "clientRequest",
  "tandem/change/hunks": "clientRequest",
  "tandem/change/acceptFiles": "clientRequest",
  "tandem/change/rejectFiles": "clientRequest",
  "tandem/provider/status": "clientRequest",
  "tandem/provider/test": "clientRequest",
  "tandem/model/list": "clientRequest",
  "tandem/skills/list": "clientRequest",
  "tandem/requestApproval": "serverRequest",
  "tandem/turn/started": "serverNotification",
  "tandem/turn/completed": "serverNotification",
  "tandem/item/started": "serverNotification",
  "tandem/item/updated": "serverNotification",
  "tandem/item/completed": "serverNotification",
  "tandem/item/agentMessageDelta": "serverNotification",
  "tandem/item/reasoningDelta": "serverNotification",
  "tandem/item/commandOutputDelta": "serverNotification",
  "tandem/turn/planUpdated": "serverNotification",
  "tandem/turn/diffUpdated": "serverNotification",
  "tandem/turn/streamRetry": "serverNotification",
  "tandem/thread/tokenUsage": "serverNotification",
  "tandem/serverRequest/resolved": "serverNotification",
  "tandem/change/updated": "serverNotification",
  "tandem/turn/undone": "serverNotification",
  "tandem/mcp/status": "serverNotification",
};

const ofKind = (kind: Kind): string[] => METHOD_NAMES.filter((m) => KINDS[m] === kind);

/** Every server -> client notification, in the order of the generated METHOD_NAMES. */
export const SERVER_NOTIFICATIONS = ofKind("serverNotification") as ServerNotificationMethod[];
/** Every client -> server request. */
export const CLIENT_REQUESTS = ofKind("clientRequest") as ClientRequestMethod[];

export const REQUEST_APPROVAL = "tandem/requestApproval" satisfies ServerRequestMethod;
export const SERVER_REQUEST_RESOLVED = "tandem/serverRequest/resolved" satisfies ServerNotificationMethod;

/** Server commands (`workspace/executeCommand`) offered by `tandem lsp` (server/tandem/lsp/commands.py). */
export const SERVER_COMMANDS = {
  ask: "tandem.ask",
  fix: "tandem.fix",
  explain: "tandem.explain",
  acceptHunk: "tandem.acceptHunk",
  rejectHunk: "tandem.rejectHunk",
  acceptChange: "tandem.acceptChange",
  rejectChange: "tandem.rejectChange",
  undo: "tandem.undo",
} as const;

/** JSON-RPC error codes the server uses (README "The Tandem protocol": Errors). */
export const ERROR_CODES = { invalidParams: -32602, notFound: -32001, config: -32004 } as const;
