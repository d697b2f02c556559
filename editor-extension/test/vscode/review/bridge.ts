/**
 * A test bridge that runs INSIDE code-server's extension host (loaded by the Tandem extension's
 * test hook, src/extension.ts `runTestModule`): an HTTP server on 127.0.0.1 through which the
 * Chromium-driven user-path test reads state through the extension API and VS Code's API (open
 * documents, tabs, the inline diff) and asks for the few things a user would do with the keyboard
 * (run a command, put the cursor on a line). The port goes to the file named by
 * $TANDEM_REVIEW_BRIDGE; `run` resolves (and the hook writes its results) on `{op: "stop"}`.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type * as vscodeApi from "vscode";
import type { TandemApi } from "../../../src/extension";
import type { TandemNotification } from "../../../src/notifications";
import type { HostToWebview } from "../../../src/shared/webviewMessages";

type VSCode = typeof vscodeApi;

/** One request to the bridge. */
export type BridgeCall =
  | { op: "api"; name: keyof TandemApi; args?: unknown[] }
  | { op: "exec"; command: string; args?: unknown[]; detach?: boolean } // detach: do not wait for the command to end
  | { op: "doc"; path: string }
  | { op: "open"; path: string; line?: number }
  | { op: "cursor"; line: number }
  | { op: "tabs" }
  | { op: "setting"; section: string; key: string; value: unknown }
  | { op: "notes"; method?: string }
  | { op: "posted"; type?: string }
  | { op: "stop" };

function jsonable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_k, v: unknown) => {
    if (v && typeof v === "object" && "scheme" in v && "path" in v && typeof (v as { toString(): string }).toString === "function") {
      return (v as { toString(): string }).toString();
    }
    return v;
  })) as unknown;
}

export async function run({ vscode, api }: { vscode: VSCode; api: TandemApi }): Promise<{ passed: string[]; failed: never[] }> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const notes: TandemNotification[] = [];
  const posted: HostToWebview[] = [];
  api.onNotification((n) => notes.push(n));
  api.onWebviewMessage((m) => posted.push(m));
  const resolve = (p: string) => vscode.Uri.file(path.isAbsolute(p) ? p : path.join(root, p));
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));

  const handle = async (call: BridgeCall): Promise<unknown> => {
    switch (call.op) {
      case "api": {
        const fn = api[call.name] as unknown as (...a: unknown[]) => unknown;
        return await fn(...(call.args ?? []));
      }
      case "exec":
        if (call.detach) {
          void vscode.commands.executeCommand(call.command, ...(call.args ?? []));
          return true;
        }
        return await vscode.commands.executeCommand(call.command, ...(call.args ?? []));
      case "doc": {
        const uri = resolve(call.path).toString();
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
        return doc ? { open: true, isDirty: doc.isDirty, text: doc.getText(), version: doc.version } : { open: false };
      }
      case "open": {
        const doc = await vscode.workspace.openTextDocument(resolve(call.path));
        const editor = await vscode.window.showTextDocument(doc, { preview: false });
        if (call.line !== undefined) {
          const at = new vscode.Position(call.line, 0);
          editor.selection = new vscode.Selection(at, at);
        }
        return true;
      }
      case "cursor": {
        const editor = vscode.window.activeTextEditor;
        if (!editor) return false;
        const at = new vscode.Position(call.line, 0);
        editor.selection = new vscode.Selection(at, at);
        editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenter);
        return true;
      }
      case "tabs":
        return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((tab) => {
          const input = tab.input;
          const kind = input instanceof vscode.TabInputTextDiff ? "diff" : input instanceof vscode.TabInputText ? "text" : "other";
          const uri = input instanceof vscode.TabInputTextDiff ? input.modified.toString() : input instanceof vscode.TabInputText ? input.uri.toString() : "";
          return { label: tab.label, kind, uri, active: tab.isActive && g.isActive, dirty: tab.isDirty };
        }));
      case "setting":
        await vscode.workspace.getConfiguration(call.section).update(call.key, call.value, vscode.ConfigurationTarget.Global);
        return true;
      case "notes":
        return notes.filter((n) => !call.method || n.method === call.method);
      case "posted":
        return posted.filter((m) => !call.type || m.type === call.type);
      case "stop":
        stop();
        return true;
    }
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      void (async () => {
        try {
          const result = await handle(JSON.parse(body) as BridgeCall);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: true, result: jsonable(result) }));
        } catch (error) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }));
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const portFile = process.env.TANDEM_REVIEW_BRIDGE;
  if (portFile) fs.writeFileSync(portFile, String(port));
  await stopped;
  server.close();
  return { passed: ["bridge"], failed: [] };
}
