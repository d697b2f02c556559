/**
 * The editor side of the chat's feedback controls (feedbackActions.ts) and the commands they need:
 *
 * - a code block's **Copy** (VS Code's clipboard), **Insert** (at the cursor of the active text
 *   editor, or the last one when the chat has focus) and **Apply** (an inline ask with the block as
 *   the intended replacement, inlineAsk.ts `applyCode`: the server turns it into a change to review);
 * - a failed turn's advice: **Open settings** runs `tandem.openSetup` (the setup view) when the
 *   extension has it, else opens Tandem's settings; **Check billing** opens the provider's billing
 *   page (Tandem's settings for a provider without one); **Show logs**;
 * - `tandem.answerApproval(requestId, decision)`, which the approval notification's links run;
 * - the `tandem.turnRunning` context key (Esc in the chat panel stops the turn only while one runs).
 */
import * as vscode from "vscode";
import type { ApprovalBroker } from "./approvalBroker";
import { ANSWER_APPROVAL_COMMAND } from "./approvals";
import type { FeedbackActions } from "./feedbackActions";
import type { ReviewStates } from "./review";
import type { ApprovalDecision } from "./shared/protocolTypes";
import type { CodeBlockAction, FailureAction } from "./shared/webviewMessages";
import type { ThreadStore } from "./threads";

/** The setup view's command (added by the first-run work); Tandem's settings when it is missing. */
export const OPEN_SETUP_COMMAND = "tandem.openSetup";
export const TURN_RUNNING_CONTEXT = "tandem.turnRunning";

/** Billing pages of the providers that have one (by provider id, as in `ThreadInfo.modelProvider`). */
export const BILLING_URLS: Readonly<Record<string, string>> = {
  openai: "https://platform.openai.com/settings/organization/billing/overview",
  anthropic: "https://console.anthropic.com/settings/billing",
  openrouter: "https://openrouter.ai/settings/credits",
  azure: "https://portal.azure.com/#view/Microsoft_Azure_CostManagement/Menu/~/overview",
};

export interface FeedbackHostDeps {
  store: ThreadStore;
  broker: ApprovalBroker;
  reviews: ReviewStates;
  /** Apply a code block to an editor (inlineAsk.ts `applyCode`). */
  applyCode(editor: vscode.TextEditor, code: string, language: string | null): Promise<void>;
  showLogs(): void;
  /** The provider when no thread says (settings `tandem.provider`). */
  defaultProvider(): string;
}

export class FeedbackHost implements FeedbackActions, vscode.Disposable {
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly disposables: vscode.Disposable[] = [];
  private running: boolean | undefined;

  constructor(private readonly deps: FeedbackHostDeps) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isCodeEditor(editor)) this.lastEditor = editor;
      }),
      vscode.commands.registerCommand(ANSWER_APPROVAL_COMMAND, (requestId: string, decision: ApprovalDecision) =>
        this.answerApproval(requestId, decision)),
    );
  }

  /** The text editor Insert and Apply act on: the active one, else the last one the user was in. */
  targetEditor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active && isCodeEditor(active)) return active;
    const last = this.lastEditor;
    return last && !last.document.isClosed ? last : undefined;
  }

  async codeBlock(action: CodeBlockAction, code: string, language: string | null): Promise<void> {
    if (action === "copy") {
      await vscode.env.clipboard.writeText(code);
      return;
    }
    const editor = this.targetEditor();
    if (!editor) {
      void vscode.window.showInformationMessage(`Tandem: open a file to ${action === "insert" ? "insert the code into" : "apply the code to"}.`);
      return;
    }
    if (action === "insert") {
      const shown = await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
      await shown.edit((edit) => {
        for (const selection of shown.selections) edit.replace(selection, code);
      });
      return;
    }
    await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection });
    await this.deps.applyCode(editor, code, language);
  }

  async failureAction(action: Exclude<FailureAction, "compact">, threadId: string | null): Promise<void> {
    switch (action) {
      case "openSetup":
        return openSetup();
      case "showLogs":
        this.deps.showLogs();
        return;
      case "checkBilling": {
        const provider = (threadId && this.deps.store.get(threadId)?.info?.modelProvider) || this.deps.defaultProvider() || "openai";
        const url = BILLING_URLS[provider];
        if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
        else await openSetup();
        return;
      }
    }
  }

  /** Keep the `tandem.turnRunning` context key in step (call when the store changes). */
  updateContext(running: boolean): void {
    if (running === this.running) return;
    this.running = running;
    void vscode.commands.executeCommand("setContext", TURN_RUNNING_CONTEXT, running);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private answerApproval(requestId: string, decision: ApprovalDecision): void {
    const review = this.deps.reviews.get(requestId);
    if (!this.deps.broker.answer(requestId, review ? review.result(decision) : { decision })) {
      void vscode.window.showInformationMessage("Tandem: that request was already answered or withdrawn.");
    }
  }
}

/** Open the setup view (`tandem.openSetup`) when this build has it, else Tandem's settings. */
export async function openSetup(): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(OPEN_SETUP_COMMAND)) await vscode.commands.executeCommand(OPEN_SETUP_COMMAND);
  else await vscode.commands.executeCommand("workbench.action.openSettings", "@ext:tandem.tandem");
}

/** A text editor for code (not the output panel, not a proposal's virtual document). */
function isCodeEditor(editor: vscode.TextEditor): boolean {
  const scheme = editor.document.uri.scheme;
  return scheme === "file" || scheme === "untitled" || scheme === "vscode-remote" || scheme === "vscode-userdata";
}
