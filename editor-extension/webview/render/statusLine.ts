/**
 * The words of the header's status line: the model (the server's configured model when the page
 * does not know its name — never "no model"), and what the agent is doing ("Working…", or
 * "Waiting for approval" while an approval is pending).
 */
import type { StatusView, ViewState } from "../state";

/** The model part of the status line. */
export function modelLabel(s: StatusView): string {
  const model = s.model ?? "Default model";
  return s.connected ? model : `Disconnected${s.model ? ` · ${s.model}` : ""}`;
}

/** The activity part of the status line (shown while a turn runs). */
export function busyLabel(state: ViewState): string {
  return Object.keys(state.approvalByItem).length > 0 ? "Waiting for approval" : "Working…";
}
