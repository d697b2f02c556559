/**
 * The host side of the chat view (`tandem.chat`, a webview view in the Tandem activity-bar
 * container). Serves `dist/webview.js` + `dist/webview.css` (built from webview/ by esbuild.mjs)
 * in a page with a strict CSP and a per-load nonce, relays messages
 * (src/shared/webviewMessages.ts) to and from {@link ChatController}, and provides the
 * controller's editor operations ({@link ChatHost}).
 *
 * Messages posted before the page said `ready` are dropped, except `insert` (queued); on `ready`
 * the controller sends the whole state again.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { ChatController, ChatHost } from "./chat";
import { mentionGlob, rankMentionResults } from "./mentions";
import { isSetupIntent, type SetupController } from "./setup";
import type { HostToWebview, WebviewToHost } from "./shared/webviewMessages";

export const CHAT_VIEW_ID = "tandem.chat";

const INTENTS = new Set<WebviewToHost["type"]>([
  "ready", "send", "interrupt", "newThread", "selectThread", "forkThread", "listThreads", "approve",
  "decideHunk", "openFile", "openDiff", "slash", "searchMentions", "listSkills",
  "reviewFiles", "restoreCheckpoint", "redoCheckpoint",
  "setupTest", "setupSave", "setupClose", "openSetup", "openSettings", "restartServer", "showLogs",
  "pickThread", "setTurnOption",
  "codeBlock", "retryTurn", "failureAction",
]);

/** True for a well-formed webview -> host message (the page is ours, but messages are still checked). */
export function isWebviewMessage(value: unknown): value is WebviewToHost {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === "string" && INTENTS.has(type as WebviewToHost["type"]);
}

/**
 * The page: `<div id="app">`, the stylesheet and the script, under a CSP that allows only our
 * own files (scripts also need the nonce) and `data:` images (pasted screenshots).
 */
export function chatHtml(opts: { cspSource: string; scriptUri: string; styleUri: string; nonce: string; built: boolean }): string {
  const csp = [
    "default-src 'none'",
    `img-src ${opts.cspSource} data:`,
    `style-src ${opts.cspSource}`,
    `font-src ${opts.cspSource}`,
    `script-src 'nonce-${opts.nonce}'`,
  ].join("; ");
  const body = opts.built
    ? `<div id="app"></div>\n  <script nonce="${opts.nonce}" src="${opts.scriptUri}"></script>`
    : `<div id="app"><p>The Tandem chat page is not built (dist/webview.js is missing). Run <code>npm run build</code> in editor-extension.</p></div>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${opts.styleUri}">
  <title>Tandem</title>
</head>
<body>
  ${body}
</body>
</html>`;
}

/** The view provider and the editor side of the chat controller. */
export class ChatPanel implements vscode.WebviewViewProvider, ChatHost, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostToWebview[] = [];
  private readonly postEmitter = new vscode.EventEmitter<HostToWebview>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Every message posted to the page (for the extension API / tests). */
  readonly onDidPost = this.postEmitter.event;
  private readonly visibilityEmitter = new vscode.EventEmitter<boolean>();
  /** Fires when the view is shown or hidden (approvals.ts: no notification while it is visible). */
  readonly onDidChangeVisibility = this.visibilityEmitter.event;
  controller: ChatController | undefined;
  /** The provider setup view and the "Not connected" banner (src/setup.ts). */
  setup: SetupController | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly diffs: { openDiff(itemId: string, path?: string): Promise<void> }) {}

  register(): vscode.Disposable {
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, this, { webviewOptions: { retainContextWhenHidden: true } }),
    );
    return this;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, "media")] };
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js")).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.css")).toString(),
      nonce: randomBytes(16).toString("hex"),
      built: existsSync(path.join(dist.fsPath, "webview.js")),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
          this.visibilityEmitter.fire(false);
        }
      }),
      view.onDidChangeVisibility(() => this.visibilityEmitter.fire(view.visible)),
    );
    this.visibilityEmitter.fire(view.visible);
  }

  /** Whether the chat view is on screen. */
  visible(): boolean {
    return Boolean(this.view?.visible);
  }

  /**
   * The count on the Tandem activity-bar icon (pending approvals; 0 removes it). A count of 0 is
   * set as the badge `{value: 0}` (which VS Code does not draw), not `undefined`: VS Code 1.100's
   * webview views never take a badge down that is set back to `undefined` (WebviewViewPane keeps
   * its activity; tree views clear theirs), so the icon would keep "1" after the approval was answered.
   */
  setBadge(count: number): void {
    if (!this.view) return;
    const badge = count > 0 ? { value: count, tooltip: `${count} Tandem approval${count === 1 ? "" : "s"} waiting` } : { value: 0, tooltip: "" };
    this.view.badge = badge;
  }

  /** Handle a message from the page (also used by the extension API to simulate the page). */
  async receive(message: unknown): Promise<void> {
    if (!isWebviewMessage(message) || !this.controller) return;
    if (isSetupIntent(message)) return this.setup?.handle(message);
    if (message.type === "ready") {
      this.ready = true;
      await this.controller.handle(message);
      for (const queued of this.queue.splice(0)) this.post(queued);
      await this.setup?.pageReady();
      return;
    }
    await this.controller.handle(message);
  }

  /** Reveal the view (VS Code's generated `<viewId>.focus` command). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  }

  // --- ChatHost ---------------------------------------------------------------------------

  post(message: HostToWebview): void {
    this.postEmitter.fire(message);
    if (this.view && this.ready) {
      void this.view.webview.postMessage(message);
    } else if (message.type === "insert") {
      this.queue.push(message);
    }
  }

  cwd(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  toUri(p: string): string {
    return this.resolve(p).toString();
  }

  async findFiles(query: string): Promise<string[]> {
    const uris = await vscode.workspace.findFiles(mentionGlob(query), undefined, 100);
    return rankMentionResults(uris.map((u) => vscode.workspace.asRelativePath(u, false)), query, 20);
  }

  async openFile(p: string, line?: number): Promise<void> {
    const document = await vscode.workspace.openTextDocument(this.resolve(p));
    const at = line && line > 0 ? new vscode.Position(line - 1, 0) : undefined;
    await vscode.window.showTextDocument(document, { preview: true, selection: at ? new vscode.Range(at, at) : undefined });
  }

  openDiff(itemId: string, path?: string): Promise<void> {
    return this.diffs.openDiff(itemId, path);
  }

  info(message: string): void {
    void vscode.window.showInformationMessage(`Tandem: ${message}`);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.postEmitter.dispose();
    this.visibilityEmitter.dispose();
  }

  private resolve(p: string): vscode.Uri {
    if (path.isAbsolute(p)) return vscode.Uri.file(p);
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, ...p.split("/").filter(Boolean)) : vscode.Uri.file(path.resolve(p));
  }
}
