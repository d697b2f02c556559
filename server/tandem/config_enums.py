"""Enumerations of the configuration only (``config.toml`` keys and provider tables); none crosses the wire.

Values are the strings written in ``config.toml`` (Codex's spelling where Codex has the key).
The enums the protocol also carries (``ApprovalPolicy``, ``SandboxMode``) live in
:mod:`tandem.protocol.enums`.
"""

from __future__ import annotations

from enum import StrEnum


class WireApi(StrEnum):
    """Which HTTP API a provider speaks."""

    RESPONSES = "responses"
    CHAT = "chat"
    ANTHROPIC = "anthropic"


class CheckpointMode(StrEnum):
    """What a turn's checkpoint covers (``checkpoints`` in config.toml).

    ``workspace``: the files apply_patch edits plus a scan of the workspace, so changes made by
    shell commands are in the turn diff and can be undone (default); ``edits``: only apply_patch
    edits; ``off``: no checkpoints (``/undo`` then has nothing to revert).
    """

    WORKSPACE = "workspace"
    EDITS = "edits"
    OFF = "off"


class ApplyPatchToolType(StrEnum):
    """How apply_patch is offered: a freeform (custom, grammar-constrained) tool or a JSON function."""

    FREEFORM = "freeform"
    FUNCTION = "function"


class AuthScheme(StrEnum):
    """How a provider's API key is sent (``auth_scheme`` in a ``[model_providers.x]`` table).

    ``bearer``: ``Authorization: Bearer <key>`` (OpenAI and every OpenAI-compatible server);
    ``api-key``: ``api-key: <key>`` (Azure OpenAI); ``x-api-key``: ``x-api-key: <key>`` (Anthropic).
    """

    BEARER = "bearer"
    API_KEY_HEADER = "api-key"
    X_API_KEY = "x-api-key"
