/**
 * The page's only link to the extension host: `acquireVsCodeApi().postMessage` out, `message`
 * events in. In a plain browser (tests, a harness page) a shim collects outgoing messages in
 * `window.__tandemOutbox` (and forwards them to `window.parent` when framed); incoming messages
 * are then fed with `window.postMessage`.
 */
import type { HostToWebview, WebviewToHost } from "../src/shared/webviewMessages";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  interface Window {
    acquireVsCodeApi?: () => VsCodeApi;
    __tandemOutbox?: WebviewToHost[];
  }
}

export interface Bridge {
  post(message: WebviewToHost): void;
  /** Persisted page state (survives the panel being hidden); `undefined` when none. */
  getState(): unknown;
  setState(state: unknown): void;
  onMessage(handler: (message: HostToWebview) => void): void;
}

/** Every host message type (a Record, so the compiler flags a type missing here). */
const HOST_TYPE_TABLE: Record<HostToWebview["type"], true> = {
  notification: true, threads: true, threadOpened: true, approval: true, approvalResolved: true, hunkDecisions: true,
  status: true, insert: true, mentionResults: true, skills: true, error: true,
  setup: true, setupResult: true, connection: true, restoreDraft: true,
  turnOptions: true,
  capabilities: true,
};
const HOST_TYPES: ReadonlySet<string> = new Set(Object.keys(HOST_TYPE_TABLE));

/** Whether `data` looks like a host message (anything else posted to the window is ignored). */
export function isHostMessage(data: unknown): data is HostToWebview {
  return typeof data === "object" && data !== null && HOST_TYPES.has((data as { type?: unknown }).type as string);
}

function shimApi(win: Window): VsCodeApi {
  const outbox: WebviewToHost[] = (win.__tandemOutbox ??= []);
  let saved: unknown;
  return {
    postMessage(message: unknown): void {
      outbox.push(message as WebviewToHost);
      if (win.parent !== win) win.parent.postMessage(message, "*");
    },
    getState: () => saved,
    setState(state: unknown): void {
      saved = state;
    },
  };
}

export function createBridge(win: Window = window): Bridge {
  const api = typeof win.acquireVsCodeApi === "function" ? win.acquireVsCodeApi() : shimApi(win);
  return {
    post: (message) => api.postMessage(message),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
    onMessage(handler): void {
      win.addEventListener("message", (event: MessageEvent) => {
        if (isHostMessage(event.data)) handler(event.data);
      });
    },
  };
}
