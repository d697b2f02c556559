/**
 * Protocol types for code shared by the extension host and the webview: re-exports of the types
 * generated from the server's JSON Schema (src/protocol/generated.ts), plus the item union.
 */
import type {
  AgentMessageItem,
  CommandExecutionItem,
  ContextCompactionItem,
  ErrorItem,
  FileChangeItem,
  McpToolCallItem,
  PlanItem,
  ReasoningItem,
  UserMessageItem,
} from "../protocol/generated";

export type {
  AgentMessageItem,
  ApprovalDecision,
  ApprovalKind,
  ChangeProposal,
  CommandExecutionItem,
  DeltaNotification,
  DiffUpdatedNotification,
  FileChangeItem,
  HunkInfo,
  ItemNotification,
  McpApprovalDetails,
  McpToolCallItem,
  ModelInfo,
  PlanItem,
  PlanStep,
  PlanUpdatedNotification,
  ReasoningItem,
  RequestApprovalParams,
  RequestApprovalResult,
  ResumedTurn,
  ThreadInfo,
  TokenUsageNotification,
  Turn,
  TurnNotification,
  Usage,
  UserMessageItem,
} from "../protocol/generated";

/** Any transcript item (discriminated by `type`). */
export type Item =
  | UserMessageItem
  | AgentMessageItem
  | ReasoningItem
  | CommandExecutionItem
  | FileChangeItem
  | McpToolCallItem
  | PlanItem
  | ContextCompactionItem
  | ErrorItem;
