"""The schema of ``config.toml`` (pydantic models), kept apart so importing :mod:`tandem.config` stays cheap.

Keys follow Codex's ``config.toml`` where the concept is the same.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tandem.config_enums import ApplyPatchToolType, AuthScheme, CheckpointMode, WireApi
from tandem.protocol.enums import ApprovalPolicy, SandboxMode


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a provider's ``base_url`` (``None`` when it can): it must be ``http://`` or
    ``https://`` with a host, a valid port and no spaces or control characters. The reason never quotes
    the URL (it may hold credentials)."""
    if not url:
        return "is empty"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsing the port raises ValueError for a bad one)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    return None


def _checked_url(value: str | None) -> str | None:
    problem = None if value is None else url_problem(value)
    if problem is not None:
        raise ValueError(f'not a URL: {problem}, e.g. "https://api.example.com/v1"')
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderToml(_Strict):
    """One ``[model_providers.<id>]`` table (Codex keys, plus Tandem's ``auth_scheme``).

    ``None`` means "not given": a table named like a built-in provider (``ollama``, ``azure``...)
    inherits every key it leaves out, and its ``query_params`` / ``http_headers`` / ``env_http_headers``
    entries are added to the built-in ones.
    """

    name: str | None = None
    base_url: str | None = None
    env_key: str | None = None
    env_key_instructions: str | None = None
    wire_api: WireApi | None = None
    auth_scheme: AuthScheme | None = None
    query_params: dict[str, str] | None = None
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = None
    request_max_retries: int | None = Field(default=None, ge=0)
    stream_max_retries: int | None = Field(default=None, ge=0)
    stream_idle_timeout_ms: int | None = Field(default=None, gt=0)
    requires_openai_auth: bool | None = None

    _base_url = field_validator("base_url")(_checked_url)


class SandboxWorkspaceWriteToml(_Strict):
    """The ``[sandbox_workspace_write]`` table (Codex keys)."""

    writable_roots: list[str] = []
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class SandboxLimitsToml(_Strict):
    """Tandem's ``[sandbox_limits]`` table: resource limits of sandboxed commands (0 = no limit)."""

    cpu_seconds: int = Field(default=600, ge=0)
    address_space_mb: int = Field(default=8192, ge=0)
    file_size_mb: int = Field(default=2048, ge=0)
    max_pids: int = Field(default=1024, ge=0)


class TurnLimitsToml(_Strict):
    """Tandem's ``[turn_limits]`` table: per-turn guards (0 = off; see :mod:`tandem.agent.turn_limits`)."""

    model_requests: int = Field(default=500, ge=0)
    tool_calls: int = Field(default=1000, ge=0)
    identical_calls: int = Field(default=5, ge=0)

    @field_validator("identical_calls")
    @classmethod
    def _not_one(cls, value: int) -> int:
        if value == 1:
            raise ValueError("must be 0 (off) or at least 2: one call is not a repetition")
        return value


class ShellEnvironmentPolicyToml(_Strict):
    """Codex's ``[shell_environment_policy]``: extra name patterns to drop from commands' environment."""

    exclude: list[str] = []


class SkillConfigToml(_Strict):
    """One ``[[skills.config]]`` entry (Codex's): a ``path`` (of a SKILL.md) or a ``name``, and ``enabled``."""

    path: str | None = None
    name: str | None = None
    enabled: bool

    @model_validator(mode="after")
    def _one_selector(self) -> SkillConfigToml:
        if (self.path is None) == (self.name is None) or (self.name is not None and not self.name.strip()):
            raise ValueError("give exactly one of `path` or `name`")
        return self


class SkillsToml(_Strict):
    """The ``[skills]`` table: ``include_claude`` (read ``.claude/skills`` too; default on) and the
    ``[[skills.config]]`` rules (see :mod:`tandem.skills.discovery`)."""

    include_claude: bool = True
    config: list[SkillConfigToml] = []


class ConfigToml(BaseModel):
    """The keys Tandem reads from ``config.toml``; unknown keys are warned about and ignored before
    validation (:mod:`tandem.config_check`); invalid values are errors.

    Codex keys the Codex SDK passes as ``-c``: ``openai_base_url`` (the ``openai`` provider's base URL),
    ``web_search`` (only ``"disabled"`` is accepted: Tandem has no web search tool), ``profile`` /
    ``[profiles.<name>]`` (a named set of keys laid over the top level, chosen with ``-p``).
    """

    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    model_provider: str | None = None
    model_providers: dict[str, ProviderToml] = {}
    oss_provider: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_workspace_write: SandboxWorkspaceWriteToml = SandboxWorkspaceWriteToml()
    sandbox_limits: SandboxLimitsToml = SandboxLimitsToml()
    shell_environment_policy: ShellEnvironmentPolicyToml = ShellEnvironmentPolicyToml()
    turn_limits: TurnLimitsToml = TurnLimitsToml()
    skills: SkillsToml = SkillsToml()
    project_doc_max_bytes: int = Field(default=32 * 1024, ge=0)
    project_doc_fallback_filenames: list[str] = []
    model_reasoning_effort: str | None = None
    model_reasoning_summary: str | None = None
    apply_patch_tool_type: ApplyPatchToolType | None = None
    tool_output_token_limit: int = Field(default=10_000, gt=0)
    model_context_window: int | None = Field(default=None, gt=0)
    model_auto_compact_token_limit: int | None = Field(default=None, gt=0)
    auto_compact_fraction: float = Field(default=0.9, gt=0, le=1)
    shell_default_timeout_ms: int = Field(default=10_000, gt=0)
    checkpoints: CheckpointMode = CheckpointMode.WORKSPACE
    openai_base_url: str | None = None
    web_search: Literal["disabled", "cached", "live"] | None = None
    profile: str | None = None
    profiles: dict[str, dict[str, Any]] = {}

    _openai_base_url = field_validator("openai_base_url")(_checked_url)
