/**
 * The header: the thread button (the thread's name — its first prompt; click for the searchable
 * thread picker, a QuickPick the host shows), New and Fork, and the status line. The token meter
 * is under the composer (webview/render/composerBar.ts).
 */
import { threadName } from "../../src/shared/threadName";
import type { WebviewToHost } from "../../src/shared/webviewMessages";
import { h, setText } from "../dom";
import { isRunning, type ViewState } from "../state";
import { busyLabel, modelLabel } from "./statusLine";

export class HeaderView {
  readonly el: HTMLElement;
  private readonly threadButton: HTMLButtonElement;
  private readonly threadLabel: HTMLElement;
  private readonly fork: HTMLButtonElement;
  private readonly dot: HTMLElement;
  private readonly model: HTMLElement;
  private readonly busy: HTMLElement;
  private readonly busyLabel: HTMLElement;
  private activeId: string | null = null;

  constructor(private readonly post: (m: WebviewToHost) => void) {
    this.threadLabel = h("span", { class: "thread-name" });
    this.threadButton = h("button", {
      class: "thread-pick", type: "button", title: "Switch thread: search your threads by their first prompt",
      onclick: () => this.post({ type: "pickThread" }),
    }, this.threadLabel, h("span", { class: "thread-chevron", "aria-hidden": "true" }, "▾"));
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
    this.busyLabel = h("span", { class: "busy-label" }, "Working…");
    this.busy = h("span", { class: "busy" }, h("span", { class: "spinner", "aria-hidden": "true" }), this.busyLabel);
    this.el = h("header", { class: "topbar" },
      h("div", { class: "topbar-row" }, this.threadButton, newBtn, this.fork),
      h("div", { class: "status-line", role: "status", "aria-label": "Agent status" }, this.dot, this.model, this.busy));
  }

  render(state: ViewState): void {
    this.activeId = state.activeThreadId;
    const listed = state.threads.find((t) => t.id === state.activeThreadId);
    const name = state.activeThreadId === null ? "No thread yet" : threadName(listed?.preview ? listed : state.thread, 60);
    setText(this.threadLabel, name);
    this.threadButton.setAttribute("aria-label", `Thread: ${name}. Switch thread`);
    this.fork.disabled = state.activeThreadId === null;
    const s = state.status;
    this.dot.className = `dot ${s.connected ? "on" : "off"}`;
    this.dot.title = s.connected ? "Connected to the Tandem server" : "Not connected";
    // An unknown model is the server's configured default (never "no model": see webview/render/statusLine.ts).
    setText(this.model, modelLabel(s));
    this.model.title = s.model ? `Model: ${s.model}` : "The model configured for the Tandem server";
    // Hidden by visibility, not display: the status line keeps its layout when a turn starts or ends.
    this.busy.classList.toggle("idle", !isRunning(state));
    setText(this.busyLabel, busyLabel(state));
  }
}
