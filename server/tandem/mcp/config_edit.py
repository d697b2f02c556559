"""Edits of ``config.toml``'s ``[mcp_servers]`` that keep the rest of the file — comments, order,
spacing — as the user wrote it (tomlkit), for ``tandem mcp add|remove`` and "Always allow".

Shapes written are Codex's (docs/reference-facts.md §12: ``codex mcp add|remove`` and "Always
allow"): a stdio server as
``command``, ``args`` and an ``env`` table; an HTTP one as ``url`` and ``bearer_token_env_var``; an
approval as ``[mcp_servers.<server>.tools.<tool>] approval_mode = "approve"``. The file is
replaced atomically (written beside it, then renamed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tandem.errors import ConfigError


def _load(path: Path) -> Any:
    import tomlkit

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return tomlkit.parse(text)
    except Exception as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _save(path: Path, document: Any) -> None:
    import tomlkit

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(tomlkit.dumps(document), "utf-8")
        temp.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _servers(document: Any, create: bool) -> Any:
    import tomlkit

    servers = document.get("mcp_servers")
    if servers is None and create:
        servers = tomlkit.table(is_super_table=True)
        document["mcp_servers"] = servers
    return servers


def add_stdio_server(path: Path, name: str, command: Sequence[str], env: Mapping[str, str]) -> None:
    """Add (or replace) ``[mcp_servers.<name>]`` running ``command`` (program, then its arguments).

    Raises:
        ConfigError: the file cannot be read, parsed or written.
    """
    import tomlkit

    document = _load(path)
    table = tomlkit.table()
    table["command"] = command[0]
    table["args"] = list(command[1:])
    if env:
        inline = tomlkit.inline_table()
        inline.update(dict(env))
        table["env"] = inline
    _servers(document, create=True)[name] = table
    _save(path, document)


def add_http_server(path: Path, name: str, url: str, bearer_token_env_var: str | None) -> None:
    """Add (or replace) ``[mcp_servers.<name>]`` for the streamable-HTTP server at ``url``.

    Raises:
        ConfigError: the file cannot be read, parsed or written.
    """
    import tomlkit

    document = _load(path)
    table = tomlkit.table()
    table["url"] = url
    if bearer_token_env_var:
        table["bearer_token_env_var"] = bearer_token_env_var
    _servers(document, create=True)[name] = table
    _save(path, document)


def remove_server(path: Path, name: str) -> bool:
    """Remove ``[mcp_servers.<name>]``; returns whether it was there.

    Raises:
        ConfigError: the file cannot be read, parsed or written.
    """
    document = _load(path)
    servers = _servers(document, create=False)
    if servers is None or name not in servers:
        return False
    del servers[name]
    if not servers:
        del document["mcp_servers"]
    _save(path, document)
    return True


def set_tool_approval(path: Path, server: str, tool: str, mode: str) -> None:
    """Write ``[mcp_servers.<server>.tools.<tool>] approval_mode = <mode>``.

    Raises:
        ConfigError: the file cannot be read, parsed or written, or it does not define ``server``.
    """
    import tomlkit

    document = _load(path)
    servers = _servers(document, create=False)
    if servers is None or server not in servers:
        raise ConfigError(f"MCP server `{server}` is not configured in {path}")
    entry = servers[server]
    tools = entry.get("tools")
    if tools is None:
        tools = tomlkit.table(is_super_table=True)
        entry["tools"] = tools
    if tool not in tools:
        tools[tool] = tomlkit.table()
    tools[tool]["approval_mode"] = mode
    _save(path, document)
