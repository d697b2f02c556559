/**
 * Scripted model sessions for the real-VS-Code tests (format: server/tandem/testing/script.py).
 * The scripted server answers the Nth model request with `responses[N-1]`, so each suite's
 * responses are listed in the order its steps make requests.
 *
 * Everything edits examples/demo-project (copied to a temp workspace): intervals/core.py has the
 * `start < merged[-1][1]` bug that the demo fixes.
 */

type Output = Record<string, unknown>;

export const message = (text: string): Output => ({ type: "message", text });
export const reasoning = (summary: string): Output => ({ type: "reasoning", summary, encrypted_content: "enc" });
export const shell = (command: string, extra: Record<string, unknown> = {}): Output => ({
  type: "function_call",
  name: "shell_command",
  arguments: { command, ...extra },
});
export const patch = (input: string): Output => ({ type: "custom_tool_call", name: "apply_patch", input });
export const respond = (output: Output[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  output,
  ...extra,
});

/** The command the agent asks to run (not known-safe: the `untrusted` policy asks for it). */
export const TEST_COMMAND = "python3 -m unittest -q";

/** The fix: hunk 1 of TWO_HUNK_PATCH (the one the tests accept). */
export const ACCEPTED_LINE = "        if merged and start <= merged[-1][1]:";
/** Hunk 2 of TWO_HUNK_PATCH (the one the tests reject). */
export const REJECTED_MARK = "# REJECT-ME: a needless comment";

/** One file, two hunks far apart: the fix in merge() and a needless comment in gaps(). */
export const TWO_HUNK_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@ def merge(intervals: Iterable[Interval]) -> List[Interval]:",
  "     ordered = sorted(_validate(intervals))",
  "     merged: List[Interval] = []",
  "     for start, end in ordered:",
  "-        if merged and start < merged[-1][1]:",
  `+${ACCEPTED_LINE}`,
  "             last_start, last_end = merged[-1]",
  "             merged[-1] = (last_start, max(last_end, end))",
  "         else:",
  "@@ def gaps(intervals: Iterable[Interval], start: int, end: int) -> List[Interval]:",
  '     """The free intervals between ``start`` and ``end`` not covered by ``intervals``."""',
  "-    free: List[Interval] = []",
  `+    free: List[Interval] = []  ${REJECTED_MARK}`,
  "     cursor = start",
  "*** End Patch",
].join("\n");

/** What inline ask adds to total_length()'s docstring. */
export const DOCTEST_LINE = "    >>> total_length([(9, 12), (11, 13)])";

/** Inline ask on total_length(): turn its one-line docstring into one with an example. */
export const DOCSTRING_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@ def total_length(intervals: Iterable[Interval]) -> int:",
  '-    """Total time covered by the intervals, counting overlaps once."""',
  '+    """Total time covered by the intervals, counting overlaps once.',
  "+",
  `+${DOCTEST_LINE}`,
  "+    4",
  '+    """',
  "     return sum(end - start for start, end in merge(intervals))",
  "*** End Patch",
].join("\n");

/** 0-based lines of total_length() in the original core.py (def line .. return line). */
export const TOTAL_LENGTH_LINES = { start: 38, end: 40 };

export const HELLO_TEXT =
  "Hello from the scripted model. This answer streams in small pieces, so the chat panel shows it " +
  "growing word by word before the turn completes.";

export const STREAMED_ANSWER =
  "I looked at `merge()` in `intervals/core.py`. Intervals are half-open, so `(9, 12)` and `(12, 14)` " +
  "touch and must merge into `(9, 14)`, but the loop only joins intervals that strictly overlap " +
  "(`start < merged[-1][1]`). I will run the test suite to confirm, then change the comparison to `<=`.";

export const FINAL_ANSWER = "Done: `merge()` now joins touching intervals. I left `gaps()` alone as you asked.";

/**
 * Integration suite (runs inside the extension host), in request order:
 * 1. chat turn "say hello" (streamed message);
 * 2-4. a thread with the `untrusted` policy: command (approved), two-hunk patch (one hunk
 *      accepted, one rejected in the proposal review), final message;
 * 5-6. inline ask (`tandem.ask`, default policy): patch applied into the open buffer, final message.
 */
export function integrationScript(): object {
  return {
    model: "scripted-vscode",
    description: "editor-extension/test/vscode integration suite",
    responses: [
      respond([reasoning("A greeting is all that is asked."), message(HELLO_TEXT)], { chunk_delay_ms: 15 }),
      respond([reasoning("Run the tests first."), shell(TEST_COMMAND, { timeout_ms: 60000 })]),
      respond([message("The touching case fails; here is a patch."), patch(TWO_HUNK_PATCH)]),
      respond([message(FINAL_ANSWER)]),
      respond([patch(DOCSTRING_PATCH)]),
      respond([message("Added a doctest example to total_length().")]),
    ],
  };
}

/**
 * User-path suite (Chromium drives the workbench; `untrusted` policy), in request order:
 * 1. chat prompt: reasoning, a slowly streamed answer, then the test command (approved in the UI);
 * 2. the two-hunk patch (reviewed in the proposal diff: hunk 1 accepted, hunk 2 rejected);
 * 3. final message;
 * 4-5. inline ask (Ctrl+I) on total_length(): the docstring patch (approved in the proposal diff),
 *      final message.
 */
export function userPathScript(): object {
  return {
    model: "scripted-vscode",
    description: "editor-extension/test/vscode user-path suite",
    responses: [
      respond(
        [
          reasoning("**Reading merge()** The user reports touching intervals are not merged."),
          message(STREAMED_ANSWER),
          shell(TEST_COMMAND, { timeout_ms: 60000 }),
        ],
        // ~45 deltas 120 ms apart: several seconds in which the answer is visibly incomplete.
        { chunk_delay_ms: 120 },
      ),
      respond([message("The touching case fails. Patch below."), patch(TWO_HUNK_PATCH)]),
      respond([message(FINAL_ANSWER)]),
      respond([patch(DOCSTRING_PATCH)]),
      respond([message("Added a doctest example to total_length().")]),
    ],
  };
}
