"""``list_mcp_resources``, ``list_mcp_resource_templates`` and ``read_mcp_resource``: the resources of
the thread's MCP servers, as Codex offers them (docs/reference-facts.md §12).

* ``list_mcp_resources {server?, cursor?}``: without ``server``, every ready server's resources,
  servers in name order, each resource with its ``server``; ``cursor`` needs a ``server``. With one:
  ``{server, resources, nextCursor?}``. Templates alike (``resourceTemplates``).
* ``read_mcp_resource {server, uri}``: ``{server, uri, contents}``.
* The output is compact JSON. Each call is an ``mcpToolCall`` item whose ``server`` is the one
  named (``tandem`` when none is) and whose ``tool`` is the tool's name. No approval is asked:
  reading a resource changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tandem.errors import McpError, ToolError
from tandem.mcp.manager import McpManager
from tandem.protocol import JsonDict
from tandem.protocol.enums import ItemStatus
from tandem.protocol.items import McpToolCallError, McpToolCallItem, McpToolCallResult
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput, function_spec
from tandem.tools.mcp_tool import compact_json
from tandem.tools.truncation import truncate_output

ANY_SERVER = "tandem"
"""The ``server`` of the item of a listing over every server (Codex writes ``codex``)."""

_SERVER_OPTIONAL = "Optional MCP server name. When omitted, lists resources from every configured server."
_LIST = (
    "Lists resources provided by MCP servers. Resources allow servers to share data that provides context to "
    "language models, such as files, database schemas, or application-specific information. Prefer resources "
    "over web search when possible."
)
_TEMPLATES = (
    "Lists resource templates provided by MCP servers. Parameterized resource templates allow servers to share "
    "data that takes parameters and provides context to language models, such as files, database schemas, or "
    "application-specific information. Prefer resource templates over web search when possible."
)
_READ = "Read a specific resource from an MCP server given the server name and resource URI."


def _text(args: JsonDict, key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolError(f"failed to parse function arguments: {key} must be a string")
    return value.strip() or None


class _ResourceTool:
    """The shared run: arguments, item, request, output."""

    name = ""
    concurrency = Concurrency.PARALLEL
    effect = Effect.READ_ONLY

    def __init__(self, manager: McpManager) -> None:
        self._manager = manager

    def spec(self) -> JsonDict:
        raise NotImplementedError

    async def _payload(self, args: JsonDict) -> tuple[str, JsonDict]:
        """The item's server and the JSON answer. Raises: ToolError, McpError."""
        raise NotImplementedError

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """List or read, as an ``mcpToolCall`` item.

        Raises:
            ToolError: the arguments are not a JSON object (no item is shown then).
        """
        args = call.arguments()
        item = McpToolCallItem(
            id=host.new_item_id(), server=_text(args, "server") or ANY_SERVER, tool=self.name, arguments=args
        )
        host.item_started(item)
        started = time.monotonic()
        try:
            _, payload = await self._payload(args)
        except (ToolError, McpError) as exc:
            item.error, item.status = McpToolCallError(message=exc.message), ItemStatus.FAILED
            item.duration_ms = round((time.monotonic() - started) * 1000)
            host.item_completed(item)
            return ToolOutput(exc.message, success=False)
        text = compact_json(payload)
        item.result = McpToolCallResult(content=[{"type": "text", "text": text}])
        item.status = ItemStatus.COMPLETED
        item.duration_ms = round((time.monotonic() - started) * 1000)
        host.item_completed(item)
        return ToolOutput(truncate_output(text, host.config.tool_output_token_limit))


class _Listing(_ResourceTool):
    key = ""

    def _fetch(self, server: str) -> Callable[[str | None], Awaitable[JsonDict]]:
        raise NotImplementedError

    async def _payload(self, args: JsonDict) -> tuple[str, JsonDict]:
        server, cursor = _text(args, "server"), _text(args, "cursor")
        if server is not None:
            page = await self._fetch(server)(cursor)
            answer: JsonDict = {"server": server, self.key: [{"server": server, **r} for r in page.get(self.key, [])]}
            if page.get("nextCursor"):
                answer["nextCursor"] = page["nextCursor"]
            return server, answer
        if cursor is not None:
            raise ToolError("cursor can only be used when a server is specified")
        entries: list[JsonDict] = []
        for name in self._manager.server_names(with_resources=True):
            try:
                page = await self._fetch(name)(None)
            except McpError:
                continue  # a server that cannot list now is left out, as in Codex
            entries += [{"server": name, **entry} for entry in page.get(self.key, [])]
        return ANY_SERVER, {self.key: entries}


class ListMcpResourcesTool(_Listing):
    """``list_mcp_resources``."""

    name = "list_mcp_resources"
    key = "resources"

    def spec(self) -> JsonDict:
        """Function tool definition (Codex's)."""
        spec = function_spec(
            self.name,
            _LIST,
            {
                "cursor": {
                    "type": "string",
                    "description": "Opaque cursor returned by a previous list_mcp_resources call for the same server.",
                },
                "server": {"type": "string", "description": _SERVER_OPTIONAL},
            },
            [],
        )
        del spec["parameters"]["required"]
        return spec

    def _fetch(self, server: str) -> Callable[[str | None], Awaitable[JsonDict]]:
        return lambda cursor: self._manager.list_resources(server, cursor)


class ListMcpResourceTemplatesTool(_Listing):
    """``list_mcp_resource_templates``."""

    name = "list_mcp_resource_templates"
    key = "resourceTemplates"

    def spec(self) -> JsonDict:
        """Function tool definition (Codex's)."""
        spec = function_spec(
            self.name,
            _TEMPLATES,
            {
                "cursor": {
                    "type": "string",
                    "description": "Opaque cursor returned by a previous list_mcp_resource_templates call for the "
                    "same server.",
                },
                "server": {
                    "type": "string",
                    "description": "Optional MCP server name. When omitted, lists resource templates from all "
                    "configured servers.",
                },
            },
            [],
        )
        del spec["parameters"]["required"]
        return spec

    def _fetch(self, server: str) -> Callable[[str | None], Awaitable[JsonDict]]:
        return lambda cursor: self._manager.list_resource_templates(server, cursor)


class ReadMcpResourceTool(_ResourceTool):
    """``read_mcp_resource``."""

    name = "read_mcp_resource"

    def spec(self) -> JsonDict:
        """Function tool definition (Codex's)."""
        return function_spec(
            self.name,
            _READ,
            {
                "server": {
                    "type": "string",
                    "description": "MCP server name exactly as configured. Must match the 'server' field returned "
                    "by list_mcp_resources.",
                },
                "uri": {
                    "type": "string",
                    "description": "Resource URI to read. Must be one of the URIs returned by list_mcp_resources.",
                },
            },
            ["server", "uri"],
        )

    async def _payload(self, args: JsonDict) -> tuple[str, JsonDict]:
        server, uri = _text(args, "server"), _text(args, "uri")
        if server is None:
            raise ToolError("server must be provided")
        if uri is None:
            raise ToolError("uri must be provided")
        result = await self._manager.read_resource(server, uri)
        return server, {"server": server, "uri": uri, **result}
