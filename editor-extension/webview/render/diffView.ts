/** A unified diff as a coloured `<pre>` (one span per line; colours from the editor's diff theme). */
import { h } from "../dom";
import { parseDiffLines } from "../diff";

/** Lines beyond this are not put in the DOM (a note says how many were left out). */
export const DIFF_LINE_LIMIT = 2_000;

export function diffView(diff: string, label: string): HTMLElement {
  const pre = h("pre", { class: "diff", tabindex: 0, role: "region", "aria-label": label });
  const lines = parseDiffLines(diff);
  const shown = lines.length > DIFF_LINE_LIMIT ? lines.slice(0, DIFF_LINE_LIMIT) : lines;
  const frag = document.createDocumentFragment();
  // Block-level spans: one per line (copying the selection still yields one line per span).
  for (const line of shown) frag.append(h("span", { class: `dl dl-${line.kind}` }, line.text || " "));
  if (shown.length < lines.length) {
    frag.append(h("span", { class: "dl dl-note" }, `… ${lines.length - shown.length} more lines (open the diff to see all)`));
  }
  pre.append(frag);
  return pre;
}
