/**
 * The status bar item: the model, the state (idle / working / awaiting approval) and how full the
 * thread's context is (`tandem/thread/tokenUsage`: `contextTokens` of `contextWindow`; the
 * cumulative `used.totalTokens` in the tooltip, or in the text when the server sends no context size).
 * Clicking it opens the chat.
 */
import * as vscode from "vscode";

export type AgentState = "stopped" | "idle" | "working" | "awaitingApproval";

/** Everything the item shows. */
export interface StatusInput {
  connected: boolean;
  model: string | null;
  running: boolean;
  pendingApprovals: number;
  usedTokens: number | null;
  contextWindow: number | null;
  /** How full the thread's context is now (tokens); null/absent: unknown. */
  contextTokens?: number | null;
}

/** The state to show: approvals first, then a running turn. */
export function agentState(input: StatusInput): AgentState {
  if (!input.connected) return "stopped";
  if (input.pendingApprovals > 0) return "awaitingApproval";
  return input.running ? "working" : "idle";
}

/** `1234` -> `1.2k`, `272000` -> `272k`, `1500000` -> `1.5M`. */
export function formatTokens(n: number): string {
  const short = (value: number, unit: string) => `${Number(value.toFixed(value < 10 ? 1 : 0))}${unit}`;
  if (n >= 1_000_000) return short(n / 1_000_000, "M");
  if (n >= 1_000) return short(n / 1_000, "k");
  return String(n);
}

const LABELS: Record<AgentState, { icon: string; label: string }> = {
  stopped: { icon: "$(debug-disconnect)", label: "stopped" },
  idle: { icon: "$(sparkle)", label: "idle" },
  working: { icon: "$(loading~spin)", label: "working" },
  awaitingApproval: { icon: "$(bell-dot)", label: "awaiting approval" },
};

/** Text and tooltip of the item, e.g. `$(sparkle) gpt-5.5 · idle · 12k/272k`. */
export function statusText(input: StatusInput): { text: string; tooltip: string; state: AgentState } {
  const state = agentState(input);
  const { icon, label } = LABELS[state];
  const parts = [input.model ?? "Tandem", label];
  const context = input.contextTokens ?? null;
  if (context !== null && input.contextWindow) {
    parts.push(`${formatTokens(context)}/${formatTokens(input.contextWindow)}`);
  } else if (input.usedTokens !== null) {
    parts.push(input.contextWindow ? `${formatTokens(input.usedTokens)}/${formatTokens(input.contextWindow)}` : `${formatTokens(input.usedTokens)} tokens`);
  }
  const tooltip = [
    `Tandem: ${label}`,
    input.model ? `Model: ${input.model}` : "Model: server default",
    context !== null && input.contextWindow ? `Context: ${context} of ${input.contextWindow} tokens` : "",
    input.usedTokens !== null ? `Tokens used: ${input.usedTokens}${context === null && input.contextWindow ? ` of ${input.contextWindow}` : " in this thread"}` : "",
    input.pendingApprovals ? `${input.pendingApprovals} approval(s) waiting` : "",
    "Click to open the chat",
  ].filter(Boolean).join("\n");
  return { text: `${icon} ${parts.join(" · ")}`, tooltip, state };
}

/** The item itself; call `update` whenever the input may have changed. */
export class TandemStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("tandem.status", vscode.StatusBarAlignment.Right, 100);

  constructor(command: string) {
    this.item.name = "Tandem";
    this.item.command = command;
    this.item.show();
  }

  update(input: StatusInput): void {
    const { text, tooltip, state } = statusText(input);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = state === "awaitingApproval" ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }

  /** The current text (for tests and the extension API). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
