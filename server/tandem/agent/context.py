"""Prompt assembly: base instructions, permissions, AGENTS.md and ``<environment_context>``.

Layout of a thread's first request (after Codex, docs/reference-facts.md §1 and §4):

1. ``instructions``: Tandem's base instructions (``prompts/base_instructions.md``), identical for
   every request of every thread;
2. a ``developer`` message describing the approval policy and sandbox mode, then (when any skill is
   listed) a ``developer`` message with ``<skills_instructions>`` (:mod:`tandem.agent.skill_context`);
3. a ``user`` message ``# AGENTS.md instructions for <cwd>`` + ``<INSTRUCTIONS>...</INSTRUCTIONS>``
   (only when any AGENTS.md exists);
4. a ``user`` message holding ``<environment_context>`` (cwd, approval policy, sandbox mode,
   network, shell, current date, timezone).

These are recorded once at thread start; later requests only append, so each request is a strict
prefix extension of the previous one and provider prompt caches keep hitting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from tandem.agent.skill_context import catalog_messages
from tandem.config import Config, find_project_root
from tandem.protocol import JsonDict
from tandem.protocol.enums import ApprovalPolicy, SandboxMode

AGENTS_FILENAMES = ("AGENTS.override.md", "AGENTS.md")
TURN_ABORTED_MARKER = (
    "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running commands were "
    "stopped and unfinished tool calls were cancelled. Do not resume that work unless the user asks; "
    "wait for their next message.\n</turn_aborted>"
)


@cache
def base_instructions() -> str:
    """Tandem's base instructions (the ``instructions`` field of every request)."""
    return resources.files("tandem.agent").joinpath("prompts/base_instructions.md").read_text("utf-8")


def message(role: str, text: str) -> JsonDict:
    """A Responses input message item: ``{"type": "message", "role", "content": [input_text]}``."""
    return {"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]}


def _first_doc(directory: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def agents_md_paths(cwd: Path, fallbacks: Sequence[str] = ()) -> list[Path]:
    """AGENTS.md files that apply to ``cwd``, root first: one per directory from the project root
    (nearest ancestor with ``.git``) down to ``cwd``, the first existing of ``AGENTS.override.md``,
    ``AGENTS.md``, then ``fallbacks``."""
    root = find_project_root(cwd)
    chain = [cwd, *cwd.parents]
    directories = list(reversed(chain[: chain.index(root) + 1])) if root in chain else [cwd]
    names = (*AGENTS_FILENAMES, *fallbacks)
    return [doc for directory in directories if (doc := _first_doc(directory, names)) is not None]


def collect_agents_md(config: Config) -> str | None:
    """The joined text of the global (``$TANDEM_HOME``) and project AGENTS.md files, or ``None``.

    The project files share a budget of ``config.project_doc_max_bytes`` bytes (default 32 KiB);
    text past the budget is cut at a character boundary. Unreadable files are skipped.
    """
    parts: list[str] = []
    global_doc = _first_doc(config.tandem_home, AGENTS_FILENAMES)
    if global_doc is not None:
        parts.append(_read(global_doc, 1 << 20))
    budget = config.project_doc_max_bytes
    for path in agents_md_paths(config.cwd, config.project_doc_fallback_filenames):
        if budget <= 0:
            break
        text = _read(path, budget)
        budget -= len(text.encode("utf-8"))
        parts.append(text)
    joined = "\n\n".join(part.strip() for part in parts if part.strip())
    return joined or None


def _read(path: Path, max_bytes: int) -> str:
    try:
        data = path.read_bytes()[:max_bytes]
    except OSError:
        return ""
    return data.decode("utf-8", "ignore")


def agents_md_message(cwd: Path, text: str) -> JsonDict:
    """The user message carrying AGENTS.md text (Codex's framing)."""
    return message("user", f"# AGENTS.md instructions for {cwd}\n\n<INSTRUCTIONS>\n{text}\n</INSTRUCTIONS>")


def _timezone() -> str:
    tz = os.environ.get("TZ")
    if tz:
        return tz.lstrip(":")
    try:
        link = str(Path("/etc/localtime").readlink())
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return datetime.now().astimezone().tzname() or "UTC"


def environment_context(config: Config, now: datetime | None = None) -> str:
    """The ``<environment_context>`` XML block (Codex's element names)."""
    now = now or datetime.now().astimezone()
    network = (
        "enabled" if (config.network_access or config.sandbox_mode is SandboxMode.DANGER_FULL_ACCESS) else "restricted"
    )
    shell = Path(os.environ.get("SHELL") or "bash").name
    fields = [
        ("cwd", str(config.cwd)),
        ("approval_policy", config.approval_policy.value),
        ("sandbox_mode", config.sandbox_mode.value),
        ("network_access", network),
        ("shell", shell),
        ("current_date", now.date().isoformat()),
        ("timezone", _timezone()),
    ]
    body = "\n".join(f"  <{name}>{escape(value)}</{name}>" for name, value in fields)
    return f"<environment_context>\n{body}\n</environment_context>"


_POLICY_TEXT = {
    ApprovalPolicy.UNTRUSTED: (
        "Approval policy: untrusted. Known-safe read-only commands (ls, cat, rg, git status, ...) run "
        "right away; every other command and every file change is shown to the user for approval first."
    ),
    ApprovalPolicy.ON_REQUEST: (
        "Approval policy: on-request. Commands run without asking inside the sandbox. When a command needs "
        "more than the sandbox allows (network, writing outside the workspace), call shell_command with "
        'sandbox_permissions="require_escalated" and a one-line justification; the user decides.'
    ),
    ApprovalPolicy.NEVER: (
        "Approval policy: never. The user will not be asked anything; do not request escalation. If a "
        "command fails for lack of permissions, work around it or explain the limitation in your final "
        "message."
    ),
}
_SANDBOX_TEXT = {
    SandboxMode.READ_ONLY: "Sandbox mode: read-only. Commands may read files but not write them.",
    SandboxMode.WORKSPACE_WRITE: (
        "Sandbox mode: workspace-write. Commands may write inside the working directory and temporary "
        "directories; .git and .tandem are read-only."
    ),
    SandboxMode.DANGER_FULL_ACCESS: "Sandbox mode: danger-full-access. Commands run without restrictions.",
}


def permissions_text(config: Config) -> str:
    """The developer message that tells the model its approval policy and sandbox."""
    network = "Network access is enabled." if config.network_access else "Network access is restricted."
    return "\n".join(
        (
            "<permissions>",
            _SANDBOX_TEXT[config.sandbox_mode],
            network,
            _POLICY_TEXT[config.approval_policy],
            "</permissions>",
        )
    )


def initial_context(config: Config) -> list[JsonDict]:
    """The items recorded at the start of every thread, before the first user message."""
    items = [message("developer", permissions_text(config))]
    items.extend(catalog_messages(config))  # <skills_instructions> (tandem.skills.catalog)
    agents = collect_agents_md(config)
    if agents:
        items.append(agents_md_message(config.cwd, agents))
    items.append(message("user", environment_context(config)))
    return items
