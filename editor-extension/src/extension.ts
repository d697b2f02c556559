/**
 * Activation: wires the language client, the notification router, the thread store, the approval
 * broker and its presenters (notification, chat panel, diff review), the chat view, inline ask,
 * the status bar and the palette commands. All agent logic stays in the server.
 *
 * `activate` returns a small API ({@link TandemApi}) for tests running in the extension host.
 * If the environment variable `TANDEM_EXTENSION_TESTS` names a CommonJS file, it is loaded after
 * activation and its exported `run({vscode, api})` is awaited; the `{passed, failed}` it returns
 * is written to `TANDEM_EXTENSION_TEST_RESULTS` (the test harness hook).
 */
import { writeFileSync } from "node:fs";
import * as nodePath from "node:path";
import * as vscode from "vscode";
import { AgentEdits, saveAgentEditsSetting } from "./agentEdits";
import { ApprovalBroker, registerApprovalHandler, type PendingApproval } from "./approvalBroker";
import { notificationPresenter, type PromptSurface } from "./approvals";
import { ChatController } from "./chat";
import { ChatPanel } from "./chatPanel";
import { TandemClient } from "./client";
import { COMMANDS, registerCommands } from "./commands";
import { ChangeStates } from "./changeStates";
import { InlineAsk, type InlineSessionInfo } from "./inlineAsk";
import { InlineDiff, type InlineDiffSnapshot } from "./inlineDiff";
import { FeedbackHost } from "./feedbackHost";
import { NotificationRouter, type TandemNotification } from "./notifications";
import type { ClientRequestMethod, ParamsOf, ResultOf } from "./protocol/methods";
import { ProposalManager } from "./proposals";
import { ReviewStates } from "./review";
import { registerReviewCommands } from "./reviewCommands";
import { slashCommandsOf } from "./serverCapabilities";
import { tandemRpc } from "./rpc/connection";
import { ProviderKeys } from "./secrets";
import { readSettings, RESTART_KEYS, serverCommandLine, type TandemSettings } from "./settings";
import { createSetup } from "./setupHost";
import type { HostToWebview, WebviewToHost } from "./shared/webviewMessages";
import type { RequestApprovalResult } from "./shared/protocolTypes";
import { TandemStatusBar } from "./statusBar";
import { ThreadStore } from "./threads";
import { lastThreadMemory, nameNewThreads, refreshCatalogue } from "./threadSync";
import { TurnOptions, type TurnOverrides } from "./turnOptions";
import type { TurnOptionsView } from "./shared/turnOptions";

/** What `activate` returns (`vscode.extensions.getExtension("tandem.tandem").exports`). */
export interface TandemApi {
  readonly version: 1;
  /** Resolves once the server has started (or failed to). */
  whenStarted(): Promise<void>;
  isRunning(): boolean;
  request<M extends ClientRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  onNotification(listener: (n: TandemNotification) => void): vscode.Disposable;
  /** Messages posted to the chat page. */
  onWebviewMessage(listener: (m: HostToWebview) => void): vscode.Disposable;
  /** Act as the chat page (e.g. `{type:"send", ...}`). */
  fromWebview(message: WebviewToHost): Promise<void>;
  pendingApprovals(): PendingApproval[];
  answerApproval(requestId: string, result: RequestApprovalResult): boolean;
  /** The diff documents of a pending file-change review. */
  proposalDocuments(requestId: string): { original: vscode.Uri; proposed: vscode.Uri }[];
  /** What the inline diff of applied changes draws, per document with pending hunks. */
  inlineDiff(): InlineDiffSnapshot[];
  /** The review navigator's label ("Tandem change 1 of 3"), undefined while hidden. */
  reviewNavigator(): string | undefined;
  activeThreadId(): string | null;
  /** What the composer's model / effort / approval pickers show, and the overrides the next turn sends. */
  turnOptions(): { view: TurnOptionsView; overrides: TurnOverrides };
  statusText(): string;
  restart(): Promise<void>;
  /** The open inline-ask widgets. */
  inlineSessions(): InlineSessionInfo[];
  /** Where a pending command approval is asked outside the chat card ("chatCard": only there). */
  approvalSurface(requestId: string): PromptSurface | null;
  /** Whether the chat view is on screen. */
  chatVisible(): boolean;
}

