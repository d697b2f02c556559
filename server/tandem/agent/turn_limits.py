"""Guards against a turn that never ends: a per-turn limit on model requests and on tool calls, and
detection of the same tool call repeated in a row.

Codex has no such guard (its turn loop samples again for as long as the model makes
tool calls; docs/reference-facts.md §1), so this design is Tandem's own. Its limits come from the
``[turn_limits]`` table of ``config.toml`` (:class:`tandem.config.TurnLimits`; 0 turns a guard off):

* ``model_requests`` (default 500): the turn may make this many model requests (retries of a failed
  request and compaction requests do not count). When the model still asks for another after the
  last one, the turn ends **failed**; every call made so far has its output, so the thread can go on.
* ``tool_calls`` (default 1000): calls past this many in one turn are not run — each gets an output
  saying so — and the turn ends **failed** once that response's outputs are recorded.
* ``identical_calls`` (default 5): the Nth call in a row with the same tool name and the same
  arguments (JSON arguments compared after parsing, so spacing and key order do not matter; free-form
  input compared as text) is not run: its output tells the model it is repeating itself, and the user
  sees an ``error`` item. One more identical call after that ends the turn **failed** ("loop
  detected"). Any different call in between starts the count again; the count never spans turns.

The user's message for each stop names the limit and the key that raises it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from tandem.config import TurnLimits
from tandem.errors import TurnLimitError
from tandem.tools.base import CallKind, ToolCall

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A call the guard did not let run.

    Attributes:
        output: the tool output the model gets instead of the call's result.
        notice: what the user is shown (an ``error`` item), or ``None`` when the turn's failure says it.
    """

    output: str
    notice: str | None = None


def _call_key(call: ToolCall) -> tuple[str, str]:
    """What makes two calls identical: the tool name and the arguments (JSON normalised)."""
    if call.kind is CallKind.FUNCTION:
        try:
            return call.name, json.dumps(json.loads(call.payload or "{}"), sort_keys=True, separators=(",", ":"))
        except ValueError:
            pass
    return call.name, call.payload


class TurnGuard:
    """Counts one turn's model requests and tool calls and watches for a repeated call.

    Args:
        limits: the configured limits (0 = that guard is off).
    """

    def __init__(self, limits: TurnLimits) -> None:
        self._limits = limits
        self._requests = 0
        self._calls = 0
        self._last: tuple[str, str] | None = None
        self._streak = 0
        self._stop: str | None = None

    @property
    def requests(self) -> int:
        """Model requests made so far in the turn."""
        return self._requests

    def before_request(self) -> None:
        """Call before each model request of the turn (not before a retry of the same request).

        Raises:
            TurnLimitError: the previous response tripped a guard (the message says which), or the turn
                already made ``model_requests`` requests.
        """
        if self._stop is not None:
            raise TurnLimitError(self._stop)
        limit = self._limits.model_requests
        if limit and self._requests >= limit:
            log.warning("turn stopped: %d model requests (turn_limits.model_requests)", self._requests)
            raise TurnLimitError(
                f"turn stopped: the model made {self._requests} requests in this turn and still wanted more "
                f"(limit turn_limits.model_requests = {limit}; raise it in config.toml, or 0 for no limit). "
                "Send a new prompt to continue."
            )
        self._requests += 1

    def admit(self, call: ToolCall) -> Refusal | None:
        """Whether ``call`` may run: ``None`` if so, else what to answer instead. A refusal that must end the
        turn also makes the next :meth:`before_request` raise."""
        self._calls += 1
        key = _call_key(call)
        self._streak = self._streak + 1 if key == self._last else 1
        self._last = key
        calls_limit, same_limit = self._limits.tool_calls, self._limits.identical_calls
        if calls_limit and self._calls > calls_limit:
            self._stop = self._stop or (
                f"turn stopped: the model made more than {calls_limit} tool calls in this turn "
                f"(limit turn_limits.tool_calls = {calls_limit}; raise it in config.toml, or 0 for no limit). "
                "Send a new prompt to continue."
            )
            return Refusal(f"not run: this turn reached its limit of {calls_limit} tool calls; the turn ends here.")
        if same_limit and self._streak > same_limit:
            self._stop = self._stop or (
                f"loop detected: the model called {call.name} with the same arguments {self._streak} times in a row, "
                f"after being told it was repeating itself; the turn was stopped (turn_limits.identical_calls = "
                f"{same_limit}; 0 turns this check off)."
            )
            return Refusal("not run: the same call again; the turn ends here (loop detected).")
        if same_limit and self._streak == same_limit:
            log.warning("turn: %s called %d times in a row with the same arguments", call.name, self._streak)
            return Refusal(
                f"not run: this is {call.name} call number {self._streak} in a row with exactly the same arguments, "
                "so its result would not change. Do something different (other arguments, another tool), or stop "
                "and answer with what you have. Repeating it once more ends the turn.",
                notice=(
                    f"loop detected: {call.name} called {self._streak} times in a row with the same arguments; "
                    "the call was not run and the model was told (turn_limits.identical_calls = "
                    f"{same_limit}). One more identical call ends the turn."
                ),
            )
        return None
