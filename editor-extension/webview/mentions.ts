/** Pure helpers of the composer: @-mention queries, slash commands, labels. No DOM. */
import type { Mention } from "../src/shared/webviewMessages";

export type SlashName = "new" | "compact" | "undo" | "redo" | "review" | "skills";

export interface SlashCommand {
  name: SlashName;
  description: string;
  /** Whether choosing it in the menu waits for arguments instead of running at once. */
  takesArgs: boolean;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: "new", description: "Start a new thread", takesArgs: false },
  { name: "compact", description: "Summarise the conversation to free context", takesArgs: false },
  { name: "undo", description: "Revert the agent's last turn (its edits and its commands' changes)", takesArgs: false },
  { name: "redo", description: "Bring back what the last /undo reverted", takesArgs: false },
  { name: "review", description: "Review the current changes (optional focus)", takesArgs: true },
  { name: "skills", description: "List the skills Tandem sees ($name to use one)", takesArgs: false },
];

export interface MentionQuery {
  /** Offset of the `@`. */
  start: number;
  /** Offset just past the query (the caret). */
  end: number;
  /** What follows the `@` up to the caret. */
  query: string;
}

/**
 * The @-mention being typed at `caret`: an `@` at the start or after whitespace, followed by
 * non-whitespace up to the caret. Null when the caret is not in one (e-mail addresses do not count).
 */
export function findMentionQuery(text: string, caret: number): MentionQuery | null {
  if (caret < 0 || caret > text.length) return null;
  let i = caret - 1;
  while (i >= 0) {
    const c = text[i] as string;
    if (c === "@") break;
    if (/\s/.test(c)) return null;
    i--;
  }
  if (i < 0) return null;
  if (i > 0 && !/\s/.test(text[i - 1] as string)) return null;
  return { start: i, end: caret, query: text.slice(i + 1, caret) };
}

/** `text` with the mention query replaced by `@path ` and where the caret goes after it. */
export function applyMention(text: string, q: MentionQuery, path: string): { text: string; caret: number } {
  const after = text.slice(q.end).replace(/^\S*/, "");
  const insert = `@${path}${after.startsWith(" ") ? "" : " "}`;
  return { text: text.slice(0, q.start) + insert + after, caret: q.start + insert.length };
}

/** The slash command `text` invokes (`/review focus on errors`), or null. */
export function parseSlashCommand(text: string): { command: SlashName; args?: string } | null {
  const m = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return null;
  const cmd = SLASH_COMMANDS.find((c) => c.name === m[1]);
  if (!cmd) return null;
  const args = m[2]?.trim();
  return args ? { command: cmd.name, args } : { command: cmd.name };
}

/**
 * Commands matching a partial `/name` being typed (the whole text), or null when the menu should not
 * show; `offered` limits them to the commands the server supports (webview/slash.ts).
 */
export function slashMatches(text: string, offered?: readonly SlashName[]): SlashCommand[] | null {
  const m = /^\/(\w*)$/.exec(text);
  if (!m) return null;
  const prefix = (m[1] ?? "").toLowerCase();
  return SLASH_COMMANDS.filter((c) => c.name.startsWith(prefix) && (!offered || offered.includes(c.name)));
}

/** `path`, `path:12` or `path:12-20`. */
export function mentionLabel(m: Mention): string {
  if (m.startLine === undefined) return m.path;
  if (m.endLine === undefined || m.endLine === m.startLine) return `${m.path}:${m.startLine}`;
  return `${m.path}:${m.startLine}-${m.endLine}`;
}

export function sameMention(a: Mention, b: Mention): boolean {
  return a.path === b.path && a.startLine === b.startLine && a.endLine === b.endLine;
}

/** A `file://` URI shown relative to `cwd` when inside it; other strings as they are. */
export function displayPath(uri: string, cwd: string | null): string {
  let path = uri;
  if (uri.startsWith("file://")) {
    try {
      path = decodeURIComponent(new URL(uri).pathname);
      if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
    } catch {
      path = uri.slice(7);
    }
  }
  if (cwd) {
    const base = cwd.endsWith("/") ? cwd : `${cwd}/`;
    if (path.startsWith(base)) return path.slice(base.length);
  }
  return path;
}

/** `12.3k`, `1.2M`, `950`. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** `850 ms`, `4.2 s`, `3 m 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
}
