/**
 * The thread picker (command `tandem.resumeThread`, the chat header's thread button): a searchable
 * QuickPick of `tandem/thread/list`, each thread named after its first prompt (the server's
 * `preview`) with how long ago it was last active ("5 min ago", from `updatedAt`, else
 * `createdAt`), its model, and its folder when that is not the workspace's.
 */
import * as vscode from "vscode";
import type { ThreadInfo } from "./shared/protocolTypes";
import { relativeTime } from "./shared/relativeTime";
import { threadName } from "./shared/threadName";

/** A quick-pick entry for a thread. */
export type ThreadPickItem = vscode.QuickPickItem & { threadId: string };

/**
 * The entry of `thread`: label = its name; description = when it was last active (and
 * "current" for the chat's thread); detail = its model, and its folder when that is not `root`.
 *
 * @param now ms since the epoch (tests pass a fixed time).
 */
export function threadPickItem(thread: ThreadInfo, activeId: string | null, now = Date.now(), root?: string): ThreadPickItem {
  const when = relativeTime(thread.updatedAt ?? thread.createdAt, now);
  const folder = thread.cwd && thread.cwd !== root ? thread.cwd : "";
  return {
    threadId: thread.id,
    label: threadName(thread),
    description: [when, thread.id === activeId ? "current" : ""].filter(Boolean).join(" · "),
    detail: [thread.model, folder].filter(Boolean).join(" · ") || undefined,
  };
}

/** What the picker needs: the server's thread list, and opening a thread in the chat. */
export interface ThreadPickerDeps {
  listThreads(): Promise<ThreadInfo[]>;
  openThread(threadId: string): Promise<unknown>;
  activeThreadId(): string | null;
  /** The workspace folder (threads there show no folder). */
  root?: string;
}

/**
 * Show the picker; the chosen thread is opened (resumed) in the chat. Returns its id, or
 * undefined when the user dismissed the picker or there are no threads.
 */
export async function pickThread(deps: ThreadPickerDeps): Promise<string | undefined> {
  const threads = await deps.listThreads();
  if (threads.length === 0) {
    void vscode.window.showInformationMessage("Tandem: no threads yet.");
    return undefined;
  }
  const now = Date.now();
  const active = deps.activeThreadId();
  const pick = await vscode.window.showQuickPick(threads.map((t) => threadPickItem(t, active, now, deps.root)), {
    title: "Tandem threads",
    placeHolder: "Search threads by their first prompt, model or folder",
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  if (pick.threadId !== active) await deps.openThread(pick.threadId);
  return pick.threadId;
}
