"""``tandem/skills/list``: the skills a thread in a folder sees (:mod:`tandem.skills.discovery`)."""

from __future__ import annotations

from typing import Any

from tandem.lsp.hub import ThreadHub
from tandem.lsp.rpc import parse_params
from tandem.protocol.extensions import SkillErrorInfo, SkillInfo, SkillsListParams, SkillsListResult
from tandem.protocol.items import dump
from tandem.protocol.messages import ThreadStartParams
from tandem.skills.discovery import Invocation, load_for_config


async def skills_list(hub: ThreadHub, request: Any) -> dict[str, Any]:
    """``{skills: [SkillInfo], errors: [SkillErrorInfo]}`` for ``cwd`` (default: the workspace root).

    Raises:
        InvalidParamsError: ``cwd`` is not a folder. ConfigError: the configuration is unusable.
    """
    params = parse_params(SkillsListParams, request)
    load = load_for_config(hub.config_for(ThreadStartParams(cwd=params.cwd)))
    return dump(
        SkillsListResult(
            skills=[
                SkillInfo(
                    name=skill.name,
                    description=skill.description,
                    path=str(skill.path),
                    scope=skill.scope.value,
                    enabled=skill.enabled,
                    implicit_invocation=skill.invocation is Invocation.IMPLICIT,
                    user_invocable=skill.user_invocable,
                )
                for skill in load.skills
            ],
            errors=[SkillErrorInfo(path=str(error.path), message=error.message) for error in load.errors],
        )
    )
