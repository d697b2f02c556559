"""A tool of an MCP server, offered to the model as ``mcp__<server>__<tool>``.

Behaviour (Codex's, docs/reference-facts.md §12):

* spec: a function tool with the server's description and its input schema as the parameters
  (``type: "object"`` and ``properties`` filled in when the server leaves them out, as Codex does);
* the arguments must be a JSON object that validates against that schema; otherwise the model gets
  a tool error and the server is not called;
* the call is an ``mcpToolCall`` item (started, then completed or failed), approved as
  :meth:`~tandem.tools.orchestrator.Orchestrator.approve_mcp` decides, then sent with the raw tool
  name, bounded by the server's ``tool_timeout_sec``;
* what the model reads: ``structuredContent`` as compact JSON text when present, else the text
  blocks joined by newlines (another kind of block as its JSON); images follow as ``input_image``
  parts of a user message (every wire sends those); an ``isError`` result, a server error, a
  timeout or a refusal is a failed output and the turn goes on. Long output is truncated like
  any tool's (``tool_output_token_limit``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from tandem.errors import McpError, ToolError
from tandem.mcp.client import CallResult
from tandem.mcp.manager import McpManager, McpTool
from tandem.protocol import JsonDict
from tandem.protocol.enums import ItemStatus
from tandem.protocol.items import McpToolCallError, McpToolCallItem, McpToolCallResult
from tandem.tools.approvals import ToolHints
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput
from tandem.tools.orchestrator import McpRequest, Orchestrator
from tandem.tools.truncation import truncate_output


def compact_json(value: Any) -> str:
    """JSON without spaces, as Codex's ``serde_json::to_string`` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def model_schema(schema: JsonDict) -> JsonDict:
    """The input schema as the model gets it: an object schema with ``properties`` (Codex fills them in)."""
    fixed = dict(schema)
    fixed.setdefault("type", "object")
    if fixed.get("properties") is None:
        fixed["properties"] = {}
    return fixed


def output_of(result: CallResult, max_tokens: int) -> ToolOutput:
    """What the model reads for ``result`` (see the module docstring)."""
    images: list[JsonDict] = []
    texts: list[str] = []
    for block in result.content:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "image" and isinstance(block.get("data"), str):
            data = str(block["data"])
            mime = str(block.get("mimeType") or "application/octet-stream")
            images.append(
                {"type": "input_image", "image_url": data if data.startswith("data:") else f"data:{mime};base64,{data}"}
            )
        else:
            texts.append(compact_json(block))
    structured = result.structured_content
    text = compact_json(structured) if structured is not None else "\n".join(texts)
    followups = ({"type": "message", "role": "user", "content": images},) if images else ()
    return ToolOutput(truncate_output(text, max_tokens), success=not result.is_error, followups=followups)


def _validate(schema: JsonDict, arguments: JsonDict, name: str) -> None:
    """Check ``arguments`` against the tool's input schema.

    Raises:
        ToolError: they do not validate (the message names the first problem).
    """
    from jsonschema import SchemaError  # type: ignore[import-untyped]
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]

    try:
        validator = validator_for(schema)(schema)
        error = next(iter(validator.iter_errors(arguments)), None)
    except (SchemaError, TypeError, ValueError):
        return  # a schema we cannot read: the server judges the arguments itself
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        raise ToolError(f"invalid arguments for {name}: {error.message}" + (f" (at {where})" if where else ""))


class McpToolAdapter:
    """One MCP tool, called through the thread's :class:`~tandem.mcp.manager.McpManager`.

    Args:
        tool: the tool as listed and named.
        manager: the thread's MCP servers.
    """

    concurrency = Concurrency.SERIAL  # Codex offers MCP tools without parallel calls

    def __init__(self, tool: McpTool, manager: McpManager) -> None:
        self._tool = tool
        self._manager = manager
        self.name = tool.name
        info = tool.info
        self.hints = ToolHints(info.read_only, info.destructive, info.open_world)
        self.effect = Effect.READ_ONLY if info.read_only and not info.destructive else Effect.MUTATING

    def spec(self) -> JsonDict:
        """Function tool definition (Responses API) with the server's description and schema."""
        return {
            "type": "function",
            "name": self.name,
            "description": self._tool.info.description,
            "strict": False,
            "parameters": model_schema(self._tool.info.input_schema),
        }

    def _arguments(self, call: ToolCall) -> JsonDict | None:
        """The call's arguments (``None`` for an empty payload).

        Raises:
            ToolError: not a JSON object, or not valid for the schema.
        """
        if not call.payload.strip():
            return None
        arguments = call.arguments()
        _validate(model_schema(self._tool.info.input_schema), arguments, self.name)
        return arguments

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Approve, call the server, report the item, return what the model reads.

        Raises:
            ToolError: the arguments are not a JSON object or do not fit the schema.
            TurnCancelledError: the user cancelled the turn at the approval.
        """
        tool = self._tool
        arguments = self._arguments(call)
        item = McpToolCallItem(id=host.new_item_id(), server=tool.server.name, tool=tool.info.name, arguments=arguments)
        host.item_started(item)
        started = time.monotonic()
        request = McpRequest(item.id, tool.server, tool.info.name, tool.info.title, self.hints, arguments)
        refusal = await Orchestrator(host).approve_mcp(request)
        if refusal is not None:
            return self._failed(host, item, refusal, started)
        try:
            result = await self._manager.call_tool(tool.server.name, tool.info.name, arguments)
        except McpError as exc:
            return self._failed(host, item, exc.message, started)
        item.result = McpToolCallResult(content=result.content, structured_content=result.structured_content)
        item.status = ItemStatus.FAILED if result.is_error else ItemStatus.COMPLETED
        item.duration_ms = round((time.monotonic() - started) * 1000)
        host.item_completed(item)
        return output_of(result, host.config.tool_output_token_limit)

    def _failed(self, host: ToolHost, item: McpToolCallItem, message: str, started: float) -> ToolOutput:
        item.error = McpToolCallError(message=message)
        item.status = ItemStatus.FAILED
        item.duration_ms = round((time.monotonic() - started) * 1000)
        host.item_completed(item)
        return ToolOutput(message, success=False)
