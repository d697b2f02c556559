/**
 * Keys the chat page handles itself. **Esc stops the running turn** (issue 12, item 19), as the
 * Stop button does — wherever the focus is in the page (the composer, a card's buttons, the
 * transcript). The page handles it rather than leaving it to the `tandem.interruptTurn`
 * keybinding: VS Code does not reliably treat focus inside a webview view as `focusedView ==
 * tandem.chat`. The event is stopped so the keybinding (forwarded by VS Code from the page) does
 * not interrupt a second time. An Escape that closed the slash/mention menu never gets here (the
 * composer stops it), and nothing happens while no turn runs.
 */

/**
 * Listen for Esc on `target` (the page's document).
 *
 * @param running whether a turn runs now (read at each key press).
 * @param stop asks the host to interrupt (posts `{type: "interrupt"}`).
 */
export function stopOnEscape(target: Pick<Document, "addEventListener">, running: () => boolean, stop: () => void): void {
  target.addEventListener("keydown", (e: KeyboardEvent) => {
    if (e.key !== "Escape" || e.isComposing || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (!running()) return;
    e.preventDefault();
    e.stopPropagation();
    stop();
  });
}
