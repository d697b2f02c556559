"""One connection to one MCP server, over the official ``mcp`` SDK (stdio or streamable HTTP).

The SDK's transports and ``ClientSession`` are anyio context managers that must be entered and
left by one task, so each connection has an *owner task*: it opens the transport, initialises the
session, lists the tools (all pages) within ``startup_timeout_sec``, then waits until the
connection is closed or the server goes away (a stdio server's stdout ends). Calls are made from
the turn's tasks through the session the owner keeps open.

Only this module imports the SDK (``mcp``, ``mcp_types``); what it hands out are plain values:
:class:`ServerInfo`, :class:`McpToolInfo`, :class:`CallResult` and JSON objects. Every SDK or OS
exception is wrapped: :class:`~tandem.errors.McpStartupError` (could not start),
:class:`~tandem.errors.McpConnectionClosedError` (the connection is gone),
:class:`~tandem.errors.McpError` (a timeout or an error answer).

A stdio server's stderr goes to a private temporary file; its last lines explain a failed start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tandem import __version__
from tandem.config_mcp import HttpServer, McpServerConfig, StdioServer
from tandem.errors import McpConnectionClosedError, McpError, McpStartupError
from tandem.mcp.env import http_headers, stdio_environment
from tandem.protocol import JsonDict

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from mcp import ClientSession

log = logging.getLogger(__name__)

MAX_TOOL_PAGES = 100
"""``tools/list`` pages read at most (a server whose cursor never ends cannot hang a start)."""

STDERR_TAIL_CHARS = 600


@dataclass(frozen=True, slots=True)
class McpToolInfo:
    """A tool as the server lists it.

    Attributes:
        name: the raw tool name (what the server is called with).
        title: its human title (``title``, else ``annotations.title``), if any.
        description: its description ("" when none).
        input_schema: its JSON Schema for the arguments.
        read_only, destructive, open_world: the ``readOnlyHint`` / ``destructiveHint`` /
            ``openWorldHint`` annotations (``None``: not given).
    """

    name: str
    title: str | None
    description: str
    input_schema: JsonDict
    read_only: bool | None = None
    destructive: bool | None = None
    open_world: bool | None = None


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a started server offers: its tools and whether it has resources."""

    tools: tuple[McpToolInfo, ...]
    resources: bool
    server_name: str = ""


@dataclass(frozen=True, slots=True)
class CallResult:
    """A ``tools/call`` result: ``content`` blocks (MCP JSON), ``structuredContent``, ``isError``."""

    content: list[JsonDict]
    structured_content: Any | None
    is_error: bool


_ENVELOPE = frozenset({"ttlMs", "cacheScope", "resultType", "_meta"})
"""Result fields of the protocol's envelope (cache hints, result type), not of the answer."""


def _dump(model: Any) -> JsonDict:
    data: JsonDict = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {key: value for key, value in data.items() if key not in _ENVELOPE}


def _tool_info(tool: Any) -> McpToolInfo:
    hints = tool.annotations
    title = tool.title or (hints.title if hints is not None else None)
    return McpToolInfo(
        name=tool.name,
        title=title,
        description=tool.description or "",
        input_schema=dict(tool.input_schema or {}),
        read_only=hints.read_only_hint if hints is not None else None,
        destructive=hints.destructive_hint if hints is not None else None,
        open_world=hints.open_world_hint if hints is not None else None,
    )


def _reason(exc: BaseException) -> str:
    """A short readable reason for an SDK / OS exception (no traceback)."""
    if isinstance(exc, BaseExceptionGroup):
        leaves = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)]
        return _reason(leaves[0]) if leaves else "cancelled"
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    text = str(exc) or type(exc).__name__
    return text


