/** A command the agent ran: command line, cwd, live (capped) output, status, exit code, duration. */
import { cappedLength, cappedToString } from "../capped";
import { h, setText } from "../dom";
import { formatDuration } from "../mentions";
import type { CommandEntry } from "../state";
import type { Card } from "./common";

function badgeText(e: CommandEntry): string {
  switch (e.status) {
    case "inProgress":
      return "Running…";
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

export function commandCard(entry: CommandEntry): Card<CommandEntry> {
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

  const update = (e: CommandEntry): void => {
    el.dataset["status"] = e.status;
    el.classList.toggle("nonzero", e.exitCode !== null && e.exitCode !== 0);
    setText(badge, badgeText(e));
    badge.setAttribute("aria-label", `Status: ${badgeText(e)}`);
    setText(duration, e.durationMs === null ? "" : formatDuration(e.durationMs));
    setText(cwd, e.cwd ? `in ${e.cwd}` : "");
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
  };
  update(entry);
  return { el, update };
}
