"""The tools offered to the model, in a fixed order (a stable tool list keeps prompt caches warm).

The registry is the one place a turn looks tools up (:class:`~tandem.agent.tool_scheduler.ToolScheduler`),
built-in and MCP tools alike: whatever must happen around every tool call can wrap what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable

from tandem.protocol import JsonDict
from tandem.tools.base import Tool


class ToolRegistry:
    """An ordered set of tools looked up by name.

    Args:
        tools: the tools in the order their specs are sent; names must be unique.

    Raises:
        ValueError: two tools share a name (a programming error, not user input).
    """

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"duplicate tool name {tool.name!r}")
            self._tools[tool.name] = tool
        self._specs = [tool.spec() for tool in self._tools.values()]

    def get(self, name: str) -> Tool | None:
        """The tool called ``name``, or ``None``."""
        return self._tools.get(name)

    @property
    def names(self) -> list[str]:
        """Tool names in offer order."""
        return list(self._tools)

    def extended(self, tools: Iterable[Tool]) -> ToolRegistry:
        """A registry with these tools after the current ones (the order they are offered in).

        Raises:
            ValueError: a name is taken twice.
        """
        return ToolRegistry([*self._tools.values(), *tools])

    def specs(self) -> list[JsonDict]:
        """Tool definitions in offer order (the same list object content every call)."""
        return self._specs
