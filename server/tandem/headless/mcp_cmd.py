"""``tandem mcp list [--json] | get NAME [--json] | add NAME … | remove NAME`` and the MCP part of
``tandem doctor``.

Output and messages follow Codex's ``codex mcp`` (docs/reference-facts.md §12): ``list`` prints
a table per transport (``Name Command Args Env Cwd Status Auth`` / ``Name Url Bearer Token Env Var
Status Auth``; ``env`` values masked as ``KEY=*****``) or, with ``--json``, one object per server
(``name, enabled, disabled_reason, transport{type, …}, startup_timeout_sec, tool_timeout_sec,
auth_status``); ``add`` and ``remove`` edit ``$TANDEM_HOME/config.toml`` keeping its comments
(:mod:`tandem.mcp.config_edit`). Tandem has no MCP OAuth login, so ``auth_status`` is always
``unsupported``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from tandem.config import CliOverrides, Config, load_config, tandem_home
from tandem.config_mcp import SERVER_NAME, HttpServer, McpServerConfig, StdioServer
from tandem.errors import ConfigError, McpStartupError


def _transport_json(server: McpServerConfig) -> dict[str, Any]:
    t = server.transport
    if isinstance(t, StdioServer):
        return {
            "type": "stdio",
            "command": t.command,
            "args": list(t.args),
            "env": dict(t.env) or None,
            "env_vars": list(t.env_vars),
            "cwd": str(t.cwd) if t.cwd else None,
        }
    return {
        "type": "streamable_http",
        "url": t.url,
        "bearer_token_env_var": t.bearer_token_env_var,
        "http_headers": dict(t.http_headers) or None,
        "env_http_headers": dict(t.env_http_headers) or None,
    }


def _server_json(server: McpServerConfig, *, detail: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": server.name,
        "enabled": server.enabled,
        "disabled_reason": None,
        "transport": _transport_json(server),
    }
    if detail:
        entry["enabled_tools"] = list(server.enabled_tools) if server.enabled_tools is not None else None
        entry["disabled_tools"] = list(server.disabled_tools) or None
    entry["startup_timeout_sec"] = server.startup_timeout_s
    entry["tool_timeout_sec"] = server.tool_timeout_s
    if not detail:
        entry["auth_status"] = "unsupported"
    return entry


def _env_display(t: StdioServer) -> str:
    parts = [f"{key}=*****" for key, _ in t.env] + [f"{name}=*****" for name in t.env_vars]
    return ", ".join(parts) or "-"


def _table(out: IO[str], header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    for row in [header, *rows]:
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")


def _status(server: McpServerConfig) -> str:
    return "enabled" if server.enabled else "disabled"


def run_list(config: Config, as_json: bool, out: IO[str]) -> int:
    """``tandem mcp list``."""
    servers = config.mcp_servers
    if as_json:
        out.write(json.dumps([_server_json(s) for s in servers], indent=2) + "\n")
        return 0
    if not servers:
        out.write("No MCP servers configured yet. Try `tandem mcp add my-tool -- my-command`.\n")
        return 0
    stdio = [
        [s.name, s.transport.command, " ".join(s.transport.args) or "-", _env_display(s.transport),
         str(s.transport.cwd) if s.transport.cwd else "-", _status(s), "Unsupported"]
        for s in servers
        if isinstance(s.transport, StdioServer)
    ]  # fmt: skip
    http = [
        [s.name, s.transport.url, s.transport.bearer_token_env_var or "-", _status(s), "Unsupported"]
        for s in servers
        if isinstance(s.transport, HttpServer)
    ]
    if stdio:
        _table(out, ["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"], stdio)
    if stdio and http:
        out.write("\n")
    if http:
        _table(out, ["Name", "Url", "Bearer Token Env Var", "Status", "Auth"], http)
    return 0


def run_get(config: Config, name: str, as_json: bool, out: IO[str], err: IO[str]) -> int:
    """``tandem mcp get NAME``."""
    server = next((s for s in config.mcp_servers if s.name == name), None)
    if server is None:
        err.write(f"tandem mcp: No MCP server named '{name}' found.\n")
        return 1
    if as_json:
        out.write(json.dumps(_server_json(server, detail=True), indent=2) + "\n")
        return 0
    if not server.enabled:
        out.write(f"{name} (disabled)\n")
        return 0
    lines = [name, "  enabled: true"]
    if server.enabled_tools is not None:
        lines.append(f"  enabled_tools: {', '.join(server.enabled_tools) or '[]'}")
    if server.disabled_tools:
        lines.append(f"  disabled_tools: {', '.join(server.disabled_tools)}")
    t = server.transport
    if isinstance(t, StdioServer):
        lines += [
            "  transport: stdio",
            f"  command: {t.command}",
            f"  args: {' '.join(t.args) or '-'}",
            f"  cwd: {t.cwd or '-'}",
            f"  env: {_env_display(t)}",
        ]
    else:
        headers = ", ".join(f"{key}=*****" for key, _ in t.http_headers) or "-"
        env_headers = ", ".join(f"{key}={var}" for key, var in t.env_http_headers) or "-"
        lines += [
            "  transport: streamable_http",
            f"  url: {t.url}",
            f"  bearer_token_env_var: {t.bearer_token_env_var or '-'}",
            f"  http_headers: {headers}",
            f"  env_http_headers: {env_headers}",
        ]
    lines += [
        f"  startup_timeout_sec: {server.startup_timeout_s:g}",
        f"  tool_timeout_sec: {server.tool_timeout_s:g}",
        f"  remove: tandem mcp remove {name}",
    ]
    out.write("\n".join(lines) + "\n")
    return 0


def _env_pair(raw: str) -> tuple[str, str]:
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("environment entries must be in KEY=VALUE form")
    return key.strip(), value


def run_add(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``tandem mcp add NAME [--env K=V]… -- CMD ARGS…`` or ``add NAME --url URL [--bearer-token-env-var V]``."""
    from tandem.mcp.config_edit import add_http_server, add_stdio_server

    name: str = args.name
    if not SERVER_NAME.match(name):
        err.write(f"tandem mcp: invalid server name '{name}' (use letters, numbers, '-', '_')\n")
        return 2
    command: list[str] = list(args.server_command)
    if bool(command) == bool(args.url):
        err.write("tandem mcp: give either -- COMMAND [ARGS...] or --url URL\n")
        return 2
    if args.url and args.env:
        err.write("tandem mcp: --env is only for stdio servers (use --bearer-token-env-var with --url)\n")
        return 2
    if command and args.bearer_token_env_var:
        err.write("tandem mcp: --bearer-token-env-var is only for --url servers\n")
        return 2
    path = tandem_home() / "config.toml"
    try:
        if command:
            add_stdio_server(path, name, command, dict(args.env))
        else:
            add_http_server(path, name, args.url, args.bearer_token_env_var)
    except ConfigError as exc:
        err.write(f"tandem mcp: {exc.message}\n")
        return 1
    out.write(f"Added global MCP server '{name}'.\n")
    return 0


