import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub, Uri } from "./vscodeStub";
import { ChatPanel, chatHtml, isWebviewMessage } from "../../src/chatPanel";
import { fakeChat } from "./helpers";

beforeEach(() => stub.reset());

function fakeView() {
  const received: ((m: unknown) => void)[] = [];
  const posted: unknown[] = [];
  const webview = {
    options: {},
    html: "",
    cspSource: "vscode-webview://x",
    asWebviewUri: (u: Uri) => u,
    onDidReceiveMessage: (l: (m: unknown) => void) => (received.push(l), { dispose() {} }),
    postMessage: async (m: unknown) => (posted.push(m), true),
  };
  return { view: { webview, visible: true, onDidDispose: () => ({ dispose() {} }), onDidChangeVisibility: () => ({ dispose() {} }) }, posted, send: (m: unknown) => Promise.all(received.map((l) => l(m))) };
}

describe("chat panel host", () => {
  it("serves a page with a strict CSP and a nonce on the script", () => {
    const html = chatHtml({ cspSource: "vscode-webview://abc", scriptUri: "S.js", styleUri: "S.css", nonce: "n0nce", built: true });
    expect(html).toContain(`content="default-src 'none'; img-src vscode-webview://abc data:; style-src vscode-webview://abc; font-src vscode-webview://abc; script-src 'nonce-n0nce'"`);
    expect(html).toContain('<div id="app"></div>');
    expect(html).toContain('<script nonce="n0nce" src="S.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="S.css">');
    expect(html).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(chatHtml({ cspSource: "c", scriptUri: "S.js", styleUri: "S.css", nonce: "n", built: false })).not.toContain("<script");
  });

  it("accepts only known intents", () => {
    expect(isWebviewMessage({ type: "ready" })).toBe(true);
    expect(isWebviewMessage({ type: "searchMentions", query: "a" })).toBe(true);
    expect(isWebviewMessage({ type: "eval" })).toBe(false);
    expect(isWebviewMessage(null)).toBe(false);
  });

  it("posts nothing before ready except queued inserts; ready sends the state", async () => {
    const panel = new ChatPanel(Uri.file("/ext") as never, { openDiff: async () => undefined });
    const chat = fakeChat({ handlers: { "tandem/thread/list": () => ({ threads: [] }) } });
    panel.controller = chat.controller;
    const { view, posted, send } = fakeView();
    panel.resolveWebviewView(view as never);
    expect(view.webview.html).toContain("dist/webview.js is missing"); // not built in unit tests
    panel.post({ type: "notification", method: "tandem/turn/started", params: {} });
    panel.post({ type: "insert", text: "", mention: { path: "a.ts", startLine: 1, endLine: 2 } });
    expect(posted).toEqual([]);
    // The controller posts through its own host in this test; the panel flushes its queue on ready.
    await send({ type: "ready" });
    expect(posted).toEqual([{ type: "insert", text: "", mention: { path: "a.ts", startLine: 1, endLine: 2 } }]);
    panel.post({ type: "error", message: "x" });
    expect(posted.at(-1)).toEqual({ type: "error", message: "x" });
  });

  it("resolves mentions and searches the workspace", async () => {
    const panel = new ChatPanel(Uri.file("/ext") as never, { openDiff: async () => undefined });
    expect(panel.toUri("src/a b.ts")).toBe("file:///ws/src/a b.ts");
    expect(panel.toUri("/abs/x.ts")).toBe("file:///abs/x.ts");
    stub.findFilesResult = [Uri.file("/ws/lib/deep/app.ts"), Uri.file("/ws/app.ts")];
    expect(await panel.findFiles("app")).toEqual(["app.ts", "lib/deep/app.ts"]);
  });
});
