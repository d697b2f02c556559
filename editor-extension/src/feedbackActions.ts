/**
 * What the chat page's code-block toolbar and a failed turn's advice buttons ask of the editor
 * (webview messages `codeBlock` and `failureAction`), as an interface without `vscode`: the chat
 * controller calls it, feedbackHost.ts implements it with VS Code's APIs, tests fake it.
 */
import type { CodeBlockAction, FailureAction } from "./shared/webviewMessages";

export interface FeedbackActions {
  /**
   * A code block's toolbar: `copy` to the clipboard, `insert` at the cursor of the active (or last
   * active) text editor, `apply` as a change to review (an inline ask with the block as the
   * intended replacement; see codeBlocks.ts).
   */
  codeBlock(action: CodeBlockAction, code: string, language: string | null): Promise<void>;
  /** A failed turn's advice button (`compact` is the controller's own `/compact`). */
  failureAction(action: Exclude<FailureAction, "compact">, threadId: string | null): Promise<void>;
}
