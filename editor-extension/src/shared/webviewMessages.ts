/**
 * The postMessage protocol between the extension host and the chat webview.
 *
 * The webview is a standalone page: it renders only from these messages and asks for everything
 * through them, so it can be driven in a plain browser (tests feed it recorded messages).
 * Host -> webview messages forward the server's `tandem/*` notifications as they are, plus thread
 * lists, approval prompts and settings; webview -> host messages are user intents.
 */
import type {
  ApprovalKind,
  ChangeProposal,
  Item,
  ApprovalDecision,
  ThreadInfo,
  UserMessageItem,
} from "./protocolTypes";

export type { Item };

/** A server notification forwarded verbatim (method is one of the `tandem/*` notification names). */
export interface NotificationMessage {
  type: "notification";
  method: string;
  params: Record<string, unknown>;
}

/** The thread list changed (after start, resume, fork or list). */
export interface ThreadsMessage {
  type: "threads";
  threads: ThreadInfo[];
  activeThreadId: string | null;
}

/** A thread was opened (new, resumed or forked): replace the transcript with these items. */
export interface ThreadOpenedMessage {
  type: "threadOpened";
  thread: ThreadInfo;
  items: Item[];
}

/** An approval the user can answer in the panel (it is also shown as a VS Code notification). */
export interface ApprovalMessage {
  type: "approval";
  requestId: string;
  threadId: string;
  turnId: string;
  itemId: string;
  kind: ApprovalKind;
  command?: string | null;
  cwd?: string | null;
  reason?: string | null;
  changes?: ChangeProposal[] | null;
  /** A command prefix the user may always allow (decision `acceptWithPrefixRule`); from `tandem/requestApproval`. */
  prefixRule?: string[] | null;
}

/** A user's decision on one hunk of a file-change approval ("rejected" leaves it out of the change). */
export type HunkDecision = "pending" | "accepted" | "rejected";

/**
 * The hunk decisions of a pending file-change approval changed (in the panel or in the proposal
 * diff; host src/review.ts holds them): every hunk's decision, by hunk id.
 */
export interface HunkDecisionsMessage {
  type: "hunkDecisions";
  requestId: string;
  decisions: Record<string, HunkDecision>;
}

/** An approval was answered elsewhere or withdrawn: remove its prompt. */
export interface ApprovalResolvedMessage {
  type: "approvalResolved";
  requestId: string;
}

/** Status shown in the panel header. */
export interface StatusMessage {
  type: "status";
  model: string | null;
  connected: boolean;
  busy: boolean;
  usedTokens: number | null;
  contextWindow: number | null;
}

/** Text to place in the composer (e.g. "Add selection to chat"). */
export interface InsertMessage {
  type: "insert";
  text: string;
  mention?: Mention;
}

/** The result of a file search for @-mentions. */
export interface MentionResultsMessage {
  type: "mentionResults";
  query: string;
  files: string[];
}

/** Something went wrong that the user should see in the panel. */
export interface ErrorMessage {
  type: "error";
  message: string;
}

/**
 * What the server supports, from its `initialize` result (`capabilities.experimental.tandem`):
 * the slash commands to offer (`null`: the server did not say, so the page offers the commands
 * every server has had: new, compact, undo, redo).
 */
export interface CapabilitiesMessage {
  type: "capabilities";
  slashCommands: string[] | null;
}

export type HostToWebview =
  | CapabilitiesMessage
  | NotificationMessage
  | ThreadsMessage
  | ThreadOpenedMessage
  | ApprovalMessage
  | ApprovalResolvedMessage
  | HunkDecisionsMessage
  | StatusMessage
  | InsertMessage
  | MentionResultsMessage
  | ErrorMessage;

/** What a code block's toolbar button asks for (webview/code/codeBlocks.ts; host src/codeBlocks.ts). */
export type CodeBlockAction = "copy" | "insert" | "apply";

/**
 * A failed turn's advice buttons (webview/render/turnFailure.ts): open Tandem's setup (or its
 * settings), the provider's billing page, the logs, or compact the thread.
 */
export type FailureAction = "openSetup" | "checkBilling" | "showLogs" | "compact";

/** An @-mention attached to a prompt: a workspace-relative path, optionally a line range (1-based). */
export interface Mention {
  path: string;
  startLine?: number;
  endLine?: number;
}

/** Image pasted into the composer. */
export interface PastedImage {
  dataUrl: string;
  name: string;
}

export type WebviewToHost =
  | { type: "ready" }
  | { type: "send"; text: string; mentions: Mention[]; images: PastedImage[] }
  | { type: "interrupt" }
  | { type: "newThread" }
  | { type: "selectThread"; threadId: string }
  | { type: "forkThread"; threadId: string; turnId?: string }
  | { type: "listThreads" }
  /** Answer an approval; a file change is answered with the hunks not rejected (`decideHunk`). */
  | { type: "approve"; requestId: string; decision: ApprovalDecision }
  /** Decide one hunk of a pending file-change approval (the panel card's checkbox). */
  | { type: "decideHunk"; requestId: string; hunkId: string; decision: HunkDecision }
  | { type: "openFile"; path: string; line?: number }
  /** `path`: one file of the item (a file-change card has a button per file); absent = the whole item. */
  | { type: "openDiff"; itemId: string; path?: string }
  | { type: "slash"; command: "new" | "compact" | "undo" | "redo" | "review"; args?: string }
  | { type: "searchMentions"; query: string }
  /** A code block's toolbar: copy it, insert it at the active editor's cursor, or apply it as a change to review. */
  | { type: "codeBlock"; action: CodeBlockAction; code: string; language: string | null }
  /** Send a failed turn's input again as a new turn (the turn-end line's Retry). */
  | { type: "retryTurn"; threadId: string; turnId: string; input: UserMessageItem["content"] }
  /** One of a failed turn's advice buttons. */
  | { type: "failureAction"; action: FailureAction; threadId: string | null };
