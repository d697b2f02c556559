"""Wire types of the ways the agent is extended: MCP servers' status (``tandem/mcp/status``) and the
skills a folder sees (``tandem/skills/list``). Same conventions as :mod:`tandem.protocol.messages`
(camelCase on the wire, see docs/architecture.md "The Tandem protocol")."""

from __future__ import annotations

from pydantic import Field

from tandem.protocol.enums import McpServerState
from tandem.protocol.items import WireModel


class McpServerStatus(WireModel):
    """One configured MCP server: its ``state``, the reason when it ``failed``, the model-visible names
    of its tools when ``ready``."""

    name: str
    state: McpServerState
    error: str | None = None
    tools: list[str] = Field(default_factory=list)


class McpStatusNotification(WireModel):
    """``tandem/mcp/status``: the MCP servers of a thread, after they started (or failed to)."""

    thread_id: str
    servers: list[McpServerStatus]


class SkillsListParams(WireModel):
    """``tandem/skills/list``: the skills a thread started in ``cwd`` (default: the workspace root) sees."""

    cwd: str | None = None


class SkillInfo(WireModel):
    """One discovered skill (``server/tandem/skills/discovery.py``): ``path`` is its ``SKILL.md``;
    ``scope`` ``repo`` or ``user``; ``implicit_invocation`` false when only the user may start it;
    ``user_invocable`` false when the ``$`` completion should not offer it."""

    name: str
    description: str
    path: str
    scope: str
    enabled: bool
    implicit_invocation: bool
    user_invocable: bool


class SkillErrorInfo(WireModel):
    """A ``SKILL.md`` that could not be loaded, and why."""

    path: str
    message: str


class SkillsListResult(WireModel):
    """The skills in catalog order, and the files that failed to load."""

    skills: list[SkillInfo]
    errors: list[SkillErrorInfo]
