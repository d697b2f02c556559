/**
 * The chat's "N files changed" summary actions: keep or undo a turn's applied changes file by file
 * (`tandem/change/acceptFiles|rejectFiles`). The states the page shows afterwards come from the
 * server's `tandem/change/updated` notifications; an undo's edits to open documents come back as
 * `workspace/applyEdit` and are saved (agentEdits.ts).
 */
import type { ChatHost } from "./chat";
import type { TandemRpc } from "./rpc/connection";
import type { WebviewToHost } from "./shared/webviewMessages";

/** Keep or undo the files of one turn; tells the user about hunks left alone (edited since). */
export async function reviewFiles(
  rpc: TandemRpc,
  host: Pick<ChatHost, "info">,
  message: Extract<WebviewToHost, { type: "reviewFiles" }>,
): Promise<void> {
  const method = message.action === "keep" ? "tandem/change/acceptFiles" : "tandem/change/rejectFiles";
  const params = { threadId: message.threadId, turnId: message.turnId, ...(message.paths ? { paths: message.paths } : {}) };
  const { kept } = await rpc.request(method, params);
  if (kept && kept.length > 0) {
    host.info(`left ${kept.length} hunk${kept.length === 1 ? "" : "s"} you edited since as ${kept.length === 1 ? "it is" : "they are"}.`);
  }
}