def run_remove(name: str, out: IO[str], err: IO[str]) -> int:
    """``tandem mcp remove NAME``."""
    from tandem.mcp.config_edit import remove_server

    if not SERVER_NAME.match(name):
        err.write(f"tandem mcp: invalid server name '{name}' (use letters, numbers, '-', '_')\n")
        return 2
    try:
        removed = remove_server(tandem_home() / "config.toml", name)
    except ConfigError as exc:
        err.write(f"tandem mcp: {exc.message}\n")
        return 1
    out.write(f"Removed global MCP server '{name}'.\n" if removed else f"No MCP server named '{name}' found.\n")
    return 0


async def _check(server: McpServerConfig, cwd: Path) -> tuple[McpServerConfig, str | None, list[str]]:
    from tandem.mcp.client import McpConnection

    connection = McpConnection(server, cwd, os.environ)
    try:
        info = await connection.start()
    except McpStartupError as exc:
        return server, exc.message, []
    finally:
        await connection.close()
    return server, None, [tool.name for tool in info.tools]


def doctor_report(config: Config, out: IO[str]) -> int:
    """``tandem doctor``'s MCP section: each enabled server is started, its tools or its error printed.

    Returns 1 when an enabled server fails to start, else 0 (also with no servers).
    """
    if not config.mcp_servers:
        return 0
    out.write("\nmcp servers:\n")

    async def check_all() -> list[tuple[McpServerConfig, str | None, list[str]]]:
        enabled = [s for s in config.mcp_servers if s.enabled]
        return await asyncio.gather(*(_check(s, config.cwd) for s in enabled))

    results = {server.name: (error, tools) for server, error, tools in asyncio.run(check_all())}
    code = 0
    for server in config.mcp_servers:
        if not server.enabled:
            out.write(f"  {server.name}: disabled\n")
            continue
        error, tools = results[server.name]
        if error is not None:
            code = 1
            out.write(f"  {server.name}: failed: {error}\n")
        else:
            out.write(f"  {server.name}: ready, {len(tools)} tools: {', '.join(tools) or '-'}\n")
    return code


