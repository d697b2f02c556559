"""Tandem's one error hierarchy.

Every error Tandem raises on purpose derives from :class:`TandemError`. Each class knows

* ``jsonrpc_code`` – the JSON-RPC 2.0 error code used when the error crosses the LSP wire
  (``-32602`` InvalidParams, ``-32603`` InternalError, ``-32000..-32099`` server-defined);
* ``retryable`` – whether the model layer's retry policy may try the operation again.

Foreign exceptions (``httpx.HTTPError``, ``OSError``, ``json.JSONDecodeError``) are wrapped in
one of these before they leave the package that caught them, so callers only ever handle ours.

One signal stands outside the hierarchy on purpose: :class:`TurnCancelledError` (the user's
"cancel" at an approval) derives from :class:`asyncio.CancelledError`, so no ``except TandemError``
can turn a cancel into an ordinary error.
"""

from __future__ import annotations

import asyncio
from enum import IntEnum


class JsonRpcCode(IntEnum):
    """JSON-RPC 2.0 error codes (spec §5.1) plus Tandem's server-defined range."""

    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    # server-defined: -32000 to -32099
    NOT_FOUND = -32001
    CONFLICT = -32002
    MODEL_ERROR = -32003
    CONFIG_ERROR = -32004
    BUSY = -32005
    CHECKPOINT_ERROR = -32006


class TandemError(Exception):
    """Base class of every error Tandem raises on purpose.

    Args:
        message: a sentence a user can act on; it is shown as-is in the editor, in `tandem exec`
            output and (for tool errors) to the model.
    """

    jsonrpc_code: JsonRpcCode = JsonRpcCode.INTERNAL_ERROR
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- configuration --------------------------------------------------------------------------


class ConfigError(TandemError):
    """Bad or missing configuration (config.toml, `-c key=value`, CLI flags, environment)."""

    jsonrpc_code = JsonRpcCode.CONFIG_ERROR


class InvalidParamsError(TandemError):
    """A request's parameters do not validate; the message names the offending field."""

    jsonrpc_code = JsonRpcCode.INVALID_PARAMS


class NotFoundError(TandemError):
    """A thread, turn, session or change that does not exist."""

    jsonrpc_code = JsonRpcCode.NOT_FOUND


class WorkspaceGoneError(NotFoundError):
    """The folder a session was recorded in, or a checkpoint's changes belong to, no longer exists (deleted
    or moved): resume and undo say so and change nothing."""


class ConflictError(TandemError):
    """An edit or state change that would clobber something newer (e.g. a buffer version)."""

    jsonrpc_code = JsonRpcCode.CONFLICT


class BusyError(TandemError):
    """The target is busy (e.g. a turn is already running on the thread)."""

    jsonrpc_code = JsonRpcCode.BUSY


# --- model ----------------------------------------------------------------------------------


class ModelError(TandemError):
    """Anything that went wrong talking to the model provider."""

    jsonrpc_code = JsonRpcCode.MODEL_ERROR


class ModelTransportError(ModelError):
    """Connection refused/reset, DNS failure, TLS error or a read timeout before any response."""

    retryable = True


class ModelHTTPError(ModelError):
    """The provider answered with a non-2xx HTTP status.

    Args:
        status: the HTTP status code.
        message: a readable summary (the provider's error message when it sent one).
        retry_after: seconds to wait before retrying, from ``Retry-After`` or the message.
    """

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.retryable = status == 429 or status >= 500 or status == 408


class ModelAuthError(ModelError):
    """HTTP 401/403: the API key is missing, wrong, or lacks access. Never retried."""


class QuotaExceededError(ModelError):
    """The account is out of quota (`insufficient_quota`). Never retried: waiting won't help."""


class ContextWindowExceededError(ModelError):
    """The request is larger than the model's context window (`context_length_exceeded`)."""


class StreamError(ModelError):
    """The SSE stream broke: closed before its final event, went idle, or sent garbage.

    Args:
        message: what happened, e.g. "stream closed before response.completed".
        retry_after: seconds the server asked us to wait, when it said so.
    """

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StreamIdleTimeoutError(StreamError):
    """No SSE data arrived within the idle timeout."""


class ResponseFailedError(ModelError):
    """The provider reported ``response.failed`` (or an ``error`` event) inside the stream.

    Args:
        code: the provider's error code (e.g. ``server_error``, ``rate_limit_exceeded``).
        message: the provider's message.
        retry_after: seconds to wait, parsed from "try again in Ns" when present.
    """

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{message} ({code})" if code else message)
        self.code = code
        self.retry_after = retry_after
        self.retryable = (
            code in {"rate_limit_exceeded", "server_error", "server_is_overloaded", "slow_down", "internal_error"}
            or retry_after is not None
        )


# --- tools, patches, sessions ---------------------------------------------------------------


class ToolError(TandemError):
    """A tool call that cannot run as asked (bad arguments, unknown tool, refused by policy).

    The message goes back to the model as the tool's output; the turn continues.
    """


class PatchError(ToolError):
    """Base class of apply_patch errors; the message is written for the model to act on."""


class PatchParseError(PatchError):
    """The patch text does not follow the apply_patch grammar.

    Args:
        message: what is wrong.
        line_number: 1-based line of the patch text where parsing failed, when known.
    """

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(f"invalid patch: {message}" + (f" (line {line_number})" if line_number else ""))
        self.line_number = line_number


class PatchApplyError(PatchError):
    """The patch parsed but cannot be applied (missing file, context not found, binary file...)."""


class SandboxError(TandemError):
    """The sandbox could not be set up or a mode is unavailable on this machine."""


class SessionError(TandemError):
    """A rollout file that cannot be written or read back."""


class SessionInUseError(SessionError, BusyError):
    """Another Tandem process is writing the session's rollout (one writer per rollout)."""


class CheckpointError(SessionError):
    """The checkpoint store or a thread's checkpoint log cannot be read or written, an object in it is
    missing or damaged, or a file an undo/redo must write cannot be written; the message names the
    path and the operating system's reason (:mod:`tandem.checkpoints` wraps every ``OSError`` in it).
    """

    jsonrpc_code = JsonRpcCode.CHECKPOINT_ERROR


class TurnLimitError(TandemError):
    """A turn guard stopped the turn: too many model requests or tool calls, or the same call repeated in
    a row (:mod:`tandem.agent.turn_limits`); the message names the limit and its config key."""


class McpError(TandemError):
    """An MCP server failed: it did not start, its connection closed, a request timed out or it answered
    with a protocol error. The message names the server and the reason (:mod:`tandem.mcp` wraps the
    SDK's and the operating system's exceptions in it)."""


class McpStartupError(McpError):
    """An MCP server could not be started and initialised within its ``startup_timeout_sec``."""


class McpConnectionClosedError(McpError):
    """An MCP server's connection closed (a stdio server exited) while Tandem needed it."""


class ApprovalError(TandemError):
    """The approval round trip failed (client gone, malformed reply)."""


class TurnCancelledError(asyncio.CancelledError):
    """The user chose "cancel" at an approval prompt: the turn stops as interrupted.

    Deliberately *outside* :class:`TandemError`: it derives from :class:`asyncio.CancelledError`
    (a ``BaseException``), so an ``except TandemError`` (or ``except Exception``) around a tool or an
    approval can never swallow the user's cancel; the turn handles it like an interrupt. A task that
    raises it ends *cancelled* (``task.cancelled()`` is true).

    Args:
        message: what to tell the user (shown nowhere today; kept for logs).
    """

    def __init__(self, message: str = "the user cancelled the turn") -> None:
        super().__init__(message)
        self.message = message
