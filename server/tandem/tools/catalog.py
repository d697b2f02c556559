"""The default tool set, in the fixed order it is offered to the model."""

from __future__ import annotations

from tandem.config import Config
from tandem.mcp.manager import McpManager
from tandem.tools.apply_patch import ApplyPatchTool
from tandem.tools.base import Tool
from tandem.tools.mcp_resources import ListMcpResourcesTool, ListMcpResourceTemplatesTool, ReadMcpResourceTool
from tandem.tools.mcp_tool import McpToolAdapter
from tandem.tools.plan import UpdatePlanTool
from tandem.tools.read_file import ReadFileTool
from tandem.tools.registry import ToolRegistry
from tandem.tools.shell import ShellCommandTool
from tandem.tools.view_image import ViewImageTool


def default_tools(config: Config) -> ToolRegistry:
    """``shell_command``, ``apply_patch`` (freeform or function per config), ``update_plan``, ``read_file``,
    ``view_image``."""
    return ToolRegistry(
        [
            ShellCommandTool(default_timeout_ms=config.shell_default_timeout_ms),
            ApplyPatchTool(config.apply_patch_tool_type),
            UpdatePlanTool(),
            ReadFileTool(),
            ViewImageTool(),
        ]
    )


def mcp_tools(manager: McpManager) -> list[Tool]:
    """The tools of a thread's MCP servers, after they started: Codex's three resource tools (when any
    server is enabled), then every server tool, sorted by its ``mcp__<server>__<tool>`` name."""
    resources: list[Tool] = (
        [ListMcpResourcesTool(manager), ListMcpResourceTemplatesTool(manager), ReadMcpResourceTool(manager)]
        if manager.has_resources()
        else []
    )
    return [*resources, *(McpToolAdapter(tool, manager) for tool in manager.tools())]
