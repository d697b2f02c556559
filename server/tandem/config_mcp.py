"""The ``[mcp_servers.<name>]`` tables of ``config.toml``: their schema, validation and resolved form.

Keys are Codex's (docs/reference-facts.md §12):

* stdio: ``command``, ``args``, ``env`` (values given), ``env_vars`` (names passed on from our
  environment), ``cwd``;
* streamable HTTP: ``url``, ``bearer_token_env_var``, ``http_headers``, ``env_http_headers``
  (header name -> variable name);
* both: ``startup_timeout_sec`` (default 30; ``startup_timeout_ms`` is Codex's older spelling),
  ``tool_timeout_sec`` (default 120), ``enabled`` (default true), ``required`` (default false),
  ``enabled_tools`` / ``disabled_tools`` (raw MCP tool names; the allow-list first, then the
  deny-list), ``[mcp_servers.<name>.tools.<tool>] approval_mode = "auto" | "prompt" | "approve"``.
  ``scopes`` and ``oauth_resource`` (Codex's OAuth login) are accepted and unused; ``name`` is a
  legacy display name, ignored as in Codex.

A key of the other transport is refused as in Codex ("url is not supported for stdio"); so is a
``bearer_token`` written in the file, with a message pointing at ``bearer_token_env_var`` (a
secret in config.toml ends up in backups and dotfile repositories). Unknown keys are refused
(Codex's ``deny_unknown_fields``). A server name must match ``^[A-Za-z0-9_-]+$``, as in Codex
(docs/reference-facts.md §12).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from tandem.errors import ConfigError

DEFAULT_STARTUP_TIMEOUT_S = 30.0
"""Seconds a server has to start and list its tools (Codex: ``DEFAULT_STARTUP_TIMEOUT``)."""

DEFAULT_TOOL_TIMEOUT_S = 120.0
"""Seconds one tool call may take (Codex: ``DEFAULT_TOOL_TIMEOUT``)."""

SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

_STDIO_KEYS = frozenset({"command", "args", "env", "env_vars", "cwd"})
_HTTP_KEYS = frozenset({"url", "bearer_token_env_var", "http_headers", "env_http_headers"})
_SHARED_KEYS = frozenset(
    {
        "startup_timeout_sec",
        "startup_timeout_ms",
        "tool_timeout_sec",
        "enabled",
        "required",
        "enabled_tools",
        "disabled_tools",
        "scopes",
        "oauth_resource",
        "name",
        "tools",
    }
)


class ToolApprovalMode(StrEnum):
    """``approval_mode`` of one MCP tool (Codex's ``AppToolApproval``).

    ``auto``: the tool's annotations decide (a ``readOnlyHint`` tool runs without asking);
    ``prompt``: always ask, and never remember the answer; ``approve``: never ask.
    """

    AUTO = "auto"
    PROMPT = "prompt"
    APPROVE = "approve"


class McpTransport(StrEnum):
    """How Tandem talks to a server (the ``type`` of ``tandem mcp list --json``, Codex's names)."""

    STDIO = "stdio"
    STREAMABLE_HTTP = "streamable_http"


@dataclass(frozen=True, slots=True)
class StdioServer:
    """A server Tandem starts as a child process and talks to over its stdin/stdout.

    Attributes:
        command: the program (looked up on ``PATH``).
        args: its arguments.
        env: variables set for it (value given in the config).
        env_vars: names of variables passed on from Tandem's environment.
        cwd: where it runs (``None``: the thread's working directory).
    """

    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    env_vars: tuple[str, ...] = ()
    cwd: Path | None = None


@dataclass(frozen=True, slots=True)
class HttpServer:
    """A streamable-HTTP server at ``url``.

    Attributes:
        bearer_token_env_var: the variable whose value is sent as ``Authorization: Bearer <value>``.
        http_headers: headers sent as given.
        env_http_headers: header name -> the variable holding its value (unset or blank: not sent).
    """

    url: str
    bearer_token_env_var: str | None = None
    http_headers: tuple[tuple[str, str], ...] = ()
    env_http_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class McpServerConfig:
    """One configured MCP server, validated.

    Attributes:
        name: the table's name (``[mcp_servers.<name>]``).
        transport: stdio or streamable HTTP.
        enabled: ``false`` skips the server.
        required: a server that fails to start fails the thread (exec exits 1), as in Codex.
        startup_timeout_s, tool_timeout_s: seconds.
        enabled_tools: the allow-list of raw tool names (``None``: every tool).
        disabled_tools: raw tool names removed after ``enabled_tools``.
        tool_approvals: raw tool name -> its ``approval_mode``.
        source: the config file that defines the server (where "Always allow" is written), or
            ``None`` when only ``-c`` overrides do.
    """

    name: str
    transport: StdioServer | HttpServer
    enabled: bool = True
    required: bool = False
    startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S
    tool_timeout_s: float = DEFAULT_TOOL_TIMEOUT_S
    enabled_tools: tuple[str, ...] | None = None
    disabled_tools: tuple[str, ...] = ()
    tool_approvals: tuple[tuple[str, ToolApprovalMode], ...] = ()
    source: Path | None = field(default=None, compare=False)

    @property
    def kind(self) -> McpTransport:
        """Which transport the server uses."""
        return McpTransport.STDIO if isinstance(self.transport, StdioServer) else McpTransport.STREAMABLE_HTTP

    def allows(self, tool: str) -> bool:
        """Whether raw tool name ``tool`` is offered (Codex: ``ToolFilter::allows``)."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools

    def approval_mode(self, tool: str) -> ToolApprovalMode:
        """The ``approval_mode`` configured for raw tool name ``tool`` (default ``auto``)."""
        return dict(self.tool_approvals).get(tool, ToolApprovalMode.AUTO)


def _fail(name: str, message: str) -> ConfigError:
    return ConfigError(f"invalid configuration: [mcp_servers.{name}]: {message}")


def _string(name: str, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise _fail(name, f"{key} must be a string")
    return value


def _strings(name: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(name, f"{key} must be a list of strings")
    return tuple(value)


def _table(name: str, key: str, value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise _fail(name, f"{key} must be a table of strings")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _seconds(name: str, key: str, value: object, scale: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise _fail(name, f"{key} must be a positive number")
    return float(value) * scale


def _flag(name: str, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, f"{key} must be true or false")
    return value


def _approvals(name: str, value: object) -> tuple[tuple[str, ToolApprovalMode], ...]:
    if not isinstance(value, Mapping):
        raise _fail(name, "tools must be a table of [mcp_servers.<name>.tools.<tool>] tables")
    modes: list[tuple[str, ToolApprovalMode]] = []
    for tool, table in sorted(value.items()):
        if not isinstance(table, Mapping) or set(table) - {"approval_mode"}:
            raise _fail(name, f"tools.{tool}: only approval_mode is supported")
        raw = table.get("approval_mode", ToolApprovalMode.AUTO.value)
        try:
            modes.append((str(tool), ToolApprovalMode(raw)))
        except ValueError:
            raise _fail(name, f'tools.{tool}.approval_mode must be "auto", "prompt" or "approve"') from None
    return tuple(modes)


def _transport(name: str, raw: Mapping[str, Any]) -> StdioServer | HttpServer:
    if "bearer_token" in raw:
        raise _fail(
            name,
            "bearer_token is not supported: do not write the token in config.toml; put it in an environment "
            'variable and name that variable with bearer_token_env_var = "MY_TOKEN_VAR"',
        )
    if "command" in raw:
        for key in sorted(_HTTP_KEYS & set(raw)):
            raise _fail(name, f"{key} is not supported for stdio")
        cwd = raw.get("cwd")
        return StdioServer(
            command=_string(name, "command", raw["command"]),
            args=_strings(name, "args", raw.get("args", [])),
            env=_table(name, "env", raw.get("env", {})),
            env_vars=_strings(name, "env_vars", raw.get("env_vars", [])),
            cwd=Path(_string(name, "cwd", cwd)).expanduser() if cwd is not None else None,
        )
    if "url" in raw:
        for key in sorted(_STDIO_KEYS & set(raw)):
            raise _fail(name, f"{key} is not supported for streamable_http")
        token_var = raw.get("bearer_token_env_var")
        return HttpServer(
            url=_string(name, "url", raw["url"]),
            bearer_token_env_var=_string(name, "bearer_token_env_var", token_var) if token_var is not None else None,
            http_headers=_table(name, "http_headers", raw.get("http_headers", {})),
            env_http_headers=_table(name, "env_http_headers", raw.get("env_http_headers", {})),
        )
    raise _fail(name, "give either command (a stdio server) or url (a streamable HTTP server)")


def parse_server(name: str, raw: object, source: Path | None = None) -> McpServerConfig:
    """Validate one ``[mcp_servers.<name>]`` table.

    Raises:
        ConfigError: a bad name, an unknown key, a key of the other transport, a ``bearer_token``,
            or a value of the wrong type; the message names the table and the key.
    """
    if not SERVER_NAME.match(name):
        raise _fail(name, "the server name may only use letters, digits, '-' and '_'")
    if not isinstance(raw, Mapping):
        raise _fail(name, "expected a table")
    unknown = sorted(set(raw) - _STDIO_KEYS - _HTTP_KEYS - _SHARED_KEYS - {"bearer_token"})
    if unknown:
        raise _fail(name, f"unknown key {unknown[0]}")
    transport = _transport(name, raw)
    startup = DEFAULT_STARTUP_TIMEOUT_S
    if "startup_timeout_sec" in raw:
        startup = _seconds(name, "startup_timeout_sec", raw["startup_timeout_sec"])
    elif "startup_timeout_ms" in raw:
        startup = _seconds(name, "startup_timeout_ms", raw["startup_timeout_ms"], 0.001)
    enabled_tools = raw.get("enabled_tools")
    return McpServerConfig(
        name=name,
        transport=transport,
        enabled=_flag(name, "enabled", raw.get("enabled", True)),
        required=_flag(name, "required", raw.get("required", False)),
        startup_timeout_s=startup,
        tool_timeout_s=_seconds(name, "tool_timeout_sec", raw.get("tool_timeout_sec", DEFAULT_TOOL_TIMEOUT_S)),
        enabled_tools=_strings(name, "enabled_tools", enabled_tools) if enabled_tools is not None else None,
        disabled_tools=_strings(name, "disabled_tools", raw.get("disabled_tools", [])),
        tool_approvals=_approvals(name, raw.get("tools", {})),
        source=source,
    )


def parse_servers(raw: object, sources: Mapping[str, Path] | None = None) -> tuple[McpServerConfig, ...]:
    """Every ``[mcp_servers.*]`` table, validated, sorted by name.

    Args:
        raw: the merged ``mcp_servers`` value of the configuration layers.
        sources: server name -> the config file defining it (for "Always allow").

    Raises:
        ConfigError: as :func:`parse_server`, or ``mcp_servers`` is not a table.
    """
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError("invalid configuration: mcp_servers must be a table of [mcp_servers.<name>] tables")
    sources = sources or {}
    return tuple(parse_server(str(name), raw[name], sources.get(str(name))) for name in sorted(raw))
