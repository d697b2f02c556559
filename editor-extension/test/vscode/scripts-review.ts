/**
 * Scripted model responses for the review user path (userpath-review.test.ts), in request order
 * (format: server/tandem/testing/script.py). Everything edits examples/demo-project, copied to a
 * temp workspace; line numbers below are of intervals/core.py as it is at that point.
 */
import { message, patch, respond } from "./scripts";

/** Turn A (a proposal, `untrusted`): the merge() fix (kept) and a needless comment in gaps() (rejected in the diff). */
export const FIX_LINE = "        if merged and start <= merged[-1][1]:";
export const REJECT_MARK = "# REJECT-ME: a needless comment";
/** Turn A also adds a file (its review shows it alone, not as a diff against nothing). */
export const NEW_FILE = "intervals/span.py";
export const NEW_FILE_TEXT = '"""Labelled intervals."""\n\nSpan = tuple\n';

export const PROPOSAL_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@ def merge(intervals: Iterable[Interval]) -> List[Interval]:",
  "     ordered = sorted(_validate(intervals))",
  "     merged: List[Interval] = []",
  "     for start, end in ordered:",
  "-        if merged and start < merged[-1][1]:",
  `+${FIX_LINE}`,
  "             last_start, last_end = merged[-1]",
  "             merged[-1] = (last_start, max(last_end, end))",
  "         else:",
  "@@ def gaps(intervals: Iterable[Interval], start: int, end: int) -> List[Interval]:",
  '     """The free intervals between ``start`` and ``end`` not covered by ``intervals``."""',
  "-    free: List[Interval] = []",
  `+    free: List[Interval] = []  ${REJECT_MARK}`,
  "     cursor = start",
  "*** Add File: intervals/span.py",
  ...NEW_FILE_TEXT.replace(/\n$/, "").split("\n").map((l) => `+${l}`),
  "*** End Patch",
].join("\n");

/** Turn B (applied without asking, `on-request`): a replaced docstring and two deleted lines in core.py, and __init__.py. */
export const OLD_DOC = '    """Total time covered by the intervals, counting overlaps once."""';
export const NEW_DOC = '    """Total time covered by the intervals (overlaps count once)."""';
export const DELETED = ["        if block_end <= cursor:", "            continue"];
export const INIT_OLD = '"""Half-open interval helpers: merge overlapping ranges and measure what they cover."""';
export const INIT_NEW = '"""Interval helpers (half-open): merge, measure, find gaps."""';

export const APPLIED_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@ def total_length(intervals: Iterable[Interval]) -> int:",
  `-${OLD_DOC}`,
  `+${NEW_DOC}`,
  "     return sum(end - start for start, end in merge(intervals))",
  "@@ def gaps(intervals: Iterable[Interval], start: int, end: int) -> List[Interval]:",
  "     for block_start, block_end in merge(intervals):",
  ...DELETED.map((l) => `-${l}`),
  "         if block_start >= end:",
  "*** Update File: intervals/__init__.py",
  `-${INIT_OLD}`,
  `+${INIT_NEW}`,
  "*** End Patch",
].join("\n");

/** Turn C (applied, then its checkpoint restored and redone): one more line at the top of core.py. */
export const MODULE_NOTE = "Intervals never wrap around: ``start <= end`` always holds.";
export const TURN_C_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@",
  ' An interval is a pair ``(start, end)`` with ``start <= end``, covering ``start <= t < end``.',
  `+${MODULE_NOTE}`,
  ' """',
  "*** End Patch",
].join("\n");

/** Inline ask (a proposal under the server's `untrusted` default): a doctest in total_length(). */
export const DOCTEST = "    >>> total_length([(1, 3), (2, 5)])";
export const INLINE_PATCH = [
  "*** Begin Patch",
  "*** Update File: intervals/core.py",
  "@@ def total_length(intervals: Iterable[Interval]) -> int:",
  `-${NEW_DOC}`,
  '+    """Total time covered by the intervals (overlaps count once).',
  "+",
  `+${DOCTEST}`,
  "+    4",
  '+    """',
  "*** End Patch",
].join("\n");

export const ANSWER_A = "Fixed merge(): touching intervals now merge.";
export const ANSWER_B = "Tidied the docstrings and dropped a redundant check.";
export const ANSWER_C = "Added a note on the module docstring.";

/**
 * In request order: A) proposal of two files, final answer; B) applied change of two files, final
 * answer; C) applied one-line change, final answer; D) inline ask: proposal, final answer.
 */
export function reviewScript(): object {
  return {
    model: "scripted-vscode",
    description: "editor-extension/test/vscode review user path",
    responses: [
      respond([message("Here is the fix, and a small new module."), patch(PROPOSAL_PATCH)]),
      respond([message(ANSWER_A)]),
      respond([message("Tidying up."), patch(APPLIED_PATCH)]),
      respond([message(ANSWER_B)]),
      respond([patch(TURN_C_PATCH)]),
      respond([message(ANSWER_C)]),
      respond([patch(INLINE_PATCH)]),
      respond([message("Added a doctest to total_length().")]),
    ],
  };
}
