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
  McpApprovalDetails,
  ResumedTurn,
  ThreadInfo,
  TokenUsageNotification,
  Usage,
  UserMessageItem,
} from "./protocolTypes";
import type { TurnOptionKind, TurnOptionsView } from "./turnOptions";

import type { ProviderStatusResult, ProviderTestResult, SkillErrorInfo, SkillInfo } from "../protocol/generated";
import type { ConnectionState } from "../serverFailure";
import type { ProviderSettings, SetupValues } from "./setup";

export type { Item };
export type { ConnectionState } from "../serverFailure";

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

/**
 * A thread was opened (new, resumed or forked): replace the transcript with these items.
 * `turns` and `tokenUsage` are `tandem/thread/resume`'s: each turn's items, status, error, usage and
 * diff (rendered as the live stream rendered them), and the thread's token usage (absent: none yet).
 */
export interface ThreadOpenedMessage {
  type: "threadOpened";
  thread: ThreadInfo;
  items: Item[];
  turns?: ResumedTurn[];
  tokenUsage?: TokenUsageNotification | null;
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
  /** For an `mcpToolCall` approval: the server, tool, title, arguments and the decisions to offer. */
  mcp?: McpApprovalDetails | null;
}

/** What the user does with an applied change: keep it (marked reviewed) or undo it (reverted). */
export type ReviewAction = "keep" | "undo";

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
  /** How full the active thread's context is (tokens; compare with `contextWindow`). */
  contextTokens?: number | null;
  /** The active thread's cumulative counts (the token meter's tooltip). */
  used?: Usage | null;
}

/** The composer's model / effort / approval pickers (src/turnOptions.ts). */
export interface TurnOptionsMessage extends TurnOptionsView {
  type: "turnOptions";
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

/**
 * The skills the server sees (`tandem/skills/list`), for the composer's `$` completion; `show`: the
 * answer to `/skills`, listed in the transcript (with the SKILL.md files that failed to load).
 */
export interface SkillsMessage {
  type: "skills";
  skills: SkillInfo[];
  errors: SkillErrorInfo[];
  show?: boolean;
}

/** A skill chosen in the `$` completion: sent with the turn as a `skill {name, path}` input item. */
export interface SkillRef {
  name: string;
  path: string;
}

/** Something went wrong that the user should see in the panel. */
export interface ErrorMessage {
  type: "error";
  message: string;
}

/**
 * The provider setup view (src/setup.ts): shown instead of the chat while the server's provider is
 * not usable (`required`) or when the user asked for it (`requested`, e.g. `tandem.openSetup`).
 */
export interface SetupMessage {
  type: "setup";
  mode: "required" | "requested" | "hidden";
  /** `tandem/provider/status` (null while the server is not running). */
  status: ProviderStatusResult | null;
  /** What the settings say now. */
  settings: ProviderSettings;
  /** Environment variables that have a key stored in SecretStorage (names only, never keys). */
  storedKeys: string[];
}

/** Progress and outcome of the setup view's Test connection / Save. */
export interface SetupResultMessage {
  type: "setupResult";
  phase: "testing" | "tested" | "saving" | "saved" | "failed";
  test?: ProviderTestResult;
  message?: string;
}

/** The server connection (Send is disabled unless `running`). */
export interface ConnectionMessage {
  type: "connection";
  state: ConnectionState;
  /** Why it is not running, after a failure. */
  reason?: string;
}

/** A prompt the host could not send: put it back in the composer (nothing typed is ever lost). */
export interface RestoreDraftMessage {
  type: "restoreDraft";
  text: string;
  mentions: Mention[];
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
  | SkillsMessage
  | ErrorMessage
  | SetupMessage
  | SetupResultMessage
  | ConnectionMessage
  | RestoreDraftMessage
  | TurnOptionsMessage;

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
  /** `skills`: the skills chosen in the `$` completion that the text still names. */
  | { type: "send"; text: string; mentions: Mention[]; images: PastedImage[]; skills?: SkillRef[] }
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
  | { type: "slash"; command: "new" | "compact" | "undo" | "redo" | "review" | "skills"; args?: string }
  /** Keep or undo a turn's applied changes in `paths` (every file of the turn when absent): `tandem/change/acceptFiles|rejectFiles`. */
  | { type: "reviewFiles"; threadId: string; turnId: string; action: ReviewAction; paths?: string[] }
  /** "Restore checkpoint": undo what turn `turnId` changed (`tandem/undo {threadId, turnId}`). */
  | { type: "restoreCheckpoint"; threadId: string; turnId: string }
  /** Bring back what the thread's newest checkpoint undo reverted (`tandem/redo`). */
  | { type: "redoCheckpoint"; threadId: string }
  | { type: "searchMentions"; query: string }
  /** The composer wants the skills for its `$` completion (answered by a `skills` message). */
  | { type: "listSkills" }
  /** The setup view's buttons (src/setup.ts). */
  | { type: "setupTest"; values: SetupValues }
  | { type: "setupSave"; values: SetupValues }
  | { type: "setupClose" }
  | { type: "openSetup" }
  /** The "Not connected" banner's buttons. */
  | { type: "openSettings" }
  | { type: "restartServer" }
  | { type: "showLogs" }
  /** Open the thread picker (a searchable QuickPick). */
  | { type: "pickThread" }
  /** A choice in one of the composer's pickers, for the next turn. */
  | { type: "setTurnOption"; option: TurnOptionKind; value: string }
  /** A code block's toolbar: copy it, insert it at the active editor's cursor, or apply it as a change to review. */
  | { type: "codeBlock"; action: CodeBlockAction; code: string; language: string | null }
  /** Send a failed turn's input again as a new turn (the turn-end line's Retry). */
  | { type: "retryTurn"; threadId: string; turnId: string; input: UserMessageItem["content"] }
  /** One of a failed turn's advice buttons. */
  | { type: "failureAction"; action: FailureAction; threadId: string | null };
