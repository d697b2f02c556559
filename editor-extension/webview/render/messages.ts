/**
 * Cards for conversation text: user and agent messages, reasoning, compaction, errors, host notices.
 * A long user message starts collapsed with "Show more"; the agent's code blocks get a toolbar
 * and highlighting (code/codeBlocks.ts).
 */
import { decorateCodeBlocks } from "../code/codeBlocks";
import { h, setText } from "../dom";
import { classifyHref, renderMarkdown } from "../markdown";
import { displayPath } from "../mentions";
import type {
  AgentEntry, CompactionEntry, ErrorEntry, NoticeEntry, ReasoningEntry, UserEntry,
} from "../state";
import type { Card, RenderContext } from "./common";

/** A user message longer than this many characters or lines starts collapsed. */
export const COLLAPSE_CHARS = 700;
export const COLLAPSE_LINES = 12;

/** Whether a user message's text is long enough to start collapsed. */
export function isLongMessage(text: string): boolean {
  return text.length > COLLAPSE_CHARS || text.split("\n").length > COLLAPSE_LINES;
}

/** The text of a user message: collapsed behind "Show more" when long (the choice survives updates). */
function userText(text: string, expanded: { value: boolean }): HTMLElement {
  const body = h("div", { class: "user-text" }, text);
  if (!isLongMessage(text)) return body;
  const toggle = h("button", { class: "link small show-more", type: "button" });
  const wrap = h("div", { class: "user-text-wrap" }, body, toggle);
  const apply = (): void => {
    body.classList.toggle("collapsed", !expanded.value);
    toggle.textContent = expanded.value ? "Show less" : "Show more";
    toggle.setAttribute("aria-expanded", String(expanded.value));
  };
  toggle.addEventListener("click", () => {
    expanded.value = !expanded.value;
    apply();
  });
  apply();
  return wrap;
}

export function userCard(entry: UserEntry, ctx: RenderContext): Card<UserEntry> {
  const el = h("article", { class: "entry user", "aria-label": "You said" });
  const expanded = { value: false };
  const update = (e: UserEntry): void => {
    el.replaceChildren();
    const chips = h("div", { class: "chips" });
    for (const part of e.item.content) {
      switch (part.type) {
        case "text":
          el.append(userText(part.text, expanded));
          break;
        case "file":
        case "selection": {
          const path = displayPath(part.uri, ctx.cwd());
          const line = part.range ? part.range.start.line + 1 : undefined;
          const label = part.range ? `${path}:${part.range.start.line + 1}-${part.range.end.line + 1}` : path;
          chips.append(h("button", {
            class: "chip", type: "button", title: `Open ${label}`, "aria-label": `Open ${label}`,
            onclick: () => ctx.post(line === undefined ? { type: "openFile", path } : { type: "openFile", path, line }),
          }, h("span", { class: "chip-icon", "aria-hidden": "true" }, "@"), label));
          break;
        }
        case "diagnostic":
          chips.append(h("span", { class: "chip", title: part.message },
            h("span", { class: "chip-icon", "aria-hidden": "true" }, "⚠"),
            `${displayPath(part.uri, ctx.cwd())}:${part.range.start.line + 1}`));
          break;
        case "image":
          if (part.dataUrl) chips.append(h("img", { class: "thumb", src: part.dataUrl, alt: "Attached image" }));
          else chips.append(h("span", { class: "chip" }, "🖼 ", part.path ?? "image"));
          break;
        default:
          break;
      }
    }
    if (chips.childElementCount > 0) el.append(chips);
  };
  update(entry);
  return { el, update };
}

/** Opens file links of agent markdown in the editor; web links are left to the editor's webview. */
function handleLinks(container: HTMLElement, ctx: RenderContext): void {
  container.addEventListener("click", (event) => {
    const a = (event.target as Element | null)?.closest("a");
    const href = a?.getAttribute("href");
    if (!a || !href) return;
    const target = classifyHref(href);
    if (target.external) return;
    event.preventDefault();
    ctx.post(target.line === undefined ? { type: "openFile", path: target.path }
      : { type: "openFile", path: target.path, line: target.line });
  });
}

export function agentCard(entry: AgentEntry, ctx: RenderContext): Card<AgentEntry> {
  const body = h("div", { class: "markdown" });
  const el = h("article", { class: "entry agent", "aria-label": "Tandem said" }, body);
  handleLinks(body, ctx);
  let shown: string | null = null;
  const update = (e: AgentEntry): void => {
    if (e.text !== shown) {
      body.innerHTML = renderMarkdown(e.text);
      decorateCodeBlocks(body, ctx.post);
      shown = e.text;
    }
    el.classList.toggle("streaming", e.streaming);
    el.setAttribute("aria-busy", String(e.streaming));
  };
  update(entry);
  return { el, update };
}

/** The headline of a reasoning summary: its first `**bold**` title, else its first line. */
export function reasoningHeadline(e: Pick<ReasoningEntry, "summary" | "text">): string {
  const source = e.summary.find((s) => s.trim() !== "") ?? e.text;
  const bold = /\*\*(.+?)\*\*/.exec(source);
  const line = (bold?.[1] ?? source.trim().split("\n")[0] ?? "").replace(/[*_`#]/g, "").trim();
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

export function reasoningCard(entry: ReasoningEntry, ctx: RenderContext): Card<ReasoningEntry> {
  const label = h("span", { class: "reasoning-label" });
  const headline = h("span", { class: "reasoning-headline" });
  const body = h("div", { class: "markdown reasoning-body", "aria-live": "off" });
  const el = h("details", { class: "entry reasoning" },
    h("summary", {}, label, headline), body);
  handleLinks(body, ctx);
  let shown = "";
  const update = (e: ReasoningEntry): void => {
    setText(label, e.streaming ? "Thinking…" : "Reasoning");
    setText(headline, reasoningHeadline(e));
    const parts = [...e.summary];
    if (e.text && !parts.includes(e.text)) parts.push(e.text);
    const md = parts.join("\n\n");
    if (md !== shown) {
      body.innerHTML = renderMarkdown(md);
      shown = md;
    }
    el.classList.toggle("streaming", e.streaming);
  };
  update(entry);
  return { el, update };
}

export function compactionCard(entry: CompactionEntry): Card<CompactionEntry> {
  const body = h("div", { class: "markdown" });
  const el = h("details", { class: "entry compaction" }, h("summary", {}, "Context compacted"), body);
  const update = (e: CompactionEntry): void => {
    body.innerHTML = renderMarkdown(e.summary || "_No summary._");
  };
  update(entry);
  return { el, update };
}

export function errorCard(entry: ErrorEntry | NoticeEntry): Card<ErrorEntry | NoticeEntry> {
  const text = h("span", { class: "error-text" });
  const el = h("div", { class: `entry error ${entry.kind}`, role: "alert" },
    h("span", { class: "error-icon", "aria-hidden": "true" }, "⚠"), text);
  const update = (e: ErrorEntry | NoticeEntry): void => setText(text, e.message);
  update(entry);
  return { el, update };
}