let client: TandemClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TandemApi> {
  const output = vscode.window.createOutputChannel("Tandem");
  const log = (error: unknown) => output.appendLine(`[tandem] ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  const settings = (): TandemSettings => readSettings(vscode.workspace.getConfiguration("tandem"));

  const store = new ThreadStore();
  const agentEdits = new AgentEdits(
    () => saveAgentEditsSetting(vscode.workspace.getConfiguration("tandem")),
    (message) => output.appendLine(`[tandem] ${message}`),
  );
  const router = new NotificationRouter(log);
  const broker = new ApprovalBroker(log);
  const keys = new ProviderKeys(context.secrets);

  client = new TandemClient({
    output,
    settings,
    environment: () => keys.environment(),
    wire: (c) => [router.attach(c), registerApprovalHandler(c, broker), agentEdits.register(c)],
    onStopped: () => {
      broker.withdrawAll();
      store.resetRunning();
    },
  });
  const tandemClient = client;
  const rpc = tandemRpc(() => tandemClient.sender());
  const reviews = new ReviewStates();
  const proposals = new ProposalManager(broker, rpc, reviews);

  const panel = new ChatPanel(context.extensionUri, {
    openDiff: async (itemId, filePath) => {
      const pending = proposals.reviewForItem(itemId) ?? broker.pending().find((p) => p.params.itemId === itemId && p.params.kind === "fileChange");
      if (pending) return proposals.open(pending, filePath);
      const change = store.fileChange(itemId);
      if (!change) throw new Error("That change is no longer known to this window.");
      return proposals.showApplied(change.threadId, change.item, filePath);
    },
  });
  const changeStates = new ChangeStates();
  const inlineDiff = new InlineDiff({
    rpc,
    router,
    states: changeStates,
    media: vscode.Uri.joinPath(context.extensionUri, "media"),
    running: () => tandemClient.running,
    resolve: (threadId, file) => {
      const cwd = store.get(threadId)?.info?.cwd ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
      return vscode.Uri.file(nodePath.isAbsolute(file) ? file : nodePath.join(cwd, file));
    },
  });
  const turnOptions = new TurnOptions(context.workspaceState);
  const feedback = new FeedbackHost({
    store,
    broker,
    reviews,
    applyCode: (editor, code, language) => inline.applyCode(editor, code, language),
    showLogs: () => output.show(true),
    defaultProvider: () => settings().provider,
  });
  const controller = new ChatController({
    rpc, store, broker, reviews, proposals, settings, connected: () => tandemClient.running, host: panel,
    turnOptions,
    lastThread: lastThreadMemory(context.workspaceState),
    pickThread: async () => void (await vscode.commands.executeCommand(COMMANDS.resumeThread)),
    actions: feedback, slashCommands: () => slashCommandsOf(tandemClient.initializeResult()),
  });
  panel.controller = controller;
  const { setup, disposables: setupDisposables } = createSetup({
    rpc, client: tandemClient, keys, router, settings, post: (m) => panel.post(m), revealChat: () => panel.reveal(), output,
    busy: () => store.anyRunning(),
  });
  panel.setup = setup;

  const statusBar = new TandemStatusBar(COMMANDS.openChat);
  const updateStatus = () => {
    const usage = store.usage();
    statusBar.update({
      connected: tandemClient.running,
      model: store.activeThread()?.info?.model || settings().model || null,
      running: store.anyRunning(),
      pendingApprovals: broker.pending().length,
      usedTokens: usage?.usedTokens ?? null,
      contextWindow: usage?.contextWindow ?? null,
      contextTokens: usage?.contextTokens ?? null,
    });
    panel.post(controller.status());
    feedback.updateContext(Boolean(store.activeThread()?.runningTurnId)); // Esc in the chat stops the chat's turn
    panel.setBadge(panel.visible() ? 0 : broker.pending().length);
  };

  router.listen((n) => store.apply(n));
  router.listen((n) => broker.onNotification(n));
  router.listen((n) => controller.forward(n));
  router.listen((n) => changeStates.apply(n));
  context.subscriptions.push(toDisposable(nameNewThreads(router, store, () => controller.listThreads())));

  const inline = new InlineAsk({
    rpc, router, store, broker, reviews,
    openInChat: async (threadId) => {
      await controller.openThread(threadId);
      await panel.reveal();
    },
  });
  const approvalNotifications = notificationPresenter(() => settings().modalApprovals, panel);

  context.subscriptions.push(
    output,
    tandemClient,
    panel.register(),
    proposals.register(),
    inlineDiff.register(),
    inlineDiff,
    ...registerReviewCommands({ proposals, inline: inlineDiff }),
    tandemClient.onDidChangeRunning((running) => {
      if (running) return inlineDiff.refreshVisible();
      changeStates.clear();
      inlineDiff.clear();
    }),
    statusBar,
    broker.addPresenter(reviews.presenter()), // first: the other presenters find the request's review state
    broker.addPresenter(approvalNotifications),
    approvalNotifications,
    broker.addPresenter(controller.presenter()),
    broker.addPresenter(inline.skipInline(proposals.presenter())), // inline-ask changes are reviewed in their widget
    inline,
    ...inline.register(),
    feedback,
    panel.onDidChangeVisibility(() => updateStatus()),
    toDisposable(store.onDidChange(updateStatus)),
    toDisposable(broker.onDidChange(updateStatus)),
    tandemClient.onDidChangeRunning((running) => {
      updateStatus();
      if (running) panel.post(controller.capabilities());
      if (running) void controller.listThreads().catch(log);
      if (running) void refreshCatalogue(rpc, turnOptions).then(() => controller.restoreLastThread()).catch(log);
    }),
    ...registerCommands({
      rpc,
      store,
      broker,
      controller,
      revealChat: () => panel.reveal(),
      insertIntoChat: (mention) => panel.post({ type: "insert", text: "", mention }),
      inlineAsk: (prompt) => inline.run(undefined, prompt),
      restart: () => tandemClient.restart(),
      showLogs: () => output.show(true),
      applyProposal: (requestId) => proposals.applyAccepted(requestId),
    }),
    ...setupDisposables,
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!RESTART_KEYS.some((key) => e.affectsConfiguration(`tandem.${key}`))) return;
      updateStatus();
      // The setup view restarts the server itself; a command line the server already runs with needs no restart.
      if (setup.isSaving() || (tandemClient.running && sameCommandLine(startedCommandLine, settings()))) return;
      // A server that could not start is started again right away: fixing the setting fixes it.
      if (tandemClient.state === "failed" || tandemClient.state === "stopped") return tandemClient.restart();
      const choice = await vscode.window.showInformationMessage("Tandem: restart the server to apply the new settings?", "Restart");
      if (choice === "Restart") await tandemClient.restart();
    }),
  );
  updateStatus();
  let startedCommandLine = serverCommandLine(settings());
  context.subscriptions.push(
    tandemClient.onDidChangeState((state) => {
      if (state === "starting") startedCommandLine = serverCommandLine(settings());
    }),
  );
  const started = tandemClient.start();

  const api: TandemApi = {
    version: 1,
    whenStarted: () => started,
    isRunning: () => tandemClient.running,
    request: (method, params) => rpc.request(method, params),
    onNotification: (listener) => toDisposable(router.listen(listener)),
    onWebviewMessage: (listener) => panel.onDidPost(listener),
    fromWebview: (message) => panel.receive(message),
    pendingApprovals: () => broker.pending(),
    answerApproval: (requestId, result) => broker.answer(requestId, result),
    proposalDocuments: (requestId) => proposals.documents(requestId),
    inlineDiff: () => inlineDiff.snapshot(),
    reviewNavigator: () => inlineDiff.navigator(),
    activeThreadId: () => store.activeThreadId,
    turnOptions: () => {
      const info = store.activeThread()?.info ?? null;
      return { view: turnOptions.view(info), overrides: turnOptions.overrides(info) };
    },
    statusText: () => statusBar.text,
    restart: () => tandemClient.restart(),
    inlineSessions: () => inline.list(),
    approvalSurface: (requestId) => approvalNotifications.surface(requestId),
    chatVisible: () => panel.visible(),
  };
  runTestModule(api, log);
  return api;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function sameCommandLine(a: { command: string; args: string[] }, settings: TandemSettings): boolean {
  const b = serverCommandLine(settings);
  return a.command === b.command && a.args.length === b.args.length && a.args.every((arg, i) => arg === b.args[i]);
}

function toDisposable(d: { dispose(): unknown }): vscode.Disposable {
  return new vscode.Disposable(() => void d.dispose());
}

/** What a test module's `run` reports (written as JSON to TANDEM_EXTENSION_TEST_RESULTS). */
interface TestResults {
  passed: string[];
  failed: { name: string; error: string }[];
}

/**
 * The test-harness hook (see the module comment; contract shared with test/vscode/harness.ts):
 * after activation, `require(TANDEM_EXTENSION_TESTS).run({vscode, api})`; its result (or the
 * error it threw) is written to `TANDEM_EXTENSION_TEST_RESULTS` when that is set.
 */
function runTestModule(api: TandemApi, log: (error: unknown) => void): void {
  const modulePath = process.env.TANDEM_EXTENSION_TESTS;
  if (!modulePath) return;
  setTimeout(() => {
    void (async () => {
      let results: TestResults;
      try {
        // A runtime path: esbuild leaves this require alone (not a string literal).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const loaded = require(modulePath) as { run(args: { vscode: typeof vscode; api: TandemApi }): Promise<TestResults | undefined> };
        results = (await loaded.run({ vscode, api })) ?? { passed: [], failed: [] };
      } catch (error) {
        log(error);
        results = { passed: [], failed: [{ name: "run", error: String((error as Error)?.stack ?? error) }] };
      }
      const out = process.env.TANDEM_EXTENSION_TEST_RESULTS;
      if (out) writeFileSync(out, JSON.stringify(results));
    })();
  }, 0);
}
