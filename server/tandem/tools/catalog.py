"""The default tool set, in the fixed order it is offered to the model."""

from __future__ import annotations

from tandem.config import Config
from tandem.tools.apply_patch import ApplyPatchTool
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
