"""The MCP servers of one thread: started together, their tools named once, a dead server restarted once.

After Codex's connection manager (docs/reference-facts.md §12), with
one difference on purpose: :meth:`McpManager.start` waits for every enabled server up to its own
``startup_timeout_sec`` (they start concurrently), and the tool list is fixed from then on — every
request of every turn offers the same tools, byte for byte (prompt cache), where Codex's list
changes mid-turn when a server is late.

Rules:

* a server that does not start (missing command, exits, hangs past its timeout, errors) is
  ``failed`` with its reason; the others go on. ``required_failures`` names those with
  ``required = true`` (the caller makes them fatal, as Codex does);
* tools are filtered by ``enabled_tools`` / ``disabled_tools`` (raw names) and named by
  :func:`tandem.mcp.names.qualify`;
* a server whose connection is gone when a call arrives is restarted (within its startup timeout)
  before the call — once per thread; a call during which it exits fails, and the next call
  restarts it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tandem.config_mcp import McpServerConfig
from tandem.errors import McpConnectionClosedError, McpError, McpStartupError
from tandem.mcp.client import CallResult, McpConnection, McpToolInfo
from tandem.mcp.names import qualify
from tandem.protocol import JsonDict
from tandem.protocol.enums import McpServerState
from tandem.protocol.extensions import McpServerStatus

log = logging.getLogger(__name__)

RESTARTS = 1
"""How often a server that died is started again in one thread."""


@dataclass(frozen=True, slots=True)
class McpTool:
    """One MCP tool as the model sees it: ``name`` (qualified), its ``server`` and the listed ``info``."""

    name: str
    server: McpServerConfig
    info: McpToolInfo


@dataclass(slots=True)
class _Slot:
    config: McpServerConfig
    connection: McpConnection | None = None
    state: McpServerState = McpServerState.STARTING
    error: str | None = None
    tools: tuple[McpToolInfo, ...] = ()
    resources: bool = False
    restarts_left: int = RESTARTS
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class McpManager:
    """Starts, calls and stops the MCP servers of one thread.

    Args:
        servers: the configured servers (disabled ones are reported, never started).
        cwd: the thread's folder (a stdio server's default working directory).
        environ: Tandem's environment (see :mod:`tandem.mcp.env`).
    """

    def __init__(self, servers: Sequence[McpServerConfig], cwd: Path, environ: Mapping[str, str]) -> None:
        self._cwd = cwd
        self._environ = dict(environ)
        self._slots = {server.name: _Slot(server) for server in servers}
        for slot in self._slots.values():
            if not slot.config.enabled:
                slot.state = McpServerState.DISABLED
        self._started: asyncio.Task[None] | None = None
        self._tools: list[McpTool] | None = None

    # --- starting ---------------------------------------------------------------------------

    def start_soon(self) -> None:
        """Begin starting every enabled server in the background (idempotent)."""
        if self._started is None:
            self._started = asyncio.create_task(self._start_all(), name="mcp startup")

    async def start(self) -> list[McpServerStatus]:
        """Start every enabled server (concurrently, each within its ``startup_timeout_sec``) and
        return their statuses; a second call waits for the same start. Never raises for a server."""
        self.start_soon()
        assert self._started is not None
        await asyncio.shield(self._started)
        return self.statuses()

    async def _start_all(self) -> None:
        slots = [slot for slot in self._slots.values() if slot.state is McpServerState.STARTING]
        await asyncio.gather(*(self._start(slot) for slot in slots))

    async def _start(self, slot: _Slot) -> None:
        connection = McpConnection(slot.config, self._cwd, self._environ)
        slot.connection = connection
        try:
            info = await connection.start()
        except McpStartupError as exc:
            slot.state, slot.error = McpServerState.FAILED, exc.message
            log.warning("MCP server %s failed to start: %s", slot.config.name, exc.message)
            return
        slot.state, slot.tools, slot.resources = McpServerState.READY, info.tools, info.resources
        log.info("MCP server %s ready with %d tools", slot.config.name, len(info.tools))

    def statuses(self) -> list[McpServerStatus]:
        """Every configured server's state, by name."""
        names: dict[str, list[str]] = {}
        for tool in self._tools or []:
            names.setdefault(tool.server.name, []).append(tool.name)
        return [
            McpServerStatus(name=name, state=slot.state, error=slot.error, tools=names.get(name, []))
            for name, slot in sorted(self._slots.items())
        ]

    def required_failures(self) -> list[McpServerStatus]:
        """The ``required = true`` servers that did not start."""
        return [
            status
            for status in self.statuses()
            if status.state is McpServerState.FAILED and self._slots[status.name].config.required
        ]

    def tools(self) -> list[McpTool]:
        """The tools of the ready servers, filtered and named, sorted by name; fixed after the first
        call (call it after :meth:`start`)."""
        if self._tools is None:
            listed: dict[tuple[str, str], McpTool] = {}
            for slot in self._slots.values():
                if slot.state is McpServerState.READY:
                    for info in slot.tools:
                        if slot.config.allows(info.name):
                            listed[(slot.config.name, info.name)] = McpTool("", slot.config, info)
            self._tools = [
                McpTool(q.name, listed[(q.server, q.tool)].server, listed[(q.server, q.tool)].info)
                for q in qualify(listed)
            ]
        return self._tools

    def has_resources(self) -> bool:
        """Whether any configured server is enabled (the resource tools are offered then, as in Codex)."""
        return any(slot.config.enabled for slot in self._slots.values())

    def server_names(self, *, with_resources: bool = False) -> list[str]:
        """Names of the ready servers (only those announcing resources, if asked), sorted."""
        return sorted(
            name
            for name, slot in self._slots.items()
            if slot.state is McpServerState.READY and (slot.resources or not with_resources)
        )

    # --- calling ----------------------------------------------------------------------------

    async def _connection(self, server: str) -> McpConnection:
        """The live connection to ``server``, restarting it once if it died.

        Raises:
            McpError: no such server, or it is not running (failed to start, died twice, restart failed).
        """
        slot = self._slots.get(server)
        if slot is None or slot.state is McpServerState.DISABLED:
            raise McpError(f"unknown MCP server `{server}`")
        if slot.state is not McpServerState.READY or slot.connection is None:
            raise McpError(f"MCP server `{server}` is not running: {slot.error or slot.state.value}")
        async with slot.lock:
            if slot.connection.alive:
                return slot.connection
            if slot.restarts_left <= 0:
                raise McpConnectionClosedError(
                    f"MCP server `{server}` exited again; it was restarted once already and is not restarted again"
                )
            slot.restarts_left -= 1
            await slot.connection.close()
            log.warning("MCP server %s exited: restarting it", server)
            fresh = McpConnection(slot.config, self._cwd, self._environ)
            slot.connection = fresh
            try:
                await fresh.start()
            except McpStartupError as exc:
                raise McpError(f"MCP server `{server}` exited, and restarting it failed: {exc.message}") from exc
            return fresh

    async def call_tool(self, server: str, tool: str, arguments: JsonDict | None) -> CallResult:
        """Call raw tool ``tool`` of ``server``.

        Raises:
            McpConnectionClosedError: the server exited during the call (the next call restarts it).
            McpError: the server is not running, the call timed out or was answered with an error.
        """
        connection = await self._connection(server)
        return await connection.call_tool(tool, arguments)

    async def list_resources(self, server: str, cursor: str | None) -> JsonDict:
        """One page of ``server``'s resources. Raises: McpError."""
        return await (await self._connection(server)).list_resources(cursor)

    async def list_resource_templates(self, server: str, cursor: str | None) -> JsonDict:
        """One page of ``server``'s resource templates. Raises: McpError."""
        return await (await self._connection(server)).list_resource_templates(cursor)

    async def read_resource(self, server: str, uri: str) -> JsonDict:
        """``server``'s resource ``uri``. Raises: McpError."""
        return await (await self._connection(server)).read_resource(uri)

    async def aclose(self) -> None:
        """Stop every server (waits for their processes to end, each wait bounded)."""
        if self._started is not None and not self._started.done():
            self._started.cancel()
        connections = [slot.connection for slot in self._slots.values() if slot.connection is not None]
        await asyncio.gather(*(connection.close() for connection in connections), return_exceptions=True)
