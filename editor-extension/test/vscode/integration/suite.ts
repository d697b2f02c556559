/**
 * Integration suite that runs INSIDE code-server's extension host, loaded by the Tandem
 * extension's test hook after activation (bundled to CommonJS by harness.ts `bundleSuite`).
 *
 * Contract (src/extension.ts `runTestModule`): when $TANDEM_EXTENSION_TESTS names this module, the
 * extension awaits `run({vscode, api})` after activation and writes the `{passed, failed}` it
 * resolves to into $TANDEM_EXTENSION_TEST_RESULTS.
 *
 * Model requests are answered in order from scripts.ts `integrationScript()`: the tests run one
 * after the other, in the order of that script.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as vscodeApi from "vscode";
import type { TandemApi } from "../../../src/extension";
import type { TandemNotification } from "../../../src/notifications";
import {
  ACCEPTED_LINE,
  DOCTEST_LINE,
  FINAL_ANSWER,
  HELLO_TEXT,
  REJECTED_MARK,
  TEST_COMMAND,
  TOTAL_LENGTH_LINES,
} from "../scripts";

type VSCode = typeof vscodeApi;
interface Context {
  vscode: VSCode;
  api: TandemApi;
}
export interface Results {
  passed: string[];
  failed: { name: string; error: string }[];
}

const EXTENSION_ID = "tandem.tandem";
const TEST_TIMEOUT_MS = 90_000;

// --- tiny runner ---------------------------------------------------------------------------------

function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

// --- helpers over the extension API ------------------------------------------------------------

/** Records every `tandem/*` notification from now on. */
function recorder(api: TandemApi): { notes: TandemNotification[]; dispose(): void } {
  const notes: TandemNotification[] = [];
  const sub = api.onNotification((n) => notes.push(n));
  return { notes, dispose: () => sub.dispose() };
}

function turnCompleted(notes: TandemNotification[], threadId: string): Record<string, unknown> | undefined {
  const n = notes.find((x) => x.method === "tandem/turn/completed" && x.params.threadId === threadId);
  return n?.params.turn as Record<string, unknown> | undefined;
}

function itemsCompleted(notes: TandemNotification[], threadId: string, type: string): Record<string, unknown>[] {
  return notes
    .filter((n) => n.method === "tandem/item/completed" && n.params.threadId === threadId)
    .map((n) => n.params.item as Record<string, unknown>)
    .filter((item) => item.type === type);
}

interface LensInfo {
  title: string;
  command: string;
  args: unknown[];
  line: number;
}

async function lensesOf(vscode: VSCode, uri: vscodeApi.Uri): Promise<LensInfo[]> {
  const lenses = (await vscode.commands.executeCommand<vscodeApi.CodeLens[]>("vscode.executeCodeLensProvider", uri, 100)) ?? [];
  return lenses
    .filter((l) => l.command)
    .map((l) => ({ title: l.command!.title, command: l.command!.command, args: l.command!.arguments ?? [], line: l.range.start.line }));
}

// --- the tests --------------------------------------------------------------------------------------

