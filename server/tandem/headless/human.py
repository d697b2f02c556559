"""``tandem exec`` for people: the agent's words on stdout, everything else on stderr.

The agent's messages stream to stdout (so ``tandem exec "..." > answer.md`` keeps just the
answer); commands with their exit codes, reasoning summaries, file changes, the plan, retries and
the turn's unified diff go to stderr. Colours are used when stderr is a terminal and
``NO_COLOR`` is unset, or always / never with ``--color`` (:class:`ColorMode`, Codex's values).
"""

from __future__ import annotations

import os
from enum import Enum
from typing import IO

from tandem.agent.events import (
    AgentMessageDelta,
    CommandOutputDelta,
    DiffUpdated,
    Event,
    ItemCompleted,
    ItemStarted,
    PlanUpdated,
    ReasoningDelta,
    StreamRetrying,
    ThreadStarted,
    TokenUsageUpdated,
    TurnCompleted,
)
from tandem.protocol.enums import ItemStatus, PlanStepStatus, TurnStatus
from tandem.protocol.items import (
    AgentMessageItem,
    CommandExecutionItem,
    ContextCompactionItem,
    ErrorItem,
    FileChangeItem,
    McpToolCallItem,
    ReasoningItem,
)
from tandem.protocol.printable import printable

_OUTPUT_PREVIEW_LINES = 12
_MARKS = {PlanStepStatus.COMPLETED: "[x]", PlanStepStatus.IN_PROGRESS: "[>]", PlanStepStatus.PENDING: "[ ]"}


class ColorMode(Enum):
    """When the transcript is coloured (``codex exec --color``)."""

    ALWAYS = "always"
    NEVER = "never"
    AUTO = "auto"  # when the stream is a terminal and NO_COLOR is unset


class Style:
    """ANSI styling that turns itself off for non-terminals and ``NO_COLOR`` (unless ``color`` says
    always or never)."""

    def __init__(self, stream: IO[str], color: ColorMode = ColorMode.AUTO) -> None:
        auto = stream.isatty() and not os.environ.get("NO_COLOR")
        self.enabled = color is ColorMode.ALWAYS or (color is ColorMode.AUTO and auto)

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        """Bold text."""
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        """Faint text."""
        return self._wrap("2", text)

    def red(self, text: str) -> str:
        """Red text."""
        return self._wrap("31", text)

    def green(self, text: str) -> str:
        """Green text."""
        return self._wrap("32", text)

    def cyan(self, text: str) -> str:
        """Cyan text."""
        return self._wrap("36", text)

    def magenta(self, text: str) -> str:
        """Magenta text."""
        return self._wrap("35", text)

    def diff(self, text: str) -> str:
        """A unified diff with added lines green and removed lines red."""
        if not self.enabled:
            return text
        lines = []
        for line in text.splitlines():
            if line.startswith(("+++", "---")):
                lines.append(self.bold(line))
            elif line.startswith("+"):
                lines.append(self.green(line))
            elif line.startswith("-"):
                lines.append(self.red(line))
            elif line.startswith("@@"):
                lines.append(self.cyan(line))
            else:
                lines.append(line)
        return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


