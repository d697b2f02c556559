/**
 * A test bridge that runs INSIDE code-server's extension host (loaded by the Tandem extension's
 * test hook, src/extension.ts `runTestModule`): an HTTP server on 127.0.0.1 through which the
 * threads user path (userpath-threads.test.ts) reads state through the extension API and runs the
 * one command a user would run with arguments from a keybinding (inline ask with a prompt). The
 * port goes to the file named by $TANDEM_THREADS_BRIDGE (written again after a window reload,
 * which starts a new extension host).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type * as vscodeApi from "vscode";
import type { TandemApi } from "../../../src/extension";

type VSCode = typeof vscodeApi;

/** One request to the bridge. */
export type BridgeCall =
  | { op: "api"; name: keyof TandemApi; args?: unknown[] }
  | { op: "exec"; command: string; args?: unknown[] }
  | { op: "open"; path: string; line?: number };

export async function run({ vscode, api }: { vscode: VSCode; api: TandemApi }): Promise<{ passed: string[]; failed: never[] }> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const handle = async (call: BridgeCall): Promise<unknown> => {
    switch (call.op) {
      case "api": {
        const fn = api[call.name] as unknown as (...a: unknown[]) => unknown;
        return await fn(...(call.args ?? []));
      }
      case "exec":
        return await vscode.commands.executeCommand(call.command, ...(call.args ?? []));
      case "open": {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, call.path)));
        const editor = await vscode.window.showTextDocument(doc, { preview: false });
        const at = new vscode.Position(call.line ?? 0, 0);
        editor.selection = new vscode.Selection(at, at);
        return true;
      }
    }
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      void (async () => {
        let out: { ok: boolean; result?: unknown; error?: string };
        try {
          out = { ok: true, result: (await handle(JSON.parse(body) as BridgeCall)) ?? null };
        } catch (error) {
          out = { ok: false, error: String((error as Error)?.stack ?? error) };
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(out));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const portFile = process.env.TANDEM_THREADS_BRIDGE;
  if (portFile && address && typeof address === "object") fs.writeFileSync(portFile, String(address.port));
  await new Promise<void>(() => undefined); // serves until the extension host ends
  return { passed: [], failed: [] };
}