def run(args: argparse.Namespace) -> int:
    """Dispatch ``tandem mcp``; returns the exit code."""
    out, err = sys.stdout, sys.stderr
    if args.mcp_command == "add":
        return run_add(args, out, err)
    if args.mcp_command == "remove":
        return run_remove(args.name, out, err)
    try:
        config = load_config(Path.cwd(), CliOverrides(config_overrides=tuple(args.overrides)))
    except ConfigError as exc:
        err.write(f"tandem mcp: {exc.message}\n")
        return 1
    if args.mcp_command == "get":
        return run_get(config, args.name, args.json, out, err)
    return run_list(config, args.json, out)


def split_server_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """``tandem mcp add NAME … -- CMD ARGS…``: the arguments before the first ``--`` and the server
    command after it (kept whole, its own flags included), so argparse never reads the command."""
    if argv[:2] != ["mcp", "add"] or "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def register(sub: Any) -> None:
    """Add ``tandem mcp`` to the ``tandem`` command's subparsers."""
    mcp = sub.add_parser("mcp", allow_abbrev=False, help="list, show, add or remove MCP servers (config.toml)")
    mcp.add_argument(
        "-c", "--config", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a key"
    )
    commands = mcp.add_subparsers(dest="mcp_command", required=True)
    listing = commands.add_parser("list", allow_abbrev=False, help="list the configured servers")
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    get = commands.add_parser("get", allow_abbrev=False, help="show one server")
    get.add_argument("name")
    get.add_argument("--json", action="store_true", help="print it as JSON")
    add = commands.add_parser(
        "add",
        allow_abbrev=False,
        help="add a server to $TANDEM_HOME/config.toml",
        usage="tandem mcp add NAME [--env KEY=VALUE]... -- COMMAND [ARGS...]\n"
        "       tandem mcp add NAME --url URL [--bearer-token-env-var VAR]",
    )
    add.add_argument("name")
    add.add_argument("--env", type=_env_pair, action="append", default=[], metavar="KEY=VALUE")
    add.add_argument("--url", help="a streamable HTTP server")
    add.add_argument("--bearer-token-env-var", metavar="VAR", help="variable holding the bearer token (--url)")
    add.set_defaults(server_command=[])  # what follows `--` (see split_server_command)
    remove = commands.add_parser("remove", allow_abbrev=False, help="remove a server from $TANDEM_HOME/config.toml")
    remove.add_argument("name")
    mcp.set_defaults(func=run)
