/**
 * Agent markdown -> sanitised HTML (marked + DOMPurify). Streaming text is re-rendered per frame.
 * Code fences keep their language as `data-lang` (DOMPurify drops `class`), for the code-block
 * toolbar and highlighting (webview/code/codeBlocks.ts); tables are wrapped in a horizontally
 * scrolling box so wide tables scroll instead of breaking words.
 */
import DOMPurify from "dompurify";
import { Marked, Renderer, type Tokens } from "marked";

/** `text` with the five HTML metacharacters escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

const marked = new Marked({ gfm: true, breaks: false, async: false });
marked.use({
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = /^\S*/.exec(lang ?? "")?.[0] ?? "";
      const attr = language ? ` data-lang="${escapeHtml(language)}"` : "";
      return `<pre><code${attr}>${escapeHtml(text)}</code></pre>\n`;
    },
    table(this: Renderer, token: Tokens.Table): string {
      return `<div data-scroll="table">${Renderer.prototype.table.call(this, token)}</div>\n`;
    },
  },
});

let hooked = false;

function hookLinks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
      node.setAttribute("title", node.getAttribute("href") ?? "");
      node.removeAttribute("target");
    }
  });
}

/** Sanitised HTML for `text` (unfinished markdown — an open code fence — renders as far as it goes). */
export function renderMarkdown(text: string): string {
  hookLinks();
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "button", "textarea", "select", "iframe"],
    FORBID_ATTR: ["style", "id", "class"],
  });
}

/** Where a link in a message points: an external URL (left to the editor), or a file to open. */
export function classifyHref(href: string): { external: true } | { external: false; path: string; line?: number } {
  if (/^(https?:|mailto:)/i.test(href)) return { external: true };
  let path = href.replace(/^file:\/\//i, "");
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it as written
  }
  let line: number | undefined;
  const m = /^(.*?)(?:#L(\d+)(?:-L?\d+)?|:(\d+)(?::\d+)?)$/.exec(path);
  if (m) {
    path = m[1] ?? path;
    line = Number(m[2] ?? m[3]);
  }
  return line === undefined ? { external: false, path } : { external: false, path, line };
}
