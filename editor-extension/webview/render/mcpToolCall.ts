/**
 * A call to an MCP server's tool: "server › tool", status and duration in the head; the arguments,
 * then the result (its text blocks, or the structured content as JSON; images as a count) or the
 * error, in collapsible sections — the arguments and result start closed, an error is shown.
 */
import { h, setText } from "../dom";
import { formatDuration } from "../mentions";
import type { McpToolCallEntry } from "../state";
import { type Card, statusText } from "./common";

function json(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/** What the result shows: the structured content as JSON when present, else the blocks' text. */
export function resultText(item: McpToolCallEntry["item"]): string {
  const result = item.result;
  if (!result) return "";
  if (result.structuredContent !== undefined && result.structuredContent !== null) return json(result.structuredContent);
  return (result.content ?? [])
    .map((block) => (block["type"] === "text" ? String(block["text"] ?? "") : block["type"] === "image" ? "[image]" : json(block)))
    .join("\n");
}

export function mcpToolCallCard(entry: McpToolCallEntry): Card<McpToolCallEntry> {
  const badge = h("span", { class: "badge" });
  const duration = h("span", { class: "duration" });
  const args = h("pre", { class: "mcp-arguments", tabindex: 0 });
  const result = h("pre", { class: "mcp-result output-text", tabindex: 0 });
  const resultBox = h("details", { class: "output mcp-result-box" }, h("summary", {}, "Result"), result);
  const error = h("p", { class: "mcp-error", role: "status" });
  const name = `${entry.item.server} › ${entry.item.tool}`;
  const el = h("section", { class: "entry card mcp-tool-call", "aria-label": `MCP tool: ${name}` },
    h("header", { class: "card-head" },
      h("span", { class: "card-icon", "aria-hidden": "true" }, "⚙"),
      h("code", { class: "cmd" }, name),
      h("span", { class: "spacer" }),
      duration,
      badge),
    h("details", { class: "output mcp-arguments-box" }, h("summary", {}, "Arguments"), args),
    resultBox,
    error);
  const update = (e: McpToolCallEntry): void => {
    const item = e.item;
    const status = item.status ?? "inProgress";
    el.dataset["status"] = status;
    setText(badge, status === "inProgress" ? "Running…" : statusText(status));
    badge.setAttribute("aria-label", `Status: ${statusText(status)}`);
    setText(duration, item.durationMs === null || item.durationMs === undefined ? "" : formatDuration(item.durationMs));
    setText(args, json(item.arguments));
    const shown = resultText(item);
    setText(result, shown);
    resultBox.hidden = !item.result;
    setText(error, item.error?.message ?? "");
    error.hidden = !item.error;
  };
  update(entry);
  return { el, update };
}