class McpConnection:
    """A live connection to the server ``config`` describes.

    Args:
        config: the server's validated settings.
        cwd: where a stdio server runs when its ``cwd`` is not set (the thread's folder).
        environ: Tandem's environment (variables for ``env_vars``, headers and the bearer token).
    """

    def __init__(self, config: McpServerConfig, cwd: Path, environ: Mapping[str, str]) -> None:
        self.config = config
        self._cwd = cwd
        self._environ = environ
        self._session: ClientSession | None = None
        self._ready: asyncio.Future[ServerInfo] | None = None
        self._owner: asyncio.Task[None] | None = None
        self._wake: asyncio.Event = asyncio.Event()
        self._closed = False
        self._stderr: IO[str] | None = None
        self._stderr_tail = ""
        self._http_error: str | None = None

    @property
    def alive(self) -> bool:
        """Whether the session is open (started, and neither closed nor gone)."""
        return self._session is not None and not self._closed

    async def start(self) -> ServerInfo:
        """Start the server and list its tools, within its ``startup_timeout_sec``.

        Raises:
            McpStartupError: the command is missing, the server exited, did not answer in time or
                answered ``initialize`` / ``tools/list`` with an error; the message says which.
        """
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._owner = asyncio.create_task(self._own(self._ready), name=f"mcp {self.config.name}")
        try:
            return await asyncio.shield(self._ready)
        except asyncio.CancelledError:
            await self.close()
            raise

    async def _own(self, ready: asyncio.Future[ServerInfo]) -> None:
        import anyio
        from mcp import ClientSession, Implementation

        timeout = self.config.startup_timeout_s
        try:
            async with contextlib.AsyncExitStack() as stack:
                # The relay's group is left last: leaving the transport ends the relay.
                group = await stack.enter_async_context(anyio.create_task_group())
                read, write = await stack.enter_async_context(self._transport())
                relay_send, relay_receive = anyio.create_memory_object_stream[Any](0)
                group.start_soon(self._relay, read, relay_send)
                session = await stack.enter_async_context(
                    ClientSession(relay_receive, write, client_info=Implementation(name="tandem", version=__version__))
                )
                with anyio.move_on_after(timeout) as scope:
                    init = await session.initialize()
                    tools = await self._list_tools(session)
                if scope.cancelled_caught:
                    raise McpStartupError(self._timed_out(timeout))
                self._session = session
                info = ServerInfo(
                    tools=tools,
                    resources=init.capabilities.resources is not None,
                    server_name=init.server_info.name,
                )
                if not ready.done():
                    ready.set_result(info)
                await self._wake.wait()
                self._closed = True
        except Exception as exc:  # noqa: BLE001 - every failure of a start becomes its reason
            if not ready.done():
                ready.set_exception(self._startup_error(exc))
            else:
                log.info("MCP server %s: connection ended: %s", self.config.name, _reason(exc))
        finally:
            self._closed = True
            self._session = None
            if not ready.done():
                ready.set_exception(McpStartupError(f"MCP client for `{self.config.name}` failed to start: stopped"))

    async def _relay(self, source: Any, sink: Any) -> None:
        """Forward the transport's messages to the session; when the transport ends (a stdio server
        exited), the connection is gone: wake the owner."""
        try:
            async with sink:
                async for message in source:
                    await sink.send(message)
        except Exception as exc:  # noqa: BLE001 - a broken pipe ends the connection like an EOF
            log.debug("MCP server %s: transport ended: %s", self.config.name, _reason(exc))
        finally:
            self._closed = True
            self._wake.set()

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        transport = self.config.transport
        if isinstance(transport, StdioServer):
            return self._stdio(transport)
        return self._http(transport)

    @contextlib.asynccontextmanager
    async def _stdio(self, server: StdioServer) -> Any:
        from mcp import StdioServerParameters, stdio_client

        cwd = server.cwd if server.cwd is None or server.cwd.is_absolute() else self._cwd / server.cwd
        params = StdioServerParameters(
            command=server.command,
            args=list(server.args),
            env=stdio_environment(server, self._environ),
            cwd=cwd or self._cwd,
        )
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
            self._stderr = stderr
            try:
                async with stdio_client(params, errlog=stderr) as streams:
                    yield streams
            finally:
                self._stderr_tail = self.stderr_tail()

    @contextlib.asynccontextmanager
    async def _http(self, server: HttpServer) -> Any:
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        headers = http_headers(self.config.name, server, self._environ)
        client = create_mcp_http_client(headers=headers)
        client.event_hooks = {"request": [], "response": [self._on_response]}
        async with client, streamable_http_client(server.url, http_client=client) as streams:
            yield streams

    async def _on_response(self, response: Any) -> None:
        """Keep the last HTTP error status: the SDK reports it only as "an error response"."""
        if response.status_code >= 400:
            self._http_error = f"HTTP {response.status_code} from {response.request.url}"

    async def _list_tools(self, session: ClientSession) -> tuple[McpToolInfo, ...]:
        from mcp_types import PaginatedRequestParams

        tools: list[McpToolInfo] = []
        cursor: str | None = None
        for _ in range(MAX_TOOL_PAGES):
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools += [_tool_info(tool) for tool in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        return tuple(tools)

    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr ("" for HTTP servers or a quiet server)."""
        if self._stderr is None or self._stderr.closed:
            return self._stderr_tail
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return text.strip()[-STDERR_TAIL_CHARS:]

    def _timed_out(self, timeout: float) -> str:
        name = self.config.name
        return (
            f"MCP client for `{name}` timed out after {timeout:g} seconds. Add or adjust `startup_timeout_sec` "
            f"in your config.toml:\n[mcp_servers.{name}]\nstartup_timeout_sec = XX"
        )

    def _startup_error(self, exc: BaseException) -> McpStartupError:
        while isinstance(exc, BaseExceptionGroup):  # the relay's task group wraps what the owner raised
            ours = [e for e in exc.exceptions if isinstance(e, McpStartupError)]
            exc = ours[0] if ours else exc.exceptions[0]
        if isinstance(exc, McpStartupError):
            return exc
        reason = _reason(exc)
        if self._http_error is not None:
            reason = self._http_error + (
                " (check bearer_token_env_var and the token)" if "401" in self._http_error else ""
            )
        elif isinstance(self.config.transport, StdioServer) and (self._closed or "Connection closed" in reason):
            reason = "the server closed the connection (it exited)"
        tail = self.stderr_tail()
        detail = f"; its stderr ends with: {tail}" if tail else ""
        return McpStartupError(f"MCP client for `{self.config.name}` failed to start: {reason}{detail}")

    # --- requests -----------------------------------------------------------------------------

    def _live(self) -> ClientSession:
        if self._session is None or self._closed:
            raise McpConnectionClosedError(f"MCP server `{self.config.name}` is not running")
        return self._session

    async def _request(self, what: str, call: Any) -> Any:
        """Await ``call`` (an SDK request coroutine), wrapping its failures.

        Raises:
            McpConnectionClosedError: the connection closed meanwhile.
            McpError: a timeout, an error answer or an invalid result.
        """
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

        name = self.config.name
        try:
            return await call
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                self._closed = True
                raise McpConnectionClosedError(f"MCP server `{name}` closed the connection during {what}") from exc
            if exc.code == REQUEST_TIMEOUT:
                raise McpError(f"MCP server `{name}`: {what} timed out after {self.config.tool_timeout_s:g} s") from exc
            raise McpError(f"MCP server `{name}`: {what} failed: {exc.message}") from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise McpError(f"MCP server `{name}`: {what} failed: {_reason(exc)}") from exc

    async def call_tool(self, tool: str, arguments: JsonDict | None) -> CallResult:
        """``tools/call`` with the raw tool name, bounded by ``tool_timeout_sec``.

        Raises:
            McpConnectionClosedError / McpError: see :meth:`_request`.
        """
        from mcp_types import CallToolResult

        session = self._live()
        result = await self._request(
            f"tools/call {tool}",
            session.call_tool(tool, arguments, read_timeout_seconds=self.config.tool_timeout_s),
        )
        if not isinstance(result, CallToolResult):
            raise McpError(f"MCP server `{self.config.name}`: tools/call {tool} returned an unexpected result")
        return CallResult(
            content=[_dump(block) for block in result.content],
            structured_content=result.structured_content,
            is_error=bool(result.is_error),
        )

    async def list_resources(self, cursor: str | None) -> JsonDict:
        """``resources/list`` (one page): ``{resources: [...], nextCursor?}``."""
        from mcp_types import PaginatedRequestParams

        session = self._live()
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        return _dump(await self._request("resources/list", session.list_resources(params=params)))

    async def list_resource_templates(self, cursor: str | None) -> JsonDict:
        """``resources/templates/list`` (one page): ``{resourceTemplates: [...], nextCursor?}``."""
        from mcp_types import PaginatedRequestParams

        session = self._live()
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        return _dump(await self._request("resources/templates/list", session.list_resource_templates(params=params)))

    async def read_resource(self, uri: str) -> JsonDict:
        """``resources/read``: ``{contents: [...]}``."""
        session = self._live()
        return _dump(await self._request("resources/read", session.read_resource(uri)))

    async def close(self) -> None:
        """End the session and stop the server (a stdio server's process tree is stopped by the SDK:
        stdin closed, then SIGTERM, then SIGKILL, each wait bounded)."""
        self._wake.set()
        owner = self._owner
        if owner is not None and not owner.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(owner), timeout=15)
