/**
 * Scripted model responses for the feedback user path (userpath-feedback.test.ts), in request
 * order (format: server/tandem/testing/script.py). The workspace is examples/demo-project; the
 * server runs with `untrusted` approvals and one request retry.
 */
import { message, patch, respond, shell } from "./scripts";

/** A reasoning item with several summary parts. */
const reasoningParts = (parts: readonly string[]): Record<string, unknown> => ({ type: "reasoning", summary: [...parts], encrypted_content: "enc" });

/** The helper the answer's code block defines (Insert puts it into intervals/__init__.py). */
export const HELPER_CODE = [
  "def span(intervals):",
  '    """The smallest interval covering all of them."""',
  "    starts, ends = zip(*intervals)",
  "    return (min(starts), max(ends))",
].join("\n");

/** The first answer: a python block and a table wider than a narrow panel. */
export const CODE_ANSWER = [
  "Here is a helper for `intervals/__init__.py`:",
  "",
  "```python",
  HELPER_CODE,
  "```",
  "",
  "| name | what it returns |",
  "| --- | --- |",
  "| `merge(intervals)` | the intervals with overlapping and touching ones joined, sorted by start |",
  "| `span(intervals)` | the smallest interval covering all of them |",
].join("\n");

export const REASONING_PARTS = ["**Reading the package** It exports merge, gaps and total_length.", "**Writing a helper** A span() fits next to them."];

/** What Apply's inline ask proposes: export the helper. */
export const EXPORT_LINE = '__all__ = ["gaps", "merge", "span", "total_length"]';
export const APPLY_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/__init__.py",
  "@@",
  '-__all__ = ["gaps", "merge", "total_length"]',
  `+${EXPORT_LINE}`,
  "*** End Patch",
].join("\n");

/** A long answer before the first command (the transcript scrolls). */
export const LONG_ANSWER = Array.from({ length: 30 }, (_, i) =>
  `Step ${i + 1}: the agent explains what it is about to check and why it matters for the intervals package.`).join("\n\n");

export const OK_COMMAND = `python3 -c "print('checked')"`;
/** Fails with exit 3 after 60 lines; the tail says why. */
export const FAILING_COMMAND = `python3 -c "import sys; [print('progress line', i) for i in range(60)]; print('FAILED: span() of [] raises ValueError'); sys.exit(3)"`;
export const FAILING_TAIL = "FAILED: span() of [] raises ValueError";
export const STOPPED_COMMAND = `python3 -c "print('never runs')"`;

/** Inline ask on total_length(): a doctest in its docstring. */
export const DOCTEST_LINE = "    >>> total_length([(1, 3), (2, 5)])";
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

export const RETRIED_ANSWER = "Now it works: the retried turn got through.";

const http = (status: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  output: [],
  fault: { kind: "http_error", status, ...extra },
});

/**
 * In request order:
 * 1. prompt: reasoning (two summary parts), the code-block answer;
 * 2-3. Apply (inline ask on intervals/__init__.py): the export patch (a proposal, accepted in the widget), a final message;
 * 4. prompt: a long answer and OK_COMMAND (approval: card while the chat shows, notification while hidden);
 * 5. FAILING_COMMAND (approved from the notification's link);
 * 6. a message;
 * 7. prompt: STOPPED_COMMAND (waits for approval; Esc in the chat stops the turn);
 * 8-9. a long prompt: HTTP 500 twice (one retry, then the turn fails as a server error);
 * 10. Retry: an answer;
 * 11. prompt: HTTP 429 insufficient_quota (a quota error, not retried);
 * 12-13. inline ask (Ctrl+I, the widget) on total_length(): the docstring patch (accepted in the widget), a final message.
 */
export function feedbackScript(): object {
  return {
    model: "scripted-vscode",
    description: "editor-extension/test/vscode feedback user path",
    responses: [
      respond([reasoningParts(REASONING_PARTS), message(CODE_ANSWER)]),
      respond([patch(APPLY_PATCH)]),
      respond([message("Exported span() from the package.")]),
      respond([message(LONG_ANSWER), shell(OK_COMMAND, { timeout_ms: 60000 })]),
      respond([shell(FAILING_COMMAND, { timeout_ms: 60000 })]),
      respond([message("The check failed: span() needs a guard for an empty list.")]),
      respond([shell(STOPPED_COMMAND, { timeout_ms: 60000 })]),
      http(500),
      http(500),
      respond([message(RETRIED_ANSWER)]),
      http(429, { error: "insufficient_quota" }),
      respond([patch(DOCSTRING_PATCH)]),
      respond([message("Added a doctest example to total_length().")]),
    ],
  };
}