class HumanRenderer:
    """An event sink that prints a readable transcript.

    Args:
        out: where agent messages go (stdout).
        err: where everything else goes (stderr).
        stream_command_output: echo command output live (else a preview after each command).
        color: when to colour what goes to ``err``.
    """

    def __init__(
        self, out: IO[str], err: IO[str], *, stream_command_output: bool = False, color: ColorMode = ColorMode.AUTO
    ) -> None:
        self._out = out
        self._err = err
        self._style = Style(err, color)
        self._stream_output = stream_command_output
        self._message_open = False
        self._reasoning_open = False
        self._last_diff = ""
        self._context: tuple[int | None, int | None] = (None, None)
        self.last_message = ""

    def _print(self, text: str = "") -> None:
        self._close_open_text()
        self._err.write(text + "\n")
        self._err.flush()

    def _close_open_text(self) -> None:
        if self._message_open:
            self._out.write("\n")
            self._out.flush()
            self._message_open = False
        if self._reasoning_open:
            self._err.write("\n")
            self._reasoning_open = False

    def __call__(self, event: Event) -> None:
        s = self._style
        if isinstance(event, ThreadStarted):
            t = event.thread
            self._print(
                s.dim(
                    f"tandem · session {t.id} · model {t.model} ({t.model_provider}) · "
                    f"approval {t.approval_policy} · sandbox {t.sandbox_mode}\n  workdir {t.cwd}"
                )
            )
        elif isinstance(event, AgentMessageDelta):
            if not self._message_open:
                self._print(s.bold(s.magenta("tandem")))
                self._message_open = True
            self._out.write(event.delta)
            self._out.flush()
        elif isinstance(event, ReasoningDelta):
            if not self._reasoning_open:
                self._print(s.dim("thinking"))
                self._reasoning_open = True
            self._err.write(s.dim(event.delta))
            self._err.flush()
        elif isinstance(event, CommandOutputDelta) and self._stream_output:
            self._err.write(s.dim(event.delta))
        elif isinstance(event, ItemStarted):
            self._started(event)
        elif isinstance(event, ItemCompleted):
            self._completed(event)
        elif isinstance(event, PlanUpdated):
            lines = [f"  {_MARKS[step.status]} {step.step}" for step in event.steps]
            self._print(
                s.bold("plan") + (f" — {event.explanation}" if event.explanation else "") + "\n" + "\n".join(lines)
            )
        elif isinstance(event, DiffUpdated):
            self._last_diff = event.diff
        elif isinstance(event, TokenUsageUpdated):
            self._context = (event.context_tokens, event.context_window)
        elif isinstance(event, StreamRetrying):
            self._print(
                s.red(
                    f"⟳ model stream failed: {event.message}; retrying "
                    f"{event.attempt}/{event.max_attempts} in {event.delay_s:.1f} s"
                )
            )
        elif isinstance(event, TurnCompleted):
            self._turn_completed(event)

    def _started(self, event: ItemStarted) -> None:
        item, s = event.item, self._style
        if isinstance(item, CommandExecutionItem):
            command, cwd = printable(item.command), printable(item.cwd or "")
            self._print(s.bold(f"$ {command}") + (s.dim(f"  (in {cwd})") if cwd else ""))
        elif isinstance(item, McpToolCallItem):  # Codex's "mcp: server/tool started"
            self._print(s.bold("mcp:") + " " + s.cyan(printable(f"{item.server}/{item.tool}")) + s.dim(" started"))

    def _completed(self, event: ItemCompleted) -> None:
        item, s = event.item, self._style
        if isinstance(item, AgentMessageItem):
            if not self._message_open and item.text:
                self._print(s.bold(s.magenta("tandem")))
                self._out.write(item.text)
                self._message_open = True
            self._close_open_text()
            self.last_message = item.text
        elif isinstance(item, ReasoningItem):
            self._close_open_text()
        elif isinstance(item, CommandExecutionItem):
            if not self._stream_output and item.output:
                lines = item.output.rstrip("\n").splitlines()
                shown = lines[:_OUTPUT_PREVIEW_LINES]
                more = len(lines) - len(shown)
                preview = "\n".join("  " + line for line in shown) + (f"\n  … {more} more lines" if more else "")
                self._print(s.dim(preview))
            if item.status is ItemStatus.DECLINED:
                self._print(s.red("  ✗ declined"))
            else:
                ok = item.exit_code == 0
                mark = s.green("✓") if ok else s.red("✗")
                took = f" · {item.duration_ms / 1000:.1f} s" if item.duration_ms is not None else ""
                self._print(f"  {mark} exit {item.exit_code if item.exit_code is not None else '?'}{took}")
        elif isinstance(item, FileChangeItem):
            verbs = {"add": "A", "update": "M", "delete": "D", "move": "R"}
            names = ", ".join(f"{verbs[c.kind.value]} {c.move_path or c.path}" for c in item.changes)
            status = {
                ItemStatus.COMPLETED: s.green("applied"),
                ItemStatus.DECLINED: s.red("declined"),
                ItemStatus.FAILED: s.red("failed"),
            }.get(item.status, item.status.value)
            self._print(s.bold("apply_patch") + f" {status}: {names}")
        elif isinstance(item, McpToolCallItem):
            marks: dict[ItemStatus, str] = {
                ItemStatus.COMPLETED: s.green("completed"),
                ItemStatus.FAILED: s.red("failed"),
            }
            mark = marks.get(item.status, s.dim(item.status.value))
            self._print(s.bold("mcp:") + " " + s.cyan(printable(f"{item.server}/{item.tool}")) + f" ({mark})")
            if item.error is not None:
                self._print(s.red(printable(item.error.message)))
        elif isinstance(item, ErrorItem):
            self._print(s.red(f"error: {item.message}"))
        elif isinstance(item, ContextCompactionItem):
            self._print(
                s.bold("context compacted")
                + s.dim(f" — the conversation continues from a {len(item.summary):,}-character handoff summary")
            )

    def _turn_completed(self, event: TurnCompleted) -> None:
        s, turn = self._style, event.turn
        if self._last_diff:
            self._print(s.bold("turn diff"))
            self._print(s.diff(self._last_diff).rstrip("\n"))
            self._last_diff = ""
        if turn.status is TurnStatus.FAILED:
            self._print(s.red(f"turn failed: {turn.error.message if turn.error else 'unknown error'}"))
        elif turn.status is TurnStatus.INTERRUPTED:
            self._print(s.red("turn interrupted"))
        if turn.usage is not None and turn.usage.total_tokens:
            u = turn.usage
            used, window = self._context
            context = (
                f" · context {used:,}" + (f" / {window:,} ({100 * used // window}%)" if window else "")
                if used is not None
                else ""
            )
            self._print(
                s.dim(
                    f"tokens used: {u.total_tokens:,} (input {u.input_tokens:,}, "
                    f"cached {u.cached_input_tokens:,}, output {u.output_tokens:,}){context}"
                )
            )
        self._close_open_text()