function tests({ vscode, api }: Context): [string, () => Promise<void>][] {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const corePy = path.join(root, "intervals", "core.py");
  let reviewedItem: Record<string, unknown> | undefined;

  return [
    [
      "the language server starts and initializes",
      async () => {
        await withTimeout("api.whenStarted()", api.whenStarted(), 60_000);
        assert(api.isRunning(), "the language client is not running after start");
        // vscode-languageclient registers the server's executeCommand commands once `initialize` answered.
        const all = await waitFor("the server's commands to be registered", async () => {
          const commands = await vscode.commands.getCommands(true);
          return commands.includes("tandem.ask") && commands.includes("tandem.acceptHunk") ? commands : undefined;
        });
        for (const id of ["tandem.ask", "tandem.acceptHunk", "tandem.rejectHunk", "tandem.acceptChange", "tandem.rejectChange", "tandem.undo"]) {
          assert(all.includes(id), `server command ${id} not registered`);
        }
        const { threads } = await api.request("tandem/thread/list", {});
        assert(Array.isArray(threads), "tandem/thread/list returned no list");
      },
    ],
    [
      "the Tandem commands, view and keybinding are contributed and registered",
      async () => {
        const ext = vscode.extensions.getExtension(EXTENSION_ID);
        assert(ext?.isActive, `${EXTENSION_ID} is not active`);
        const contributes = ext.packageJSON.contributes as {
          commands: { command: string }[];
          keybindings?: { command: string; key: string }[];
          views?: Record<string, { id: string }[]>;
        };
        const registered = new Set(await vscode.commands.getCommands(true));
        const missing = contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
        assert(missing.length === 0, `contributed but not registered: ${missing.join(", ")}`);
        for (const id of ["tandem.openChat", "tandem.newThread", "tandem.inlineAsk"]) assert(registered.has(id), `${id} missing`);
        assert(
          contributes.keybindings?.some((k) => k.command === "tandem.inlineAsk" && k.key.toLowerCase() === "ctrl+i"),
          "no ctrl+i keybinding for tandem.inlineAsk",
        );
        assert(contributes.views?.tandem?.some((v) => v.id === "tandem.chat"), "no tandem.chat view in the tandem container");
        assert(registered.has("tandem.chat.focus"), "the chat view's focus command is missing");
      },
    ],
    [
      "a new thread's turn streams to completion (chat path)",
      async () => {
        const rec = recorder(api);
        const posted: { type: string; method?: string }[] = [];
        const sub = api.onWebviewMessage((m) => posted.push(m as { type: string; method?: string }));
        try {
          await vscode.commands.executeCommand("tandem.newThread");
          const threadId = await waitFor("an active thread", () => api.activeThreadId() ?? undefined);
          await api.fromWebview({ type: "send", text: "Say hello", mentions: [], images: [] });
          const turn = await waitFor("turn/completed", () => turnCompleted(rec.notes, threadId), 60_000);
          assert(turn.status === "completed", `turn status ${String(turn.status)}: ${JSON.stringify(turn.error)}`);
          const deltas = rec.notes
            .filter((n) => n.method === "tandem/item/agentMessageDelta" && n.params.threadId === threadId)
            .map((n) => String(n.params.delta));
          assert(deltas.length >= 3, `expected a streamed answer, got ${deltas.length} delta(s)`);
          const [message] = itemsCompleted(rec.notes, threadId, "agentMessage");
          assert(message?.text === HELLO_TEXT, `final message ${JSON.stringify(message?.text)}`);
          assert(deltas.join("") === HELLO_TEXT, "the deltas do not add up to the final message");
          const forwarded = posted.filter((m) => m.type === "notification" && m.method === "tandem/item/agentMessageDelta");
          assert(forwarded.length === deltas.length, `chat page got ${forwarded.length} of ${deltas.length} deltas`);
        } finally {
          sub.dispose();
          rec.dispose();
        }
      },
    ],
    [
      "approvals: a command is approved, a two-hunk change is reviewed per hunk in the proposal diff",
      async () => {
        const rec = recorder(api);
        try {
          const { thread } = await api.request("tandem/thread/start", { cwd: root, approvalPolicy: "untrusted" });
          await api.request("tandem/turn/start", { threadId: thread.id, input: [{ type: "text", text: "Fix merge() and run the tests" }] });

          const command = await waitFor("a command approval", () => api.pendingApprovals().find((p) => p.params.kind === "command"), 60_000);
          assert(command.params.command?.includes(TEST_COMMAND), `command ${command.params.command}`);
          assert(api.answerApproval(command.requestId, { decision: "accept" }), "the command approval was not pending");

          const change = await waitFor("a file-change approval", () => api.pendingApprovals().find((p) => p.params.kind === "fileChange"), 60_000);
          const hunks = change.params.changes?.[0]?.hunks ?? [];
          assert(hunks.length === 2, `expected 2 hunks, got ${hunks.length}`);
          const first = hunks[0]!;
          const second = hunks[1]!;

          // The review opens as a diff editor of tandem-proposal: documents with per-hunk lenses.
          const docs = await waitFor("the proposal documents", () => {
            const d = api.proposalDocuments(change.requestId);
            return d.length > 0 ? d : undefined;
          });
          const proposed = docs[0]!.proposed;
          assert(proposed.scheme === "tandem-proposal", `proposed side has scheme ${proposed.scheme}`);
          const lenses = await waitFor("per-hunk lenses on the proposed side", async () => {
            const l = await lensesOf(vscode, proposed);
            return l.filter((x) => /Accept hunk/.test(x.title)).length === 2 ? l : undefined;
          });
          assert(lenses.some((l) => /Apply accepted/.test(l.title)), `no "Apply accepted" lens: ${lenses.map((l) => l.title).join(" | ")}`);
          const lensFor = (title: RegExp, hunkId: string) => {
            const lens = lenses.find((l) => title.test(l.title) && l.args.includes(hunkId));
            assert(lens, `no lens ${title} for hunk ${hunkId}: ${JSON.stringify(lenses)}`);
            return lens;
          };
          const accept = lensFor(/Accept hunk/, first.id);
          const reject = lensFor(/Reject hunk/, second.id);
          await vscode.commands.executeCommand(accept.command, ...accept.args);
          await vscode.commands.executeCommand(reject.command, ...reject.args);

          // The proposed side now shows hunk 1 only.
          await waitFor("the proposed text to drop the rejected hunk", async () => {
            const text = (await vscode.workspace.openTextDocument(proposed)).getText();
            return text.includes(ACCEPTED_LINE) && !text.includes(REJECTED_MARK);
          });
          const after = await lensesOf(vscode, proposed);
          const apply = after.find((l) => /Apply accepted/.test(l.title));
          assert(apply && /1\/2/.test(apply.title), `apply lens: ${apply?.title}`);
          await vscode.commands.executeCommand(apply.command, ...apply.args);

          const turn = await waitFor("turn/completed", () => turnCompleted(rec.notes, thread.id), 60_000);
          assert(turn.status === "completed", `turn status ${String(turn.status)}`);
          const [cmdItem] = itemsCompleted(rec.notes, thread.id, "commandExecution");
          assert(cmdItem && cmdItem.exitCode !== undefined && cmdItem.exitCode !== null, `command item ${JSON.stringify(cmdItem)}`);
          const messages = itemsCompleted(rec.notes, thread.id, "agentMessage").map((m) => m.text);
          assert(messages.includes(FINAL_ANSWER), `messages ${JSON.stringify(messages)}`);

          const onDisk = fs.readFileSync(corePy, "utf8");
          assert(onDisk.includes(ACCEPTED_LINE), "the accepted hunk is not in the file on disk");
          assert(!onDisk.includes(REJECTED_MARK), "the rejected hunk is in the file on disk");
          [reviewedItem] = itemsCompleted(rec.notes, thread.id, "fileChange");
          assert(api.pendingApprovals().length === 0, "approvals still pending");
        } finally {
          rec.dispose();
        }
      },
    ],
    [
      "the completed fileChange item of a partly accepted change shows only the applied hunk",
      async () => {
        // What the chat shows as "Edited 1 file +N -N" with its diff, and what "open diff" uses.
        assert(reviewedItem, "no completed fileChange item from the review test");
        const diff = ((reviewedItem.changes ?? []) as { diff?: string }[]).map((c) => c.diff ?? "").join("\n");
        assert(diff.includes(ACCEPTED_LINE.trim()), `the item lacks the accepted hunk:\n${diff}`);
        assert(!diff.includes(REJECTED_MARK), `the item still shows the rejected hunk:\n${diff}`);
      },
    ],
    [
      "inline ask (command path) edits the open buffer, saves it (tandem.saveAgentEdits) and offers Keep/Undo lenses",
      async () => {
        const rec = recorder(api);
        try {
          const uri = vscode.Uri.file(corePy);
          const doc = await vscode.workspace.openTextDocument(uri);
          const editor = await vscode.window.showTextDocument(doc, { preview: false });
          const start = new vscode.Position(TOTAL_LENGTH_LINES.start, 0);
          const end = doc.lineAt(TOTAL_LENGTH_LINES.end).range.end;
          editor.selection = new vscode.Selection(start, end);
          const before = doc.getText();
          const diskBefore = fs.readFileSync(corePy, "utf8");

          // What tandem.inlineAsk runs after its prompt box: the server command, through the language client.
          const started = await vscode.commands.executeCommand<{ threadId: string; turnId: string }>("tandem.ask", {
            uri: uri.toString(),
            range: { start: { line: start.line, character: 0 }, end: { line: end.line, character: end.character } },
            prompt: "Add a doctest example",
          });
          assert(started?.threadId && started.turnId, `tandem.ask returned ${JSON.stringify(started)}`);
          const turn = await waitFor("turn/completed", () => turnCompleted(rec.notes, started.threadId), 60_000);
          assert(turn.status === "completed", `turn status ${String(turn.status)}: ${JSON.stringify(turn.error)}`);

          assert(doc.getText().includes(DOCTEST_LINE), "the edit is not in the editor's buffer");
          // Saved once applied (tandem.saveAgentEdits, default on): the commands run next see it.
          await waitFor("the agent's edit saved", () => !doc.isDirty && fs.readFileSync(corePy, "utf8") === doc.getText());
          assert(diskBefore !== doc.getText(), "the edit did not reach the disk");

          // The lenses of this turn's change (hunks accepted in the review earlier stay pending too).
          const [changeItem] = itemsCompleted(rec.notes, started.threadId, "fileChange");
          assert(changeItem?.id, "no fileChange item in the inline-ask turn");
          const ofChange = (l: LensInfo[]) =>
            l.filter((x) => (x.args[0] as { changeId?: string } | undefined)?.changeId === changeItem.id);
          const lenses = await waitFor("Keep/Undo lenses in the buffer", async () => {
            const l = ofChange(await lensesOf(vscode, uri));
            return l.some((x) => /Keep/.test(x.title)) && l.some((x) => /Undo/.test(x.title)) ? l : undefined;
          });
          const accept = lenses.find((l) => /Keep/.test(l.title))!;
          const reject = lenses.find((l) => /Undo/.test(l.title))!;
          assert(accept.command === "tandem.acceptHunk" && reject.command === "tandem.rejectHunk", JSON.stringify(lenses));
          const docLine = doc.getText().split("\n").findIndex((l) => l === DOCTEST_LINE);
          assert(accept.line <= docLine && docLine - accept.line <= 6, `lens at line ${accept.line}, edit at ${docLine}`);

          // Undo the hunk: the buffer goes back to what it was (saved too) and the change's lenses go away.
          await vscode.commands.executeCommand(reject.command, ...reject.args);
          await waitFor("the buffer to be restored", () => doc.getText() === before);
          await waitFor("the undo saved", () => !doc.isDirty && fs.readFileSync(corePy, "utf8") === before);
          await waitFor("the change's lenses to go away", async () => ofChange(await lensesOf(vscode, uri)).length === 0);
        } finally {
          rec.dispose();
          await vscode.commands.executeCommand("workbench.action.files.revert");
        }
      },
    ],
  ];
}

// --- entry point ---------------------------------------------------------------------------------

async function runAll(ctx: Context): Promise<Results> {
  const results: Results = { passed: [], failed: [] };
  let list: [string, () => Promise<void>][];
  try {
    list = tests(ctx);
  } catch (err) {
    return { passed: [], failed: [{ name: "setup", error: describeError(err) }] };
  }
  for (const [name, fn] of list) {
    const started = Date.now();
    try {
      await withTimeout(name, fn(), TEST_TIMEOUT_MS);
      results.passed.push(name);
      console.log(`[tandem suite] ✓ ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      results.failed.push({ name, error: describeError(err) });
      console.log(`[tandem suite] ✗ ${name}: ${describeError(err)}`);
    }
  }
  return results;
}

/** Hook entry (src/extension.ts `runTestModule`): the hook writes the results to $TANDEM_EXTENSION_TEST_RESULTS. */
export async function run(ctx: Context): Promise<Results> {
  return runAll(ctx).catch((err: unknown) => ({ passed: [], failed: [{ name: "suite", error: describeError(err) }] }));
}
