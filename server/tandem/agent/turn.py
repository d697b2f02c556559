"""One turn: user input -> (model request -> stream -> tool calls)* -> a response without tool calls.

Loop rules (after Codex's agent loop, docs/reference-facts.md §1):

* Tool calls start while the stream continues; parallel-safe tools run together, serial ones
  (apply_patch, update_plan) wait for everything before them. Outputs are recorded in call order
  and the next request carries them. A response with no tool call ends the turn.
* Tool errors are outputs (the model reads them and continues); only model failures that survive
  the retry policy, a tripped turn guard (too many requests or tool calls, the same call in a loop:
  :mod:`tandem.agent.turn_limits`) and unexpected internal errors fail the turn.
* A failed stream is retried with the same history plus the items that *completed* before the
  failure (and their tool outputs); a half-received message is dropped, never resent.
* Interrupt (task cancel) or "cancel" at an approval (:class:`~tandem.errors.TurnCancelledError`,
  an :class:`asyncio.CancelledError`): running tools are killed, every call gets an output
  (``aborted`` if it had none), the ``<turn_aborted>`` marker is appended, the turn ends
  ``interrupted``.

The loop reads a :class:`~tandem.agent.turn_context.TurnContext` and writes the thread's
:class:`~tandem.agent.conversation.Conversation`; stream assembly is
:mod:`tandem.agent.response_stream`, the tools' host :mod:`tandem.agent.tool_host`.
"""

from __future__ import annotations

import asyncio
import logging
from enum import Enum

from tandem.agent import hook_calls
from tandem.agent.compaction import replacement_history, summarize
from tandem.agent.context import TURN_ABORTED_MARKER, message
from tandem.agent.conversation import Conversation
from tandem.agent.events import StreamRetrying, TokenUsageUpdated, TurnCompleted, TurnStarted
from tandem.agent.input import preview_text, user_message
from tandem.agent.response_stream import ResponseAssembler
from tandem.agent.skill_context import skill_injections
from tandem.agent.tool_host import TurnToolHost
from tandem.agent.tool_scheduler import ToolScheduler
from tandem.agent.turn_context import TurnContext
from tandem.agent.turn_errors import turn_error_code
from tandem.agent.turn_limits import TurnGuard
from tandem.errors import ContextWindowExceededError, ModelError, TandemError
from tandem.model.types import ResponseCompleted, TokenUsage
from tandem.protocol.enums import TurnErrorCode, TurnStatus
from tandem.protocol.items import ContextCompactionItem, InputItem, Turn, TurnError, Usage, UserMessageItem, dump

log = logging.getLogger(__name__)


def to_usage(usage: TokenUsage) -> Usage:
    """The wire form of a token count."""
    return Usage(
        input_tokens=usage.input_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        output_tokens=usage.output_tokens,
        reasoning_output_tokens=usage.reasoning_output_tokens,
        total_tokens=usage.total_tokens,
    )


class TurnMode(Enum):
    """What a turn does: answer the user, or only compact the conversation (``/compact``)."""

    NORMAL = "normal"
    COMPACT = "compact"


