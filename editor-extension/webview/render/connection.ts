/**
 * The "Not connected" banner above the composer: shown while the server is starting, stopped or
 * failed, with Open settings / Restart / Show log (handled by the host's setup controller,
 * src/setup.ts). The composer's Send is disabled meanwhile; what is typed stays.
 */
import type { ConnectionMessage, ConnectionState, WebviewToHost } from "../../src/shared/webviewMessages";
import { h, setText } from "../dom";

export class ConnectionBanner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private current: ConnectionState | null = null;

  constructor(post: (m: WebviewToHost) => void) {
    this.text = h("span", { class: "connection-text" });
    this.el = h("div", { class: "connection", role: "alert", hidden: true },
      this.text,
      h("span", { class: "connection-actions" },
        h("button", { class: "secondary small", type: "button", onclick: () => post({ type: "openSettings" }) }, "Open settings"),
        h("button", { class: "secondary small", type: "button", onclick: () => post({ type: "restartServer" }) }, "Restart"),
        h("button", { class: "link", type: "button", onclick: () => post({ type: "showLogs" }) }, "Show log")));
  }

  /** The last state the host reported (null before the first report). */
  get state(): ConnectionState | null {
    return this.current;
  }

  update(message: ConnectionMessage): void {
    this.current = message.state;
    this.el.hidden = message.state === "running";
    this.el.dataset["state"] = message.state;
    const detail = message.state === "starting"
      ? " — the Tandem server is starting…"
      : message.reason ? ` — ${message.reason}` : message.state === "failed" ? " — the Tandem server could not start." : " — the Tandem server is stopped.";
    setText(this.text, `Not connected${detail}`);
  }
}
