/**
 * Code blocks of rendered agent markdown: each `<pre><code data-lang>` gets a toolbar — its
 * language, **Copy**, **Insert** (at the cursor of the active editor) and **Apply** (as a
 * reviewable change, see src/codeBlocks.ts) — and syntax highlighting (code/highlight.ts). The
 * actions go to the host as `codeBlock` messages; the page itself touches neither the clipboard nor
 * any editor.
 */
import type { CodeBlockAction, WebviewToHost } from "../../src/shared/webviewMessages";
import { h } from "../dom";
import { highlightCode } from "./highlight";

const ACTIONS: { action: CodeBlockAction; label: string; title: string }[] = [
  { action: "copy", label: "Copy", title: "Copy the code" },
  { action: "insert", label: "Insert", title: "Insert the code at the cursor of the active editor" },
  { action: "apply", label: "Apply", title: "Apply the code to the active editor's file as a change to review" },
];

/** What a toolbar button says for a moment after it was used. */
const DONE_LABEL: Record<CodeBlockAction, string> = { copy: "Copied", insert: "Inserted", apply: "Applying…" };
const DONE_MS = 1_500;

/** The language word for the toolbar: the fence's info string, or "text". */
function languageLabel(lang: string | null): string {
  return lang && lang.trim() ? lang.trim() : "text";
}

/**
 * Decorate every top-level code block of `container` (rendered markdown): toolbar and highlighting.
 * Call after each `innerHTML` render; blocks already decorated are left alone.
 */
export function decorateCodeBlocks(container: HTMLElement, post: (message: WebviewToHost) => void): void {
  for (const pre of [...container.querySelectorAll<HTMLPreElement>("pre")]) {
    if (pre.parentElement?.classList.contains("code-block")) continue;
    const code = pre.querySelector("code");
    if (!code) continue;
    const lang = code.dataset["lang"] ?? null;
    const text = code.textContent ?? "";
    const html = highlightCode(text, lang);
    if (html !== null) {
      code.innerHTML = html; // highlight.js output: the escaped code in hljs-* spans
      code.classList.add("hljs");
    }
    const label = languageLabel(lang);
    const buttons = ACTIONS.map(({ action, label: word, title }) => {
      const button = h("button", {
        class: "code-action", type: "button", title, "data-action": action, "aria-label": `${word} ${label} code`,
      }, word);
      button.addEventListener("click", () => {
        post({ type: "codeBlock", action, code: code.textContent ?? text, language: lang });
        button.textContent = DONE_LABEL[action];
        setTimeout(() => {
          button.textContent = word;
        }, DONE_MS);
      });
      return button;
    });
    const toolbar = h("div", { class: "code-toolbar", role: "toolbar", "aria-label": `${label} code block` },
      h("span", { class: "code-lang" }, label), h("span", { class: "spacer" }), ...buttons);
    const block = h("div", { class: "code-block" });
    pre.replaceWith(block);
    block.append(toolbar, pre);
  }
}
