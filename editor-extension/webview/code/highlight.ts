/**
 * Syntax highlighting of code blocks with highlight.js (its core plus the languages below, bundled
 * by esbuild into dist/webview.js). highlight.js escapes the code and emits only
 * `<span class="hljs-…">` markup, so the result needs no inline styles or scripts (the webview's
 * CSP allows neither); the colours come from the page's stylesheet (webview/feedback.css), keyed
 * on VS Code's theme kind.
 */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import dockerfile from "highlight.js/lib/languages/dockerfile";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import kotlin from "highlight.js/lib/languages/kotlin";
import makefile from "highlight.js/lib/languages/makefile";
import markdown from "highlight.js/lib/languages/markdown";
import php from "highlight.js/lib/languages/php";
import plaintext from "highlight.js/lib/languages/plaintext";
import python from "highlight.js/lib/languages/python";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import swift from "highlight.js/lib/languages/swift";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const LANGUAGES = {
  bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, makefile, markdown, php,
  plaintext, python, ruby, rust, shell, sql, swift, typescript, xml, yaml,
};

/** Code longer than this is shown plain (highlighting runs on every streamed frame). */
export const HIGHLIGHT_MAX_CHARS = 40_000;

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
  hljs.registerAliases(["python3", "py3"], { languageName: "python" });
}

/** The registered language for a fence's info string (`ts`, `Python`, `shell`), or null. */
export function knownLanguage(lang: string | null): string | null {
  register();
  const name = (lang ?? "").trim().toLowerCase();
  if (!name) return null;
  const found = hljs.getLanguage(name);
  return found ? name : null;
}

/**
 * `code` as highlighted HTML (escaped text in `hljs-*` spans), or null when the language is unknown
 * or the code too long (the caller then shows the text as it is). A block without a language is
 * not guessed at: guessing mislabels short snippets.
 */
export function highlightCode(code: string, lang: string | null): string | null {
  const language = knownLanguage(lang);
  if (!language || code.length > HIGHLIGHT_MAX_CHARS) return null;
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
