/** The transcript's entries: one per item, approval, turn end or host notice (see state.ts). */
import type { ItemStatus, TurnErrorCode, TurnStatus, Usage } from "../src/protocol/generated";
import type { SkillErrorInfo, SkillInfo } from "../src/protocol/generated";
import type { FileChangeItem, McpToolCallItem, PlanStep, UserMessageItem } from "../src/shared/protocolTypes";
import type { ApprovalMessage, HunkDecision } from "../src/shared/webviewMessages";
import type { CappedText } from "./capped";
import type { FileReview, TurnReview } from "./reviewState";

export interface UserEntry { kind: "user"; id: string; turnId: string | null; item: UserMessageItem }
export interface AgentEntry { kind: "agent"; id: string; turnId: string | null; text: string; streaming: boolean }
export interface ReasoningEntry {
  kind: "reasoning"; id: string; turnId: string | null; summary: string[]; text: string; streaming: boolean;
}
/** `approvalRequestId`: the pending approval of this command (it waits for the user), else null. */
export interface CommandEntry {
  kind: "command"; id: string; turnId: string | null; command: string; cwd: string; status: ItemStatus;
  exitCode: number | null; durationMs: number | null; output: CappedText;
  approvalRequestId: string | null;
}
/** `review`: the server's review state of each file once the change is applied (reviewState.ts). */
export interface FileChangeEntry {
  kind: "fileChange"; id: string; turnId: string | null; changes: FileChangeItem["changes"]; status: ItemStatus;
  review?: FileReview[];
}
/** A call to an MCP server's tool (the item as the server sent it). */
export interface McpToolCallEntry { kind: "mcpToolCall"; id: string; turnId: string | null; item: McpToolCallItem }
export interface PlanEntry {
  kind: "plan"; id: string; turnId: string | null; steps: PlanStep[]; explanation: string | null; done: boolean;
}
export interface CompactionEntry { kind: "compaction"; id: string; turnId: string | null; summary: string }
export interface ErrorEntry { kind: "error"; id: string; turnId: string | null; message: string }
/** `decisions`: the host's hunk decisions of a file-change approval (src/review.ts), by hunk id; absent: all pending. */
export interface ApprovalEntry {
  kind: "approval"; id: string; turnId: string; request: ApprovalMessage; decisions?: Readonly<Record<string, HunkDecision>>;
}
/** `review`: the turn's files under review and whether it is undone (reviewState.ts).
 * `errorCode`: the server's kind of failure (`TurnError.code`), null when it gave none. */
export interface TurnEntry {
  kind: "turn"; id: string; turnId: string; status: TurnStatus; error: string | null; usage: Usage | null;
  diff: string;
  review?: TurnReview;
  errorCode: TurnErrorCode | null;
}
/** A problem reported by the host (`error` message). */
export interface NoticeEntry { kind: "notice"; id: string; turnId: null; message: string }

/** The `/skills` listing: the skills the server sees and the SKILL.md files it could not load. */
export interface SkillsEntry { kind: "skills"; id: string; turnId: null; skills: SkillInfo[]; errors: SkillErrorInfo[] }

export type Entry =
  | UserEntry | AgentEntry | ReasoningEntry | CommandEntry | FileChangeEntry | McpToolCallEntry | PlanEntry | CompactionEntry
  | ErrorEntry | ApprovalEntry | TurnEntry | NoticeEntry | SkillsEntry;
