/**
 * The token meter's words and level (no DOM): how full the current thread's context is — the
 * server's `contextTokens` of `tandem/thread/tokenUsage` against the model's `contextWindow`, not
 * the thread's cumulative tokens — amber from {@link WARN_AT}, red from {@link FULL_AT} (the server
 * compacts on its own at 90 %, `auto_compact_fraction`), where /compact is offered. The cumulative
 * counts go in the tooltip.
 */
import type { Usage } from "../src/shared/protocolTypes";
import { formatTokens } from "./mentions";

/** Amber from here (a fraction of the window). */
export const WARN_AT = 0.7;
/** Red from here. */
export const FULL_AT = 0.85;

export type MeterLevel = "ok" | "warn" | "full";

/** What the meter shows. `hidden`: the thread has no usage yet (before its first model response). */
export interface MeterView {
  hidden: boolean;
  /** "Context 42%" (of a known window) or "Context 12k" (tokens; the window is not known). */
  text: string;
  /** 0..1 of the window, null when the window is unknown. */
  fraction: number | null;
  level: MeterLevel;
  /** One line for screen readers. */
  label: string;
  /** The meter's tooltip: context figures, then the thread's cumulative usage. */
  tooltip: string;
  /** Offer /compact (amber or red). */
  offerCompact: boolean;
}

/** The figures the meter reads (the page's status view). */
export interface MeterInput {
  contextTokens: number | null;
  contextWindow: number | null;
  usedTokens: number | null;
  used: Usage | null;
}

const count = (n: number): string => n.toLocaleString("en");

/** The meter for the current thread's figures. */
export function tokenMeter(s: MeterInput): MeterView {
  const tokens = s.contextTokens;
  if (tokens === null) {
    return { hidden: true, text: "", fraction: null, level: "ok", label: "", tooltip: "", offerCompact: false };
  }
  const window = s.contextWindow && s.contextWindow > 0 ? s.contextWindow : null;
  const fraction = window ? Math.min(1, tokens / window) : null;
  const level: MeterLevel = fraction === null ? "ok" : fraction >= FULL_AT ? "full" : fraction >= WARN_AT ? "warn" : "ok";
  const percent = fraction === null ? null : Math.round(fraction * 100);
  const lines = [
    window
      ? `Context: ${count(tokens)} of ${count(window)} tokens (${percent}%)`
      : `Context: ${count(tokens)} tokens (the model's window is not known)`,
  ];
  if (level !== "ok") lines.push("Near the limit: /compact summarises the conversation so far to free the context.");
  const used = s.used;
  const total = used?.totalTokens ?? s.usedTokens;
  if (total !== null && total !== undefined) {
    lines.push(`This thread in total: ${count(total)} tokens`);
    const parts = [
      used?.inputTokens !== undefined ? `input ${formatTokens(used.inputTokens)}` : "",
      used?.cachedInputTokens ? `cached ${formatTokens(used.cachedInputTokens)}` : "",
      used?.outputTokens !== undefined ? `output ${formatTokens(used.outputTokens)}` : "",
      used?.reasoningOutputTokens ? `reasoning ${formatTokens(used.reasoningOutputTokens)}` : "",
    ].filter(Boolean);
    if (parts.length > 0) lines.push(parts.join(" · "));
  }
  return {
    hidden: false,
    text: percent === null ? `Context ${formatTokens(tokens)}` : `Context ${percent}%`,
    fraction,
    level,
    label: window
      ? `Context ${percent}% full: ${formatTokens(tokens)} of ${formatTokens(window)} tokens`
      : `Context: ${formatTokens(tokens)} tokens`,
    tooltip: lines.join("\n"),
    offerCompact: level !== "ok",
  };
}
