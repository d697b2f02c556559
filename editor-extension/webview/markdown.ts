/** Agent markdown -> sanitised HTML (marked + DOMPurify). Streaming text is re-rendered per frame. */
import DOMPurify from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: false, async: false });

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
