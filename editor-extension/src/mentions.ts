/**
 * From the chat composer to `tandem/turn/start` input (pure; no `vscode`).
 *
 * The webview sends `{type:"send", text, mentions, images}` (src/shared/webviewMessages.ts):
 * mentions are workspace-relative paths with optional 1-based, inclusive line numbers; images are
 * `data:` URLs. The server takes `InputItem[]` (generated protocol types): `text{text}`,
 * `file{uri, range?}` (LSP range: 0-based lines, `end` exclusive), `image{dataUrl}`.
 */
import type { FileInput, ImageInput, Range, SkillInput, TextInput } from "./protocol/generated";
import type { Mention, PastedImage, SkillRef } from "./shared/webviewMessages";

export type InputItem = TurnInput[number];
export type TurnInput = (TextInput | FileInput | ImageInput | SkillInput)[];

/**
 * The LSP range of a mention's lines: `startLine..endLine` (1-based, inclusive) becomes
 * `{start: {line: startLine-1, character: 0}, end: {line: endLine, character: 0}}`.
 * Undefined when the mention names no lines (the whole file).
 */
export function mentionRange(mention: Mention): Range | undefined {
  const { startLine, endLine } = mention;
  if (startLine === undefined && endLine === undefined) return undefined;
  const first = Math.max(1, Math.floor(startLine ?? 1));
  const last = Math.max(first, Math.floor(endLine ?? first));
  return { start: { line: first - 1, character: 0 }, end: { line: last, character: 0 } };
}

/**
 * A `file` InputItem for a mention.
 *
 * @param toUri maps a workspace-relative (or absolute) path to a `file:` URI string.
 */
export function mentionToInput(mention: Mention, toUri: (path: string) => string): FileInput {
  const range = mentionRange(mention);
  return range ? { type: "file", uri: toUri(mention.path), range } : { type: "file", uri: toUri(mention.path) };
}

/**
 * The `input` of `tandem/turn/start` for one message: the text first, then one `file` item per
 * mention (duplicates dropped), then one `image` item per pasted image, then one `skill` item per
 * skill chosen in the `$` completion (by path, duplicates dropped).
 *
 * @returns the items; empty when there is nothing to send.
 */
export function buildTurnInput(
  message: { text: string; mentions?: readonly Mention[]; images?: readonly PastedImage[]; skills?: readonly SkillRef[] },
  toUri: (path: string) => string,
): TurnInput {
  const input: TurnInput = [];
  if (message.text.trim()) input.push({ type: "text", text: message.text });
  const seen = new Set<string>();
  for (const mention of message.mentions ?? []) {
    const item = mentionToInput(mention, toUri);
    const key = JSON.stringify(item);
    if (!seen.has(key)) {
      seen.add(key);
      input.push(item);
    }
  }
  for (const image of message.images ?? []) {
    if (image.dataUrl.startsWith("data:")) input.push({ type: "image", dataUrl: image.dataUrl });
  }
  const skillPaths = new Set<string>();
  for (const skill of message.skills ?? []) {
    if (!skill.name || !skill.path || skillPaths.has(skill.path)) continue;
    skillPaths.add(skill.path);
    input.push({ type: "skill", name: skill.name, path: skill.path });
  }
  return input;
}

/**
 * A case-insensitive glob for `workspace.findFiles` matching paths that contain `query`
 * (e.g. `src/ma` -> `**\/*[sS][rR][cC]/[mM][aA]*`). Glob metacharacters in the query match
 * any character. An empty query matches every file.
 */
export function mentionGlob(query: string): string {
  const trimmed = query.trim().replace(/^@/, "").replace(/^\.?\/+/, "");
  if (!trimmed) return "**/*";
  let pattern = "";
  for (const ch of trimmed) {
    if (/[*?[\]{}!\\]/.test(ch)) pattern += "?";
    else if (ch.toLowerCase() !== ch.toUpperCase()) pattern += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    else pattern += ch;
  }
  return `**/*${pattern}*`;
}

/** Order search results for the picker: basename matches first, then shorter paths; at most `limit`. */
export function rankMentionResults(paths: readonly string[], query: string, limit = 20): string[] {
  const q = query.trim().replace(/^@/, "").toLowerCase();
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1).toLowerCase();
  const score = (p: string) => (base(p).startsWith(q) ? 0 : base(p).includes(q) ? 1 : 2);
  return [...new Set(paths)]
    .sort((a, b) => score(a) - score(b) || a.length - b.length || a.localeCompare(b))
    .slice(0, limit);
}
