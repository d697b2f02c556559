/**
 * Keys the chat page handles itself (issue 12, item 19):
 *
 * - **Esc** stops the running turn, as the Stop button does, wherever the focus is in the page
 *   (the composer, a card's buttons, the transcript); nothing while no turn runs. An Escape that
 *   closed the slash/mention menu never gets here (the composer stops it).
 * - **Ctrl+L** (Cmd+L on macOS) starts a new thread, as the New button does.
 *
 * The page handles them rather than leaving them to the `tandem.interruptTurn` / `tandem.newThread`
 * keybindings: VS Code 1.100 does not set `focusedView == tandem.chat` while the focus is inside a
 * webview view (the webview is an overlay outside the view's DOM), so those fire only from the
 * view's title bar. A handled key is stopped, so VS Code (which gets the page's other keys
 * forwarded) never runs the keybinding a second time.
 */

/** What the keys do. */
export interface ChatKeyActions {
  /** Whether a turn runs now (read at each key press). */
  running(): boolean;
  /** Ask the host to interrupt the running turn (posts `{type: "interrupt"}`). */
  stop(): void;
  /** Ask the host for a new thread (posts `{type: "newThread"}`). */
  newThread(): void;
}

/** The key a key press means to the chat page, if any. */
export type ChatKey = "stop" | "newThread" | null;

/** Which chat key `e` is (`mac`: Cmd instead of Ctrl). */
export function chatKeyOf(e: Pick<KeyboardEvent, "key" | "isComposing" | "defaultPrevented" | "altKey" | "ctrlKey" | "metaKey" | "shiftKey">,
  mac: boolean): ChatKey {
  if (e.isComposing || e.defaultPrevented || e.altKey || e.shiftKey) return null;
  if (e.key === "Escape" && !e.ctrlKey && !e.metaKey) return "stop";
  const primary = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (primary && e.key.toLowerCase() === "l") return "newThread";
  return null;
}

/**
 * Listen for the chat keys on `target` (the page's document).
 *
 * @param mac whether Cmd is the primary modifier (macOS).
 */
export function listenForChatKeys(target: Pick<Document, "addEventListener">, actions: ChatKeyActions, mac: boolean): void {
  target.addEventListener("keydown", (e: KeyboardEvent) => {
    const key = chatKeyOf(e, mac);
    if (key === null || (key === "stop" && !actions.running())) return;
    e.preventDefault();
    e.stopPropagation();
    if (key === "stop") actions.stop();
    else actions.newThread();
  });
}
