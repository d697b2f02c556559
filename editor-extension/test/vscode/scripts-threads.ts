/**
 * Scripted model responses for the threads user path (userpath-threads.test.ts), in request order
 * (format: server/tandem/testing/script.py). The language server runs with
 * `model_context_window=20000`, so the reported usage moves the token meter: ~21 % after turn 1,
 * amber (~73 %) after turn 2, red (~86 %, under the 90 % auto-compaction limit) after turn 3.
 */
import { message, patch, respond } from "./scripts";

/** The window the server is told (`-c model_context_window=...`). */
export const CONTEXT_WINDOW = 20_000;

export const FIRST_PROMPT = "Document the half-open convention in the package docstring";
export const SECOND_PROMPT = "Now explain how gaps() walks the intervals";
export const THIRD_PROMPT = "And what does total_length() count twice?";
export const FAILING_PROMPT = "Summarise the tests";
export const INLINE_PROMPT = "What does merge() return for touching intervals?";

export const FIRST_ANSWER = "Done: the package docstring now says intervals are half-open.";
export const SECOND_ANSWER = "gaps() walks the merged intervals left to right and collects the holes between them.";
export const THIRD_ANSWER = "Nothing: total_length() merges first, so overlaps count once.";
export const INLINE_ANSWER = "One merged interval: (9, 12) and (12, 14) become (9, 14).";
export const COMPACT_SUMMARY = "Summary: documented the half-open convention; explained gaps() and total_length().";
export const FAILURE_MESSAGE = "the model rejected this request (scripted)";

/** The line turn 1 adds to intervals/__init__.py. */
export const DOC_LINE = "Intervals are half-open: (start, end) covers start <= t < end.";

const DOC_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/__init__.py",
  '-"""Half-open interval helpers: merge overlapping ranges and measure what they cover."""',
  '+"""Half-open interval helpers: merge overlapping ranges and measure what they cover.',
  "+",
  `+${DOC_LINE}`,
  '+"""',
  "*** End Patch",
].join("\n");

const usage = (input: number, output = 200) => ({ usage: { input_tokens: input, output_tokens: output } });

/**
 * 1-2. turn 1 (default model): the patch (applied: the turn's diff), the answer;
 * 3. turn 2 with the composer's GPT-5 mini / high effort / Read only: an answer (amber meter);
 * 4. turn 3: an answer (red meter);
 * 5. /compact from the meter: the summary;
 * 6. turn 4: a 400 (a failed turn with its error);
 * 7. inline ask (another thread): an answer.
 */
export function threadsScript(): object {
  return {
    model: "scripted-vscode",
    description: "editor-extension/test/vscode threads user path",
    responses: [
      respond([patch(DOC_PATCH)], usage(3_000)),
      respond([message(FIRST_ANSWER)], usage(4_000)),
      respond([message(SECOND_ANSWER)], usage(14_400)),
      respond([message(THIRD_ANSWER)], usage(17_000)),
      respond([message(COMPACT_SUMMARY)], usage(600)),
      { output: [], fault: { kind: "http_error", status: 400, message: FAILURE_MESSAGE } },
      respond([message(INLINE_ANSWER)], usage(2_000)),
    ],
  };
}
