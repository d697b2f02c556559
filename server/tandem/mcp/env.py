"""What a server is started with: the environment of a stdio server, the headers of an HTTP one.

A stdio server gets only a safe environment — Codex's list of variables (docs/reference-facts.md
§12: ``HOME``, ``LOGNAME``, ``PATH``, ``SHELL``,
``USER``, ``__CF_USER_TEXT_ENCODING``, ``LANG``, ``LC_ALL``, ``TERM``, ``TMPDIR``, ``TZ``) taken from
Tandem's environment, plus the variables the server's ``env_vars`` names, plus its ``env`` values
(which win). Nothing else of Tandem's environment reaches it: API keys and tokens stay ours.

An HTTP server gets ``Authorization: Bearer <$bearer_token_env_var>``, its ``http_headers`` and its
``env_http_headers`` (a header whose variable is unset or blank is left out, as in Codex,
docs/reference-facts.md §12).
"""

from __future__ import annotations

from collections.abc import Mapping

from tandem.config_mcp import HttpServer, StdioServer
from tandem.errors import McpStartupError

SAFE_VARIABLES = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "USER",
    "__CF_USER_TEXT_ENCODING",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "TZ",
)


def stdio_environment(server: StdioServer, environ: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a stdio server (name -> value)."""
    names = (*SAFE_VARIABLES, *server.env_vars)
    env = {name: environ[name] for name in names if name in environ}
    env.update(dict(server.env))
    return env


def http_headers(name: str, server: HttpServer, environ: Mapping[str, str]) -> dict[str, str]:
    """The headers every request to an HTTP server carries.

    Raises:
        McpStartupError: ``bearer_token_env_var`` names a variable that is unset or empty (Codex's
            message: "Environment variable X for MCP server 'y' is not set").
    """
    headers = dict(server.http_headers)
    for header, variable in server.env_http_headers:
        value = environ.get(variable, "")
        if value.strip():
            headers[header] = value
    if server.bearer_token_env_var is not None:
        variable = server.bearer_token_env_var
        token = environ.get(variable)
        if token is None:
            raise McpStartupError(f"Environment variable {variable} for MCP server '{name}' is not set")
        if not token:
            raise McpStartupError(f"Environment variable {variable} for MCP server '{name}' is empty")
        headers["Authorization"] = f"Bearer {token}"
    return headers