class TurnRunner:
    """Runs one turn.

    Args:
        ctx: what the turn reads (model, tools, policies, the event sink).
        conversation: the thread's durable state the turn writes.
        input_items: the user's input (empty for a compaction turn).
        mode: answer the input, or only compact.
    """

    def __init__(
        self,
        ctx: TurnContext,
        conversation: Conversation,
        input_items: list[InputItem],
        mode: TurnMode = TurnMode.NORMAL,
    ) -> None:
        self._ctx = ctx
        self._conversation = conversation
        self._input = input_items
        self._mode = mode
        self._started = False
        self.turn = Turn(id=ctx.turn_id, status=TurnStatus.IN_PROGRESS)
        self.host = TurnToolHost(ctx, conversation)
        self._usage = TokenUsage()
        self._scheduler: ToolScheduler | None = None
        self._pending: list[list[InputItem]] = []
        self._guard = TurnGuard(ctx.config.turn_limits)
        self._tools = ctx.tools
        self._stop_continued = False

    def steer(self, input_items: list[InputItem]) -> None:
        """Queue input for the turn's next model request."""
        self._pending.append(input_items)

    async def run(self) -> Turn:
        """Run the turn to its end; never raises (failures end the turn as ``failed``)."""
        self._announce_start()
        self.host.enter_workspace()
        try:
            return await self._run()
        finally:
            self.host.leave_workspace()

    async def _run(self) -> Turn:
        status, error, code = TurnStatus.COMPLETED, None, None
        try:
            if self._ctx.tool_source is not None:
                self._tools = await self._ctx.tool_source()  # waits for the thread's MCP servers
            if self._mode is TurnMode.COMPACT:
                await self._compact("manual")
            elif await self._before_prompt() and await self._sample_until_done():
                while await self._stop_hook_continues() and await self._sample_until_done():
                    pass
        except asyncio.CancelledError:  # an interrupt, or the user's cancel at an approval
            status = TurnStatus.INTERRUPTED
            await self._abort()
        except TandemError as exc:  # model failures the retry policy gave up on, among others
            status, error, code = TurnStatus.FAILED, str(exc), turn_error_code(exc)
        except Exception as exc:
            log.exception("internal error in turn %s", self.turn.id)
            status, error = TurnStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
            code = TurnErrorCode.OTHER
        await self.host.sync_checkpoint(final=True)
        return self._finish(status, error, code)

    async def _before_prompt(self) -> bool:
        """SessionStart (a thread's first turn) and UserPromptSubmit hooks, then the prompt is recorded with
        the hooks' additional context after it (developer messages, as Codex records them). Returns
        ``False`` when a UserPromptSubmit hook blocked the prompt: it is not recorded, the user is told the
        reason and the turn ends without a model request (:mod:`tandem.agent.hook_calls`)."""
        hooks = self._ctx.hooks
        start = await hook_calls.session_start(hooks, self.host)
        prompt = await hook_calls.user_prompt_submit(hooks, self.host, preview_text(self._input))
        if prompt is not None and prompt.blocked:
            hook_calls.reporter(self.host)(f"prompt blocked by a UserPromptSubmit hook: {prompt.reason}")
            return False
        self._add_user_input(self._input, first=True)
        for outcome in (start, prompt):
            for item in hook_calls.context_items(outcome) if outcome is not None else ():
                self._conversation.record(item)
        return True

    async def _sample_until_done(self) -> bool:
        """Model requests while tool calls or steered input need another; ``False`` when UserPromptSubmit
        hooks blocked all the steered input waiting for the next request (the turn then ends, as Codex's)."""
        while await self._take_steered():
            if not (await self._sample() or self._pending):
                return True
        return False

    async def _take_steered(self) -> bool:
        """Record the steered input waiting for the next request, each after its UserPromptSubmit hooks
        (Codex's ``inspect_pending_input``): an accepted one is recorded with the hooks' context after it; a
        blocked one is not, the user is told the reason and its context is still recorded. Returns
        ``False`` when some was blocked and none accepted."""
        accepted = blocked = False
        while self._pending:
            items = self._pending.pop(0)
            outcome = await hook_calls.user_prompt_submit(self._ctx.hooks, self.host, preview_text(items))
            if outcome is not None and outcome.blocked:
                blocked = True
                hook_calls.reporter(self.host)(f"steered input blocked by a UserPromptSubmit hook: {outcome.reason}")
            else:
                accepted = True
                self._add_user_input(items)
            for item in hook_calls.context_items(outcome) if outcome is not None else ():
                self._conversation.record(item)
        return accepted or not blocked

    async def _stop_hook_continues(self) -> bool:
        """Stop hooks, when the model answered without a tool call: a block records its reason as the next
        user message and the turn samples again (``stop_hook_active`` is then true)."""
        outcome = await hook_calls.stop(
            self._ctx.hooks, self.host, self._stop_continued, self._conversation.last_assistant_text()
        )
        if outcome is None or not outcome.blocked or not outcome.reason:
            return False
        self._stop_continued = True
        self._conversation.record(message("user", outcome.reason))
        return True

    def _announce_start(self) -> None:
        self._started = True
        self._conversation.record_event({"type": "turn_started", "turn_id": self.turn.id})
        self._ctx.emit(TurnStarted(self._ctx.thread_id, self.turn.model_copy(deep=True)))

    def finish_unstarted(self) -> None:
        """Close a turn whose task was cancelled before :meth:`run` took its first step: it is still
        announced and completed as ``interrupted`` (surfaces wait for ``TurnCompleted``). No-op once
        the turn started."""
        if self._started:
            return
        self._announce_start()
        self._finish(TurnStatus.INTERRUPTED, None)

    def _add_user_input(self, input_items: list[InputItem], *, first: bool = False) -> None:
        item = user_message(input_items, self._ctx.cwd, self._ctx.workspace.fs)
        text = preview_text(input_items)
        if first:
            self._conversation.begin_turn(self.turn.id, item, text)
        else:
            self._conversation.record_user_input(self.turn.id, item, text)
        for injected in skill_injections(self._ctx.config, input_items, self._conversation.history):
            self._conversation.record(injected)  # <skill> blocks, once per thread (tandem.skills.inject)
        user_item = UserMessageItem(id=self.host.new_item_id(), content=input_items)
        self.host.item_started(user_item)
        self.host.item_completed(user_item)

    def _finish(self, status: TurnStatus, error: str | None, code: TurnErrorCode | None = None) -> Turn:
        self.host.complete_plan()
        turn = self.turn
        turn.status = status
        turn.error = TurnError(message=error, code=code) if error else None
        turn.usage = to_usage(self._usage)
        if self.host.turn_diff:  # what the turn's last diffUpdated showed, for a resumed transcript
            self._conversation.record_event({"type": "turn_diff", "turn_id": turn.id, "diff": self.host.turn_diff})
        self._conversation.record_event({"type": "turn_completed", "turn": dump(turn)})
        self._ctx.emit(TurnCompleted(self._ctx.thread_id, turn.model_copy(deep=True)))
        return turn

    async def _abort(self) -> None:
        if self._scheduler is not None:
            await self._scheduler.cancel_and_record()
        self._pending.clear()
        self._conversation.answer_missing_calls("aborted")
        self._conversation.record(message("user", TURN_ABORTED_MARKER))

    async def _compact(self, reason: str) -> None:
        """Replace the history with a handoff summary, shown to the user as a contextCompaction item."""
        ctx, conversation = self._ctx, self._conversation
        item = ContextCompactionItem(id=self.host.new_item_id())
        self.host.item_started(item)
        summary = await summarize(ctx.client, conversation.build_request(ctx.config, self._tools), ctx.retry)
        conversation.replace_history(
            replacement_history(ctx.config, conversation.history, summary), "compaction", summary
        )
        item.summary = summary
        conversation.record_event({"type": "context_compacted", "turn_id": self.turn.id, "reason": reason})
        self.host.item_completed(item)
        self._emit_usage(TokenUsage())

    async def _sample(self) -> bool:
        """One model request with retries; returns whether tool calls were made (so another follows)."""
        self._guard.before_request()  # raises TurnLimitError once a turn guard trips
        if self._conversation.needs_compaction():
            await self._compact("auto")
        retry = self._ctx.retry
        retries = 0
        compacted_for_overflow = False
        while True:
            assembler = ResponseAssembler(self.host)
            try:
                return await self._stream_once(assembler)
            except ContextWindowExceededError:
                if compacted_for_overflow:
                    raise
                compacted_for_overflow = True  # the provider says it overflowed: compact, then try again
                await self._compact("overflow")
            except ModelError as exc:
                delay = retry.next_delay(exc, retries)
                if delay is None:
                    raise
                retries += 1
                log.info("turn %s: model request failed (%s); retry %d in %.1f s", self.turn.id, exc, retries, delay)
                self._ctx.emit(
                    StreamRetrying(
                        self._ctx.thread_id,
                        self.turn.id,
                        retries,
                        retry.budget_for(exc),
                        delay,
                        str(exc),
                        discarded_item_ids=assembler.discarded_ids(),
                        code=turn_error_code(exc),
                    )
                )
                await asyncio.sleep(delay)

    async def _stream_once(self, assembler: ResponseAssembler) -> bool:
        """One streamed response (:mod:`tandem.agent.response_stream`). On a broken stream, calls that
        completed already ran or are running: they are finished and recorded so the retried request
        carries them, while held messages are dropped. On an interrupt, what the user saw complete
        stays in the conversation."""
        ctx = self._ctx
        scheduler = self._scheduler = ToolScheduler(self.host, self._tools, self._guard, ctx.hooks)
        try:
            request = self._conversation.build_request(ctx.config, self._tools, ctx.output_schema)
            async for event in ctx.client.stream(request):
                if isinstance(event, ResponseCompleted):
                    self._on_usage(event.usage)
                elif (call := assembler.feed(event)) is not None:
                    scheduler.submit(call)
        except asyncio.CancelledError:
            assembler.release_held()
            raise
        except ModelError:
            assembler.discard()
            await scheduler.finish_and_record()
            raise
        assembler.release_held()
        await scheduler.finish_and_record()
        await self.host.sync_checkpoint(final=False)
        return scheduler.had_calls

    def _on_usage(self, usage: TokenUsage) -> None:
        self._usage = self._usage + usage
        self._conversation.add_usage(usage)
        self._emit_usage(usage)

    def _emit_usage(self, usage: TokenUsage) -> None:
        conversation = self._conversation
        context, window = conversation.context_tokens(), conversation.budget.window
        last, total = to_usage(usage), to_usage(conversation.total_usage)
        conversation.record_event(
            {
                "type": "token_count",
                "turn_id": self.turn.id,
                "last": dump(last),
                "total": dump(total),
                "context_tokens": context,
                "context_window": window,
            }
        )
        self._ctx.emit(TokenUsageUpdated(self._ctx.thread_id, self.turn.id, last, total, window, context))
