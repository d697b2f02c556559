/**
 * A command the agent ran: command line, its directory (relative to the thread's root, hidden when
 * it is the root), live (capped) output, status, exit code, duration. While the command waits for
 * the user's approval it says "Waiting for approval", not "Running…"; once it has failed, the
 * output is open and scrolled to its end (the tail is where the error is).
 */
import { cappedLength, cappedToString } from "../capped";
import { h, setText } from "../dom";
import { formatDuration } from "../mentions";
import type { CommandEntry } from "../state";
import { type Card, relativeDir, type RenderContext } from "./common";

/** Where a command is in its life, as the card shows it. */
export type CommandPhase = "waitingForApproval" | "running" | "succeeded" | "failed" | "declined";

/** The phase of a command entry. */
export function commandPhase(e: CommandEntry): CommandPhase {
  switch (e.status) {
    case "inProgress":
      return e.approvalRequestId !== null ? "waitingForApproval" : "running";
    case "declined":
      return "declined";
    case "failed":
      return "failed";
    default:
      return e.exitCode !== null && e.exitCode !== 0 ? "failed" : "succeeded";
  }
}

function badgeText(e: CommandEntry): string {
  switch (e.status) {
    case "inProgress":
      return e.approvalRequestId !== null ? "Waiting for approval" : "Running…";
    case "declined":
      return "Declined";
    case "completed":
      return e.exitCode === null ? "Done" : `Exit ${e.exitCode}`;
    case "failed":
      return e.exitCode === null ? "Failed" : `Exit ${e.exitCode}`;
    default:
      return String(e.status);
  }
}

export function commandCard(entry: CommandEntry, ctx: RenderContext): Card<CommandEntry> {
  const badge = h("span", { class: "badge" });
  const duration = h("span", { class: "duration" });
  const cwd = h("div", { class: "cwd" });
  // Live output is not read out as it streams (the card's status is).
  const pre = h("pre", { class: "output-text", tabindex: 0, role: "region", "aria-label": "Command output", "aria-live": "off" });
  const outputLabel = h("span", {});
  const output = h("details", { class: "output", open: true }, h("summary", {}, outputLabel), pre);
  const el = h("section", { class: "entry card command", "aria-label": `Command: ${entry.command}` },
    h("header", { class: "card-head" },
      h("span", { class: "prompt", "aria-hidden": "true" }, "$"),
      h("code", { class: "cmd" }, entry.command),
      h("span", { class: "spacer" }),
      duration,
      badge),
    cwd,
    output);
  let shownOutput: CommandEntry["output"] | null = null;
  let shownPhase: CommandPhase | null = null;

  /** Show the end of the output (after layout: a new card is not in the page yet). */
  const showTail = (): void => {
    output.open = true;
    const scroll = (): void => {
      pre.scrollTop = pre.scrollHeight;
    };
    scroll();
    requestAnimationFrame(scroll);
  };

  const update = (e: CommandEntry): void => {
    const phase = commandPhase(e);
    el.dataset["status"] = e.status;
    el.dataset["phase"] = phase;
    el.classList.toggle("nonzero", e.exitCode !== null && e.exitCode !== 0);
    setText(badge, badgeText(e));
    badge.setAttribute("aria-label", `Status: ${badgeText(e)}`);
    setText(duration, e.durationMs === null ? "" : formatDuration(e.durationMs));
    const dir = e.cwd ? relativeDir(e.cwd, ctx.cwd()) : null;
    setText(cwd, dir ? `in ${dir}` : "");
    cwd.title = e.cwd;
    if (e.output !== shownOutput) {
      const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8;
      const text = cappedToString(e.output);
      setText(pre, text);
      if (atBottom) pre.scrollTop = pre.scrollHeight;
      shownOutput = e.output;
      const total = cappedLength(e.output);
      const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      setText(outputLabel, e.output.omitted > 0 ? `Output (${total.toLocaleString("en-US")} characters, middle omitted)`
        : `Output (${lines} line${lines === 1 ? "" : "s"})`);
    }
    output.hidden = cappedLength(e.output) === 0;
    if (phase === "failed" && shownPhase !== "failed") showTail();
    shownPhase = phase;
  };
  update(entry);
  return { el, update };
}
