// Runs inside the extension host of the hook fixture (test/vscode/fixtures/hook-extension): checks the
// harness itself — the hook runs, `vscode` works, code-server's environment reached the host.
"use strict";
exports.run = async ({ vscode, api }) => {
  const passed = [];
  const failed = [];
  const test = async (name, fn) => {
    try {
      await fn();
      passed.push(name);
    } catch (err) {
      failed.push({ name, error: String((err && err.stack) || err) });
    }
  };
  await test("the fixture's API is handed over", () => {
    if (!api || api.fixture !== true) throw new Error(`api = ${JSON.stringify(api)}`);
  });
  await test("the environment reaches the extension host", () => {
    if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(process.env.OPENAI_BASE_URL || "")) throw new Error(`OPENAI_BASE_URL=${process.env.OPENAI_BASE_URL}`);
    if (process.env.OPENAI_API_KEY !== "test") throw new Error("OPENAI_API_KEY not inherited");
    if (!process.env.TANDEM_HOME) throw new Error("TANDEM_HOME not inherited");
  });
  await test("commands run in the real extension host", async () => {
    const all = await vscode.commands.getCommands(true);
    if (!all.includes("tandemFixture.hello")) throw new Error("fixture command not registered");
    const out = await vscode.commands.executeCommand("tandemFixture.hello");
    if (out !== "hello") throw new Error(`got ${out}`);
  });
  await test("the workspace folder is open", () => {
    const folders = vscode.workspace.workspaceFolders || [];
    if (folders.length !== 1) throw new Error(`folders: ${folders.map((f) => f.uri.toString())}`);
  });
  await test("documents open and edit in the real editor", async () => {
    const folder = vscode.workspace.workspaceFolders[0].uri;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "intervals", "core.py"));
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), "# edited by the smoke suite\n");
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error("applyEdit refused");
    if (!doc.getText().startsWith("# edited by the smoke suite\n")) throw new Error("edit not in the buffer");
    await vscode.commands.executeCommand("workbench.action.files.revert");
  });
  return { passed, failed };
};
