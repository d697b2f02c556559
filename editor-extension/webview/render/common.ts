/** What every card shares: the card interface, the context it renders with, small widgets. */
import type { ItemStatus } from "../../src/protocol/generated";
import type { ChangeKind } from "../../src/protocol/generated";
import type { UserMessageItem } from "../../src/shared/protocolTypes";
import type { WebviewToHost } from "../../src/shared/webviewMessages";
import { h } from "../dom";

export interface RenderContext {
  post(message: WebviewToHost): void;
  /** The active thread's working directory (paths are shown relative to it). */
  cwd(): string | null;
  threadId(): string | null;
  /** The input of turn `turnId` (its first user message), for Retry; null when the page does not have it. */
  turnInput(turnId: string): UserMessageItem["content"] | null;
  /** The active thread's model provider id (e.g. `openai`, `ollama`), for a failed turn's advice. */
  provider(): string | null;
}

/** A transcript card: built once per entry, then updated in place when its entry changes. */
export interface Card<E> {
  readonly el: HTMLElement;
  update(entry: E): void;
}

/** A file path that opens the file in the editor. */
export function pathLink(ctx: RenderContext, path: string, line?: number): HTMLButtonElement {
  return h("button", {
    class: "link path",
    type: "button",
    title: `Open ${path}`,
    "aria-label": `Open ${path}${line === undefined ? "" : ` at line ${line}`}`,
    onclick: () => ctx.post(line === undefined ? { type: "openFile", path } : { type: "openFile", path, line }),
  }, path);
}

const STATUS_TEXT: Record<ItemStatus, string> = {
  inProgress: "Running",
  completed: "Done",
  failed: "Failed",
  declined: "Declined",
};

export function statusText(status: ItemStatus): string {
  return STATUS_TEXT[status] ?? status;
}

const KIND_LETTER: Record<ChangeKind, [string, string]> = {
  add: ["A", "Added"],
  update: ["M", "Modified"],
  delete: ["D", "Deleted"],
  move: ["R", "Moved"],
};

/** The one-letter change kind badge (A/M/D/R) with its word for screen readers. */
export function kindBadge(kind: ChangeKind): HTMLElement {
  const [letter, word] = KIND_LETTER[kind] ?? ["?", kind];
  return h("span", { class: `kind kind-${kind}`, title: word, role: "img", "aria-label": word }, letter);
}

/** `+3 −1` coloured counts. */
export function counts(added: number, removed: number): HTMLElement {
  return h("span", { class: "counts", "aria-label": `${added} added, ${removed} removed lines` },
    h("span", { class: "add", "aria-hidden": "true" }, `+${added}`),
    " ",
    h("span", { class: "del", "aria-hidden": "true" }, `−${removed}`));
}

/**
 * How to show a directory the agent worked in, relative to the thread's root `root`: null when it
 * is the root itself (nothing worth saying), `sub/dir` inside it, the absolute path outside it.
 */
export function relativeDir(dir: string, root: string | null): string | null {
  const trim = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const d = trim(dir);
  if (!root) return d;
  const r = trim(root);
  if (d === r) return null;
  if (d.startsWith(`${r}/`)) return d.slice(r.length + 1);
  return d;
}
