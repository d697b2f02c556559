/**
 * Keeping the extension's view of threads in step with the server (no `vscode` import):
 * - the chat's thread is remembered in `workspaceState`, so a window reload reopens it;
 * - a thread this window did not start (inline ask, another surface) is named as soon as its
 *   first turn starts: the thread list is fetched again, which carries the server's `preview`;
 * - the composer's model catalogue comes from `tandem/model/list` whenever the server starts.
 */
import { isNotification, type NotificationRouter } from "./notifications";
import type { TandemRpc } from "./rpc/connection";
import type { ThreadStore } from "./threads";
import type { MementoLike, TurnOptions } from "./turnOptions";

/** The `workspaceState` key of the chat's last thread. */
export const LAST_THREAD_KEY = "tandem.lastThread";

/** The chat's last thread, kept in `memento` (VS Code's `workspaceState`). */
export function lastThreadMemory(memento: MementoLike): { get(): string | undefined; set(threadId: string | undefined): void } {
  return {
    get: () => {
      const value = memento.get<unknown>(LAST_THREAD_KEY);
      return typeof value === "string" && value ? value : undefined;
    },
    set: (threadId) => void memento.update(LAST_THREAD_KEY, threadId),
  };
}

/**
 * Fetch the thread list again when a turn starts on a thread the store has no name for (e.g. an
 * inline ask's thread), so the chat's thread list and the picker show it under its first prompt.
 *
 * @returns a disposable that stops listening.
 */
export function nameNewThreads(router: NotificationRouter, store: ThreadStore, listThreads: () => Promise<unknown>): { dispose(): void } {
  return router.listen((n) => {
    if (isNotification(n, "tandem/turn/started") && store.needsName(n.params.threadId)) {
      void listThreads().catch(() => undefined);
    }
  });
}

/** Load the composer's model catalogue (`tandem/model/list`); null when the server has no such method. */
export async function refreshCatalogue(rpc: TandemRpc, options: TurnOptions): Promise<void> {
  try {
    options.setCatalogue(await rpc.request("tandem/model/list", {}));
  } catch {
    options.setCatalogue(null);
  }
}
