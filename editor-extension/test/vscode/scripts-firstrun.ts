/**
 * Scripted model responses for the first-run user path (test/vscode/userpath-firstrun.test.ts),
 * in request order (format: server/tandem/testing/script.py). The setup view's "Test connection"
 * makes no model request (GET /models, and an empty POST the server refuses with 400), so the
 * first response answers the first prompt.
 */
import { message, respond } from "./scripts";

/** The model the scripted server lists (the setup view's model field). */
export const FIRSTRUN_MODEL = "scripted-firstrun";
/** The API key the test types into the setup view (must end up in neither settings.json nor a log). */
export const FIRSTRUN_KEY = "sk-firstrun-4f3c2b1a0e9d8c7b-DO-NOT-LOG";
export const FIRST_PROMPT = "What does this project do?";
export const FIRST_ANSWER = "It merges and measures integer intervals: merge(), gaps() and total_length() in intervals/core.py.";

export function firstRunScript(): object {
  return {
    model: FIRSTRUN_MODEL,
    description: "editor-extension/test/vscode first-run suite",
    responses: [respond([message(FIRST_ANSWER)])],
  };
}
