/** The header: thread picker (resume by selecting), New and Fork, and the status line. */
import type { ThreadInfo } from "../../src/shared/protocolTypes";
import type { WebviewToHost } from "../../src/shared/webviewMessages";
import { h, setText } from "../dom";
import { formatTokens } from "../mentions";
import { isRunning, type ViewState } from "../state";
import { busyLabel, modelLabel } from "./statusLine";

function threadLabel(t: ThreadInfo): string {
  const preview = (t.preview ?? "").trim() || "New thread";
  const short = preview.length > 48 ? `${preview.slice(0, 47)}…` : preview;
  const date = new Date(t.createdAt);
  const when = Number.isNaN(date.getTime()) ? "" : ` — ${date.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}`;
  return short + when;
}

export class HeaderView {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly fork: HTMLButtonElement;
  private readonly dot: HTMLElement;
  private readonly model: HTMLElement;
  private readonly tokens: HTMLElement;
  private readonly busy: HTMLElement;
  private readonly busyLabel: HTMLElement;
  private shownThreads: ThreadInfo[] | null = null;
  private shownActive: string | null | undefined = undefined;
  private activeId: string | null = null;
  /** Arrow keys change a closed select's value: resume only on Enter then, not on every step. */
  private keyboardPick = false;

  constructor(private readonly post: (m: WebviewToHost) => void) {
    this.select = h("select", { class: "thread-select", "aria-label": "Thread (select to resume)", title: "Resume a thread" });
    this.select.addEventListener("keydown", (e) => {
      if (["ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(e.key)) this.keyboardPick = true;
      else if (e.key === "Enter" && this.keyboardPick) {
        this.keyboardPick = false;
        this.resumeSelected();
      }
    });
    this.select.addEventListener("change", () => {
      if (!this.keyboardPick) this.resumeSelected();
    });
    this.select.addEventListener("blur", () => {
      this.keyboardPick = false;
    });
    this.fork = h("button", {
      class: "secondary", type: "button", "aria-label": "Fork this thread", title: "Fork: a new thread with this history",
      onclick: () => {
        if (this.activeId) this.post({ type: "forkThread", threadId: this.activeId });
      },
    }, "Fork");
    const newBtn = h("button", {
      class: "secondary", type: "button", "aria-label": "New thread", title: "Start a new thread",
      onclick: () => this.post({ type: "newThread" }),
    }, "New");
    this.dot = h("span", { class: "dot", "aria-hidden": "true" });
    this.model = h("span", { class: "model" });
    this.tokens = h("span", { class: "tokens" });
    this.busyLabel = h("span", { class: "busy-label" }, "Working…");
    this.busy = h("span", { class: "busy" }, h("span", { class: "spinner", "aria-hidden": "true" }), this.busyLabel);
    this.el = h("header", { class: "topbar" },
      h("div", { class: "topbar-row" }, this.select, newBtn, this.fork),
      h("div", { class: "status-line", role: "status", "aria-label": "Agent status" }, this.dot, this.model, this.tokens, this.busy));
  }

  private resumeSelected(): void {
    const id = this.select.value;
    if (id && id !== this.activeId) this.post({ type: "selectThread", threadId: id });
  }

  render(state: ViewState): void {
    this.activeId = state.activeThreadId;
    if (state.threads !== this.shownThreads || state.activeThreadId !== this.shownActive) {
      const options = state.threads.map((t) => h("option", { value: t.id }, threadLabel(t)));
      if (state.activeThreadId === null) options.unshift(h("option", { value: "" }, "No thread yet"));
      else if (!state.threads.some((t) => t.id === state.activeThreadId)) {
        options.unshift(h("option", { value: state.activeThreadId }, state.thread ? threadLabel(state.thread) : "Current thread"));
      }
      this.select.replaceChildren(...options);
      this.select.value = state.activeThreadId ?? "";
      this.shownThreads = state.threads;
      this.shownActive = state.activeThreadId;
    }
    this.fork.disabled = state.activeThreadId === null;
    const s = state.status;
    this.dot.className = `dot ${s.connected ? "on" : "off"}`;
    this.dot.title = s.connected ? "Connected to the Tandem server" : "Not connected";
    // An unknown model is the server's configured default (never "no model": see webview/render/statusLine.ts).
    setText(this.model, modelLabel(s));
    this.model.title = s.model ? `Model: ${s.model}` : "The model configured for the Tandem server";
    let tokens = "";
    if (s.usedTokens !== null) tokens = `${formatTokens(s.usedTokens)} tokens`;
    if (s.contextWindow && s.lastTokens !== null) {
      tokens += `${tokens ? " · " : ""}${Math.min(100, Math.round((s.lastTokens / s.contextWindow) * 100))}% of context`;
    } else if (s.contextWindow && s.usedTokens !== null) {
      tokens += ` / ${formatTokens(s.contextWindow)}`;
    }
    setText(this.tokens, tokens);
    this.tokens.hidden = tokens === "";
    // Hidden by visibility, not display: the status line keeps its layout when a turn starts or ends.
    this.busy.classList.toggle("idle", !isRunning(state));
    setText(this.busyLabel, busyLabel(state));
  }
}
