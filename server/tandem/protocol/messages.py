"""Params and results of Tandem's custom LSP methods (docs/architecture.md, "The custom LSP protocol").

Modelled on Codex's app-server v2 (thread / turn / item) and carried over LSP; every name here
is camelCase on the wire. Method names are in :mod:`tandem.protocol.methods`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from tandem.protocol.enums import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalPolicy,
    ChangeKind,
    HunkSpanStatus,
    ProviderState,
    ReasoningEffort,
    SandboxMode,
    TurnErrorCode,
)
from tandem.protocol.items import InputItem, Item, PlanStep, ThreadInfo, Turn, Usage, WireModel


class NullKeepingModel(WireModel):
    """A wire type whose required fields are sent even when ``null`` (``dump`` leaves out every other
    ``None``): ``oldText: null`` says "no text before" (an added file), not "not sent"."""

    @model_serializer(mode="wrap")
    def _keep_required_nulls(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name, field in type(self).model_fields.items():
                if field.is_required() and getattr(self, name) is None:
                    data.setdefault(field.alias if info.by_alias and field.alias else name, None)
        return data


# --- client -> server requests ---------------------------------------------------------------


class ThreadStartParams(WireModel):
    """``tandem/thread/start``: a new thread; unset fields come from the configuration."""

    cwd: str | None = None
    model: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None


class ThreadResult(WireModel):
    """Result of ``thread/start`` and ``thread/fork``."""

    thread: ThreadInfo


class ThreadListParams(WireModel):
    """``tandem/thread/list``: recorded threads, newest first."""

    limit: int = Field(default=50, ge=1, le=1000)


class ThreadListResult(WireModel):
    """Result of ``thread/list``."""

    threads: list[ThreadInfo]


class ThreadResumeParams(WireModel):
    """``tandem/thread/resume``: load a recorded thread (also after a server restart)."""

    thread_id: str


class ResumedTurn(Turn):
    """One turn of a resumed thread as the live stream showed it: its id, status, error and usage
    (as ``tandem/turn/completed`` had them; ``inProgress`` for a turn still running), the ids of its
    transcript items (in ``items`` order) and its last ``tandem/turn/diffUpdated`` diff."""

    item_ids: list[str] = Field(default_factory=list)
    diff: str = ""


class ThreadResumeResult(WireModel):
    """The thread and the items of its transcript, oldest first (in the order they started, as the
    live stream showed them); ``turns``: its turns, oldest first; ``token_usage``: the last
    ``tandem/thread/tokenUsage`` of the thread (absent before its first model response)."""

    thread: ThreadInfo
    items: list[Item]
    turns: list[ResumedTurn] = Field(default_factory=list)
    token_usage: TokenUsageNotification | None = None


class ThreadForkParams(WireModel):
    """``tandem/thread/fork``: a new thread with the history up to ``turn_id`` (inclusive; default all)."""

    thread_id: str
    turn_id: str | None = None


class ThreadCompactParams(WireModel):
    """``tandem/thread/compact``: compact the conversation now (``/compact``), as a turn of its own."""

    thread_id: str


class ThreadRollbackParams(WireModel):
    """``tandem/thread/rollback``: drop the last ``turns`` turns from the conversation (files untouched)."""

    thread_id: str
    turns: int = Field(default=1, ge=1)


class ThreadRollbackResult(WireModel):
    """How many turns were dropped."""

    removed_turns: int


class TurnStartParams(WireModel):
    """``tandem/turn/start``: returns at once; the turn's events follow as notifications.

    ``model``, ``effort``, ``approval_policy`` and ``sandbox_mode`` override the thread's settings
    from this turn on (they stay for its later turns, as Codex app-server v2's ``turn/start``).
    """

    thread_id: str
    input: list[InputItem] = Field(min_length=1)
    model: str | None = Field(default=None, min_length=1)
    effort: ReasoningEffort | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None


class TurnResult(WireModel):
    """Result of ``turn/start`` (and ``thread/compact``); ``thread``: the thread's info with the
    overrides applied and its name (``preview``) set from the first prompt."""

    turn: Turn
    thread: ThreadInfo | None = None


class TurnInterruptParams(WireModel):
    """``tandem/turn/interrupt``."""

    thread_id: str
    turn_id: str | None = None


class TurnSteerParams(WireModel):
    """``tandem/turn/steer``: queue input into the running turn (sent with the next model request)."""

    thread_id: str
    input: list[InputItem] = Field(min_length=1)


class ChangeDecisionParams(WireModel):
    """``tandem/change/accept`` and ``tandem/change/reject``: a pending change, or some of its hunks."""

    thread_id: str
    change_id: str
    hunk_ids: list[str] | None = None


class UndoParams(WireModel):
    """``tandem/undo``: revert what a turn changed — apply_patch edits and shell commands' changes —
    from its checkpoint (default: the newest turn not undone yet). Works for threads that are not
    loaded and after a server restart."""

    thread_id: str
    turn_id: str | None = None


class RedoParams(WireModel):
    """``tandem/redo``: undo the thread's newest undo."""

    thread_id: str


class KeptFile(WireModel):
    """A file an undo or redo left (partly) as it is: ``reason`` is ``"edited since"`` when the
    user (or a later turn) changed the same lines, ``"unreadable"`` when it could not be read."""

    path: str
    reason: str


class UndoResult(WireModel):
    """Result of ``tandem/undo`` and ``tandem/redo``.

    ``checkpointId``: the checkpoint entry reverted; ``turnId``: its turn; ``restored``: files now
    as they were before (paths relative to the thread's cwd); ``kept``: files left alone, wholly or
    in the hunks the user edited since.
    """

    checkpoint_id: str
    turn_id: str
    restored: list[str] = Field(default_factory=list)
    kept: list[KeptFile] = Field(default_factory=list)


class ChangePreviewParams(WireModel):
    """``tandem/change/preview``: the files of a pending file-change approval (``request_id``, the
    ``tandem/requestApproval`` still unanswered) as they would be with only ``accepted_hunk_ids`` applied."""

    thread_id: str
    request_id: str
    accepted_hunk_ids: list[str]


class ChangeReadParams(WireModel):
    """``tandem/change/read``: the texts before and after an applied change (``change_id`` = the id
    of its ``fileChange`` item)."""

    thread_id: str
    change_id: str


class ReviewResult(WireModel):
    """Result of ``change/accept`` and ``change/reject``.

    ``done``: hunk ids the action applied to; ``kept``: hunk ids left alone because the user edited
    them since the agent wrote them.
    """

    done: list[str]
    kept: list[str] = Field(default_factory=list)


class ModelListParams(WireModel):
    """``tandem/model/list``: the models a picker offers; ``thread_id`` names the thread whose model
    is ``current`` (default: the configuration's)."""

    thread_id: str | None = None


class ModelInfo(WireModel):
    """One model of the catalogue (``server/tandem/model/catalog.py``): ``efforts`` lists the
    reasoning efforts it takes when ``supports_reasoning_effort``; ``context_window`` in tokens."""

    id: str
    display_name: str
    supports_reasoning_effort: bool
    efforts: list[ReasoningEffort] | None = None
    default_effort: ReasoningEffort | None = None
    context_window: int | None = None


class ModelListResult(WireModel):
    """Result of ``tandem/model/list``: models for the configured provider (the current one first
    when the catalogue does not know it), the current model and effort, the provider, and the
    approval policy and sandbox mode a turn would run with (the thread's, or the configuration's)."""

    models: list[ModelInfo]
    current: str
    current_effort: str | None = None
    provider: str
    provider_name: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None


class EmptyResult(WireModel):
    """A result with nothing to say."""


# --- provider setup (the editor's first-run view) --------------------------------------------


class ProviderPreset(WireModel):
    """A model provider every install knows (``server/tandem/providers.py``'s presets), as a setup view
    offers it.

    ``base_url`` is empty for a preset whose URL only the user knows (``azure``); ``env_key`` is the
    environment variable the key is read from (``None``: the provider sends no key);
    ``wire_api`` is ``responses``, ``chat`` or ``anthropic``; ``default_model`` is the model the
    server uses with this provider when none is configured.
    """

    id: str
    name: str
    base_url: str
    env_key: str | None = None
    requires_key: bool = False
    wire_api: str
    default_model: str
    env_key_instructions: str | None = None


class ProviderStatusParams(WireModel):
    """``tandem/provider/status``: whether the configured provider can be used (no network request)."""


class ProviderStatusResult(WireModel):
    """Result of ``tandem/provider/status``.

    ``provider``, ``model``, ``base_url``, ``env_key`` and ``key_set`` describe the resolved
    configuration (absent on ``configError``); ``error`` says what is missing (the server's own
    message, never a key); ``presets`` lists the providers a setup view offers, in display order.
    """

    state: ProviderState
    provider: str | None = None
    provider_name: str | None = None
    model: str | None = None
    base_url: str | None = None
    env_key: str | None = None
    key_set: bool = False
    error: str | None = None
    presets: list[ProviderPreset] = Field(default_factory=list)


class ProviderTestParams(WireModel):
    """``tandem/provider/test``: probe a provider as ``tandem doctor`` does (``GET {base_url}/models`` with
    its credentials, then the wire API's endpoint with an empty body). Unset fields come from the
    server's configuration; ``base_url`` and ``wire_api`` override the provider's. The key is read from
    the server's environment (the provider's ``env_key`` variable), never sent in the request."""

    provider: str | None = None
    base_url: str | None = None
    model: str | None = None
    wire_api: str | None = None


class ProviderTestResult(WireModel):
    """Result of ``tandem/provider/test`` (``tandem/model/probe.py``'s ``ProbeResult``).

    ``ok``: the models endpoint answered 2xx and the wire API's endpoint exists. ``status`` is the
    models endpoint's HTTP status (absent when nothing answered); ``models`` the ids it listed;
    ``model_listed`` whether ``model`` is among them (absent when there is no list); ``error`` and
    ``hint`` say what failed and what to try (redacted: no key ever appears).
    """

    ok: bool
    provider: str
    provider_name: str
    url: str
    model: str
    status: int | None = None
    models: list[str] = Field(default_factory=list)
    model_listed: bool | None = None
    key_var: str | None = None
    key_set: bool = False
    error: str | None = None
    hint: str | None = None
    elapsed_ms: float = 0.0


# --- server -> client ------------------------------------------------------------------------


class HunkInfo(WireModel):
    """One hunk of a proposed file change."""

    id: str
    header: str
    diff: str


class ChangeProposal(NullKeepingModel):
    """One file of a proposed change.

    ``old_text``: the file's whole text before the change, as the patch was planned against it (the
    open buffer's text in the editor); null for an added file. ``new_text``: the whole text after,
    every hunk applied; null for a deleted file. A move's ``new_text`` is the text at ``move_path``.
    """

    path: str
    kind: ChangeKind
    diff: str
    hunks: list[HunkInfo]
    move_path: str | None = None
    old_text: str | None
    new_text: str | None


class HunkSpan(WireModel):
    """Where one hunk of a :class:`FilePreview` stands in its ``text`` (0-based lines).

    ``start_line``: the first line of the hunk's new lines when ``included``, of its old lines when
    ``excluded``; ``line_count``: how many lines of ``text`` that is (0 for a hunk that only removes
    lines, when included, or only adds lines, when excluded; ``start_line`` is then the line the
    change goes before). The hunk's context lines (the 3 unchanged lines around it in ``diff``)
    are not counted: the span is the changed lines, from the first to the last.
    """

    id: str
    status: HunkSpanStatus
    start_line: int
    line_count: int


class FilePreview(NullKeepingModel):
    """One file of a ``tandem/change/preview`` result.

    ``text``: the file as it would be with only the accepted hunks applied ("" when the file would
    not exist: an added file with its hunk excluded, a deleted file with it included); ``old_text``:
    as in :class:`ChangeProposal`; ``hunks``: every hunk of the file, in file order.
    """

    path: str
    move_path: str | None = None
    kind: ChangeKind
    old_text: str | None
    text: str
    hunks: list[HunkSpan]


class ChangePreviewResult(WireModel):
    """Result of ``tandem/change/preview``: one entry per file of the approval request, in its order."""

    files: list[FilePreview]


class ChangedFile(NullKeepingModel):
    """One file of an applied change: its text before (null: the change added it) and after (null:
    the change deleted it); paths relative to the thread's cwd when inside it, as in the item."""

    path: str
    move_path: str | None = None
    kind: ChangeKind
    old_text: str | None
    new_text: str | None


class ChangeReadResult(WireModel):
    """Result of ``tandem/change/read``: the files of the change, in the item's order."""

    files: list[ChangedFile]


class McpApprovalDetails(WireModel):
    """What an ``mcpToolCall`` approval is about: the ``server``, the raw ``tool`` name, its ``title``
    (when the server gives one), the ``arguments``, and the ``decisions`` the client may offer:
    ``accept``, ``acceptForSession`` ("Allow for this session"), ``acceptAlways`` ("Always allow":
    writes ``approval_mode = "approve"`` for the tool), ``decline``, ``cancel`` (Codex's;
    docs/reference-facts.md §12; a tool with ``approval_mode = "prompt"`` offers no remembering)."""

    server: str
    tool: str
    title: str | None = None
    arguments: Any | None = None
    decisions: list[ApprovalDecision] = Field(default_factory=list)


class RequestApprovalParams(WireModel):
    """``tandem/requestApproval`` (server -> client request); ``request_id`` is its JSON-RPC id, the one
    ``tandem/serverRequest/resolved`` names later."""

    request_id: str
    thread_id: str
    turn_id: str
    item_id: str
    kind: ApprovalKind
    command: str | None = None
    cwd: str | None = None
    reason: str | None = None
    changes: list[ChangeProposal] | None = None
    prefix_rule: list[str] | None = None
    mcp: McpApprovalDetails | None = None


class RequestApprovalResult(WireModel):
    """The client's answer; ``accepted_hunk_ids`` narrows a file-change accept to some hunks."""

    decision: ApprovalDecision
    accepted_hunk_ids: list[str] | None = None


class TurnNotification(WireModel):
    """``tandem/turn/started`` and ``tandem/turn/completed``."""

    thread_id: str
    turn: Turn


class ItemNotification(WireModel):
    """``tandem/item/started``, ``tandem/item/updated`` and ``tandem/item/completed``."""

    thread_id: str
    turn_id: str
    item: Item


class DeltaNotification(WireModel):
    """``tandem/item/agentMessageDelta``, ``reasoningDelta`` and ``commandOutputDelta``."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class PlanUpdatedNotification(WireModel):
    """``tandem/turn/planUpdated``."""

    thread_id: str
    turn_id: str
    plan: list[PlanStep]
    explanation: str | None = None


class DiffUpdatedNotification(WireModel):
    """``tandem/turn/diffUpdated``: the unified diff of everything the turn changed so far."""

    thread_id: str
    turn_id: str
    diff: str


class TokenUsageNotification(WireModel):
    """``tandem/thread/tokenUsage``: ``used`` is the thread's total; ``last`` the latest response;
    ``context_tokens`` the estimated size of the conversation now (compare with ``context_window``)."""

    thread_id: str
    used: Usage
    last: Usage
    context_window: int | None = None
    context_tokens: int | None = None


class StreamRetryNotification(WireModel):
    """``tandem/turn/streamRetry``: a model request failed and will be retried; ``code`` says what kind
    of failure (``server`` for an HTTP 5xx, ``connection`` for a broken stream or an unreachable
    provider, ``rateLimit`` for HTTP 429, ...)."""

    thread_id: str
    turn_id: str
    attempt: int
    max_attempts: int
    delay_ms: int
    message: str
    discarded_item_ids: list[str] = Field(default_factory=list)
    code: TurnErrorCode | None = None


class ServerRequestResolvedNotification(WireModel):
    """``tandem/serverRequest/resolved``: an approval request was answered or withdrawn."""

    thread_id: str
    request_id: str


class TandemServerCapabilities(WireModel):
    """What the server announces in its ``initialize`` result as ``capabilities.experimental.tandem``:
    the protocol ``version`` and the chat ``slash_commands`` it supports (names without the slash,
    e.g. ``compact``); a client offers no other slash commands. Built without pydantic by
    :mod:`tandem.lsp.server` (``initialize`` is answered before pydantic is imported); this model is
    its schema."""

    version: int
    slash_commands: list[str]
