"""Enumerations shared by the wire protocol, the configuration and the agent loop.

Values are the strings sent on the wire (camelCase for Tandem's protocol, Codex's spelling for
the values Codex also has: ``on-request``, ``workspace-write`` ...).
"""

from __future__ import annotations

from enum import StrEnum


class ApprovalPolicy(StrEnum):
    """When the user is asked before a tool call runs (Codex's ``approval_policy``)."""

    UNTRUSTED = "untrusted"
    ON_REQUEST = "on-request"
    NEVER = "never"


class SandboxMode(StrEnum):
    """What commands may touch (Codex's ``sandbox_mode``)."""

    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


class ReasoningEffort(StrEnum):
    """How hard a reasoning model thinks (Codex's ``model_reasoning_effort`` values)."""

    NONE = "none"
    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    XHIGH = "xhigh"


class ApprovalDecision(StrEnum):
    """A user's answer to an approval request (docs/architecture.md, ``tandem/requestApproval``)."""

    ACCEPT = "accept"
    ACCEPT_FOR_SESSION = "acceptForSession"
    ACCEPT_WITH_PREFIX_RULE = "acceptWithPrefixRule"
    ACCEPT_ALWAYS = "acceptAlways"
    DECLINE = "decline"
    CANCEL = "cancel"


class HunkSpanStatus(StrEnum):
    """Whether a hunk is in a ``tandem/change/preview`` text: its new lines (``included``) or its
    old lines (``excluded``)."""

    INCLUDED = "included"
    EXCLUDED = "excluded"


class HunkReviewState(StrEnum):
    """Review state of one hunk of an applied change (``tandem/change/updated``): ``pending`` until
    the user keeps it (``accepted``) or undoes it (``rejected``)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class UndoAction(StrEnum):
    """What changed a turn's files from its checkpoint (``tandem/turn/undone``)."""

    UNDO = "undo"
    REDO = "redo"


class ApprovalKind(StrEnum):
    """What an approval request is about."""

    COMMAND = "command"
    FILE_CHANGE = "fileChange"
    NETWORK = "network"
    MCP_TOOL_CALL = "mcpToolCall"


class ItemStatus(StrEnum):
    """Lifecycle of a tool item (command, file change, MCP call)."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"
    DECLINED = "declined"


class McpServerState(StrEnum):
    """Where one configured MCP server stands (``tandem/mcp/status``): ``starting`` until it answered
    ``initialize`` and listed its tools (``ready``) or could not (``failed``, with the reason);
    ``disabled`` when its config says ``enabled = false``."""

    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    DISABLED = "disabled"


class TurnStatus(StrEnum):
    """How a turn ended (``inProgress`` while it runs)."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class TurnErrorCode(StrEnum):
    """What kind of failure ended a turn (or is being retried), for a client to give advice without
    parsing messages: the provider's quota or billing (``quota``), rejected credentials (``auth``),
    a rate limit that outlasted the retries (``rateLimit``), the provider could not be reached or
    the stream broke (``connection``), the provider answered with a server error such as HTTP 500
    (``server``), the request is larger than the model's context window (``context``), a
    configuration problem (``config``), anything else (``other``)."""

    QUOTA = "quota"
    AUTH = "auth"
    RATE_LIMIT = "rateLimit"
    CONNECTION = "connection"
    SERVER = "server"
    CONTEXT = "context"
    CONFIG = "config"
    OTHER = "other"


class ChangeKind(StrEnum):
    """Kind of one file change."""

    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"
    MOVE = "move"


class PlanStepStatus(StrEnum):
    """Status of one ``update_plan`` step (Codex's values)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ProviderState(StrEnum):
    """Whether the server's configured model provider can be used (``tandem/provider/status``).

    ``ready``: configured, with the key it needs (or none needed); ``missingKey``: the provider needs
    an API key and its ``env_key`` variable is not set; ``configError``: the configuration itself is
    unusable (an unknown provider, a preset without its ``base_url``, invalid ``config.toml``).
    """

    READY = "ready"
    MISSING_KEY = "missingKey"
    CONFIG_ERROR = "configError"
