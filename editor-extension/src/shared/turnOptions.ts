/**
 * The composer's per-turn options (model, reasoning effort, approval mode), shared by the host
 * (src/turnOptions.ts, which sends them with `tandem/turn/start`) and the chat page (the pickers).
 *
 * Approval modes are Codex's three presets: read-only = approval `on-request` + sandbox
 * `read-only`; auto = `on-request` + `workspace-write`; full access = `never` + `danger-full-access`.
 */
import type { ApprovalPolicy, ModelInfo, SandboxMode } from "../protocol/generated";

export type ApprovalModeId = "read-only" | "auto" | "full-access";

export interface ApprovalMode {
  id: ApprovalModeId;
  label: string;
  description: string;
  approvalPolicy: ApprovalPolicy;
  sandboxMode: SandboxMode;
}

export const APPROVAL_MODES: readonly ApprovalMode[] = [
  {
    id: "read-only", label: "Read only", approvalPolicy: "on-request", sandboxMode: "read-only",
    description: "Reads files and answers; asks before changing anything or running commands that write",
  },
  {
    id: "auto", label: "Auto", approvalPolicy: "on-request", sandboxMode: "workspace-write",
    description: "Edits files and runs commands in the workspace; asks before going beyond it",
  },
  {
    id: "full-access", label: "Full access", approvalPolicy: "never", sandboxMode: "danger-full-access",
    description: "Runs anything without asking, network included: use with care",
  },
];

/** The preset a policy + sandbox pair is, or null when it is none of them (e.g. `untrusted`). */
export function approvalModeOf(policy: string | null | undefined, sandbox: string | null | undefined): ApprovalModeId | null {
  return APPROVAL_MODES.find((m) => m.approvalPolicy === policy && m.sandboxMode === sandbox)?.id ?? null;
}

/** A mode by id (undefined for an unknown id). */
export function approvalMode(id: string): ApprovalMode | undefined {
  return APPROVAL_MODES.find((m) => m.id === id);
}

/** What the composer shows and offers (host -> page message `turnOptions`). */
export interface TurnOptionsView {
  /** The provider's id and display name (`tandem/model/list`). */
  provider: string | null;
  providerName: string | null;
  models: ModelInfo[];
  /** The model, effort and approval mode the next turn runs with. */
  model: string | null;
  /** null: the model takes no effort, or the provider's default applies. */
  effort: string | null;
  /** Efforts the model takes (empty: no effort picker). */
  efforts: string[];
  approvalMode: ApprovalModeId | null;
  /** Shown when `approvalMode` is null: the thread's own policy and sandbox. */
  customApproval: string | null;
}

/** A choice in one of the composer's pickers (page -> host message `setTurnOption`). */
export type TurnOptionKind = "model" | "effort" | "approvalMode";
