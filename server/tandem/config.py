"""Configuration: `config.toml` files, `-c key=value` overrides and CLI flags, merged into one :class:`Config`.

Order (later wins): built-in defaults, ``$TANDEM_HOME/config.toml`` (default ``~/.tandem``),
``<project root>/.tandem/config.toml``, ``-c key=value`` overrides, then explicit CLI flags.
Keys follow Codex's ``config.toml`` where the concept is the same (``model``, ``model_provider``,
``[model_providers.x]``, ``approval_policy``, ``sandbox_mode``, ``[sandbox_workspace_write]``,
``project_doc_max_bytes``, ``model_reasoning_effort``, ``model_reasoning_summary``).
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tandem.config_enums import ApplyPatchToolType, CheckpointMode, WireApi
from tandem.config_mcp import McpServerConfig, parse_servers
from tandem.errors import ConfigError
from tandem.protocol.enums import ApprovalPolicy, SandboxMode
from tandem.providers import (
    AZURE_API_VERSION,
    LOCAL_PROVIDERS,
    OPENAI_DEFAULT_BASE_URL,
    REDACTED,
    ProviderInfo,
    built_in_providers,
    provider_from_table,
    redact,
)

if TYPE_CHECKING:
    from tandem.config_toml import ConfigToml

__all__ = [
    "AZURE_API_VERSION",
    "LOCAL_PROVIDERS",
    "OPENAI_DEFAULT_BASE_URL",
    "REDACTED",
    "ApprovalPolicy",
    "CliOverrides",
    "Config",
    "ConfigError",
    "ProviderInfo",
    "SandboxMode",
    "built_in_providers",
    "load_config",
    "no_sandbox_warning",
    "redact",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-5.5"
DEFAULT_OSS_MODEL = "gpt-oss:20b"
DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5"


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Resource limits of sandboxed commands (``[sandbox_limits]``); 0 means no limit."""

    cpu_seconds: int = 600
    address_space_mb: int = 8192
    file_size_mb: int = 2048
    max_pids: int = 1024


@dataclass(frozen=True, slots=True)
class TurnLimits:
    """Per-turn guards (``[turn_limits]``; :mod:`tandem.agent.turn_limits`); 0 turns one off.

    ``model_requests``: model requests per turn; ``tool_calls``: tool calls per turn;
    ``identical_calls``: the same call (name and arguments) this many times in a row is a loop.
    """

    model_requests: int = 500
    tool_calls: int = 1000
    identical_calls: int = 5


@dataclass(frozen=True, slots=True)
class SkillRule:
    """One ``[[skills.config]]`` rule: a ``SKILL.md`` ``path`` or a skill ``name``, switched on or off."""

    enabled: bool
    path: Path | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SkillsSettings:
    """The ``[skills]`` table (:mod:`tandem.skills.discovery`): read ``.claude/skills`` folders too
    (``include_claude``), and the ``[[skills.config]]`` rules in file order."""

    include_claude: bool = True
    rules: tuple[SkillRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a thread needs to know, resolved. Paths are absolute."""

    model: str
    provider: ProviderInfo
    approval_policy: ApprovalPolicy
    sandbox_mode: SandboxMode
    cwd: Path
    tandem_home: Path
    project_doc_max_bytes: int = 32 * 1024
    project_doc_fallback_filenames: tuple[str, ...] = ()
    model_reasoning_effort: str | None = None
    model_reasoning_summary: str | None = None
    apply_patch_tool_type: ApplyPatchToolType = ApplyPatchToolType.FREEFORM
    network_access: bool = False
    writable_roots: tuple[Path, ...] = ()
    exclude_slash_tmp: bool = False
    exclude_tmpdir_env_var: bool = False
    limits: SandboxLimits = field(default_factory=lambda: SandboxLimits())
    env_exclude: tuple[str, ...] = ()
    project_trusted: bool = False
    model_context_window: int | None = None
    model_auto_compact_token_limit: int | None = None
    auto_compact_fraction: float = 0.9
    tool_output_token_limit: int = 10_000
    shell_default_timeout_ms: int = 10_000
    checkpoints: CheckpointMode = CheckpointMode.WORKSPACE
    turn_limits: TurnLimits = field(default_factory=lambda: TurnLimits())
    mcp_servers: tuple[McpServerConfig, ...] = ()
    skills: SkillsSettings = field(default_factory=lambda: SkillsSettings())
    hooks_inline: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    """Inline ``[hooks]`` tables by layer: ``home`` (``$TANDEM_HOME/config.toml``) and ``project`` (a trusted
    project's ``.tandem/config.toml``), read by :func:`tandem.hooks.config.discover_hooks`."""

    @property
    def sessions_dir(self) -> Path:
        """Where rollouts live: ``$TANDEM_HOME/sessions``."""
        return self.tandem_home / "sessions"


@dataclass(frozen=True, slots=True)
class CliOverrides:
    """Values from explicit command-line flags; ``None`` means "not given".

    ``profile``: the ``[profiles.<name>]`` table to lay over the top-level keys (``-p``; default: the
    ``profile`` key). ``writable_roots``: folders writable besides the workspace (``--add-dir``).
    """

    model: str | None = None
    provider: str | None = None
    oss: bool = False
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None
    config_overrides: Sequence[str] = ()
    profile: str | None = None
    writable_roots: tuple[Path, ...] = ()


def tandem_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$TANDEM_HOME`` if set, else ``~/.tandem``."""
    env = os.environ if environ is None else environ
    home = env.get("TANDEM_HOME")
    return Path(home).expanduser().resolve() if home else Path.home() / ".tandem"


def find_project_root(cwd: Path) -> Path:
    """The nearest ancestor of ``cwd`` (inclusive) holding ``.git``; ``cwd`` itself when there is none."""
    for directory in (cwd, *cwd.parents):
        if (directory / ".git").exists():
            return directory
    return cwd


PROJECT_SAFE_KEYS = frozenset(
    {
        "model",
        "model_reasoning_effort",
        "model_reasoning_summary",
        "project_doc_max_bytes",
        "model_context_window",
        "model_auto_compact_token_limit",
        "auto_compact_fraction",
        "project_doc_fallback_filenames",
        "apply_patch_tool_type",
        "tool_output_token_limit",
        "shell_default_timeout_ms",
    }
)
"""Keys a workspace's own ``.tandem/config.toml`` may set without trust: nothing that loosens the sandbox or
approvals, changes where requests (and the API key) go, or what reaches commands' environment. A file
the agent itself could have written must not be able to turn the sandbox off."""


def _trusted(home_raw: Mapping[str, Any], project_root: Path) -> bool:
    """Codex's ``[projects."<path>"] trust_level = "trusted"`` in the user's config."""
    projects = home_raw.get("projects")
    if not isinstance(projects, Mapping):
        return False
    entry = projects.get(str(project_root))
    return isinstance(entry, Mapping) and entry.get("trust_level") == "trusted"


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse one ``-c key.path=value``; the value is TOML (``true``, ``3``, ``"x"``, ``[1]``) or a bare string.

    Raises:
        ConfigError: when there is no ``=`` or the key is empty.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f'-c {text!r}: expected key=value, e.g. -c model="gpt-5.5"')
    try:
        value: Any = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (invalid byte at offset {exc.start}); a TOML file must be UTF-8") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _tables(value: object) -> list[str]:
    """The keys of a TOML table (none when ``value`` is not one)."""
    return [str(key) for key in value] if isinstance(value, Mapping) else []


def _validate(raw: dict[str, Any], sources: str) -> ConfigToml:
    from pydantic import ValidationError

    from tandem.config_toml import ConfigToml

    try:
        return ConfigToml.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"invalid configuration ({sources}): {problems}") from exc


def _with_profile(raw: dict[str, Any], overrides: dict[str, Any], name: str | None, home_file: Path) -> dict[str, Any]:
    """``raw`` with the chosen ``[profiles.<name>]`` table laid over its top level, then the ``-c``
    ``overrides`` over that. The profile is ``name`` (``-p``), else the ``profile`` key.

    Raises:
        ConfigError: the chosen profile does not exist (or is not a table).
    """
    merged = _deep_merge(raw, overrides)
    name = name or merged.get("profile")
    if not name:
        return merged
    profiles = merged.get("profiles")
    table = profiles.get(name) if isinstance(profiles, Mapping) else None
    if not isinstance(table, Mapping):
        known = ", ".join(sorted(profiles)) if isinstance(profiles, Mapping) and profiles else "none"
        raise ConfigError(f"config profile {name!r} not found: add [profiles.{name}] to {home_file} (known: {known})")
    return _deep_merge(_deep_merge(raw, dict(table)), overrides)


def no_sandbox_warning(config: Config, cli: CliOverrides | None = None) -> str | None:
    """The one line a surface prints (exec: stderr; lsp: its log) when commands will run without a sandbox.

    ``None`` unless the resolved ``sandbox_mode`` is ``danger-full-access``. Names where that came from:
    the command line (``--yolo`` and ``-s danger-full-access`` give it) or the configuration files
    (``config.toml``, a trusted project's ``.tandem/config.toml``, ``-c``).
    """
    if config.sandbox_mode is not SandboxMode.DANGER_FULL_ACCESS:
        return None
    source = (
        "set on the command line"
        if cli is not None and cli.sandbox_mode is SandboxMode.DANGER_FULL_ACCESS
        else "set by the configuration (config.toml, the project's .tandem/config.toml or -c)"
    )
    approvals = "and no approvals, " if config.approval_policy is ApprovalPolicy.NEVER else ""
    return (
        f"running without a sandbox {approvals}(sandbox_mode = danger-full-access, {source}): "
        "commands the agent runs can read and change anything your user can"
    )


def load_config(cwd: Path, cli: CliOverrides | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Resolve the configuration for a thread whose working directory is ``cwd``.

    Raises:
        ConfigError: unreadable or invalid TOML, a bad ``-c`` override, an unknown provider.
    """
    env = os.environ if environ is None else environ
    cli = cli or CliOverrides()
    cwd = cwd.resolve()
    home = tandem_home(env)
    project_root = find_project_root(cwd)
    sources = [home / "config.toml", project_root / ".tandem" / "config.toml"]
    from tandem.config_check import check_base_url, known_keys_only, validate_source

    raw = known_keys_only(_read_toml(sources[0]), str(sources[0]))  # unknown keys: a warning, "did you mean"
    project = known_keys_only(_read_toml(sources[1]), str(sources[1]))
    trusted = _trusted(raw, project_root)
    if not trusted:
        dropped = sorted(set(project) - PROJECT_SAFE_KEYS)
        if dropped:
            log.warning(
                '%s: ignoring %s (the project is not trusted; set [projects."%s"] trust_level = '
                '"trusted" in %s to allow them)',
                sources[1],
                ", ".join(dropped),
                project_root,
                sources[0],
            )
        project = {key: value for key, value in project.items() if key in PROJECT_SAFE_KEYS}
    hooks_inline = {
        layer: table
        for layer, table in (("home", raw.get("hooks")), ("project", project.get("hooks")))
        if isinstance(table, Mapping)
    }
    validate_source(raw, str(sources[0]))  # invalid values: an error naming the key and the file
    validate_source(project, str(sources[1]))
    mcp_sources = {
        **{str(name): sources[0] for name in _tables(raw.get("mcp_servers"))},
        **{str(name): sources[1] for name in _tables(project.get("mcp_servers"))},
    }
    raw = _deep_merge(raw, project)
    overrides: dict[str, Any] = {}
    for override in cli.config_overrides:
        keys, value = parse_override(override)
        nested: dict[str, Any] = {keys[-1]: value}
        for key in reversed(keys[:-1]):
            nested = {key: nested}
        nested = known_keys_only(nested, f"-c {'.'.join(keys)}")
        validate_source(nested, f"-c {'.'.join(keys)}")
        overrides = _deep_merge(overrides, nested)
    raw = _with_profile(raw, overrides, cli.profile, sources[0])
    toml = _validate(raw, ", ".join(str(p) for p in sources) + ", -c overrides")
    if toml.web_search not in (None, "disabled"):
        raise ConfigError(
            f'web_search = "{toml.web_search}": Tandem has no web search tool; leave the key out or set '
            'web_search = "disabled"'
        )

    providers = built_in_providers(env, toml.openai_base_url or None)
    for key, info in toml.model_providers.items():
        providers[key] = provider_from_table(info, key, providers.get(key))
    provider = select_provider(providers, cli, toml.model_provider, toml.oss_provider)
    from_env = "OPENAI_BASE_URL" if provider.id == "openai" and not toml.openai_base_url else None
    check_base_url(provider.id, provider.base_url, from_env if env.get("OPENAI_BASE_URL") else None)
    default_model = (
        DEFAULT_OSS_MODEL
        if cli.oss
        else DEFAULT_ANTHROPIC_MODEL
        if provider.wire_api is WireApi.ANTHROPIC
        else DEFAULT_MODEL
    )
    # Freeform (grammar) tools are an OpenAI Responses extension; local servers and other wire APIs get JSON.
    freeform = provider.wire_api is WireApi.RESPONSES and provider.id not in LOCAL_PROVIDERS
    patch_tool = toml.apply_patch_tool_type or (
        ApplyPatchToolType.FREEFORM if freeform else ApplyPatchToolType.FUNCTION
    )
    secret_vars = sorted({name for info in providers.values() for name in info.secret_env_vars()})
    return Config(
        model=cli.model or toml.model or default_model,
        provider=provider,
        approval_policy=cli.approval_policy or toml.approval_policy or ApprovalPolicy.ON_REQUEST,
        sandbox_mode=cli.sandbox_mode or toml.sandbox_mode or SandboxMode.WORKSPACE_WRITE,
        cwd=cwd,
        tandem_home=home,
        project_doc_max_bytes=toml.project_doc_max_bytes,
        project_doc_fallback_filenames=tuple(toml.project_doc_fallback_filenames),
        model_reasoning_effort=toml.model_reasoning_effort,
        model_reasoning_summary=toml.model_reasoning_summary,
        apply_patch_tool_type=patch_tool,
        network_access=toml.sandbox_workspace_write.network_access,
        writable_roots=(
            *(Path(p).expanduser().resolve() for p in toml.sandbox_workspace_write.writable_roots),
            *(p.resolve() for p in cli.writable_roots),
        ),
        exclude_slash_tmp=toml.sandbox_workspace_write.exclude_slash_tmp,
        exclude_tmpdir_env_var=toml.sandbox_workspace_write.exclude_tmpdir_env_var,
        limits=SandboxLimits(**toml.sandbox_limits.model_dump()),
        env_exclude=(*toml.shell_environment_policy.exclude, *secret_vars),
        project_trusted=trusted,
        model_context_window=toml.model_context_window,
        model_auto_compact_token_limit=toml.model_auto_compact_token_limit,
        auto_compact_fraction=toml.auto_compact_fraction,
        tool_output_token_limit=toml.tool_output_token_limit,
        shell_default_timeout_ms=toml.shell_default_timeout_ms,
        checkpoints=toml.checkpoints,
        turn_limits=TurnLimits(**toml.turn_limits.model_dump()),
        mcp_servers=parse_servers(raw.get("mcp_servers"), mcp_sources),
        skills=SkillsSettings(
            include_claude=toml.skills.include_claude,
            rules=tuple(
                SkillRule(rule.enabled, Path(rule.path).expanduser() if rule.path else None, rule.name)
                for rule in toml.skills.config
            ),
        ),
        hooks_inline=hooks_inline,
    )


def select_provider(
    providers: Mapping[str, ProviderInfo], cli: CliOverrides, model_provider: str | None, oss_provider: str | None
) -> ProviderInfo:
    """The provider to use: ``--provider``, else ``--oss`` (``oss_provider``, default ``ollama``), else
    ``model_provider`` from the config, else ``openai``.

    Raises:
        ConfigError: an unknown id, or a preset whose ``base_url`` the user has not configured (``azure``).
    """
    provider_id = cli.provider or ((oss_provider or "ollama") if cli.oss else None) or model_provider or "openai"
    if provider_id not in providers:
        known = ", ".join(sorted(providers))
        raise ConfigError(f"unknown model provider {provider_id!r}; known providers: {known}")
    provider = providers[provider_id]
    if not provider.base_url:
        example = "https://<resource>.openai.azure.com/openai" if provider_id == "azure" else "https://..."
        raise ConfigError(
            f"model provider {provider_id!r} needs a base_url: add [model_providers.{provider_id}] "
            f'with base_url = "{example}" to config.toml, or pass '
            f'-c model_providers.{provider_id}.base_url="{example}"'
        )
    return provider


def require_credentials(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key to use, checking that a model is reachable in principle.

    Returns:
        The value of the provider's ``env_key`` variable, or ``None`` (keyless provider, or an optional key unset).

    Raises:
        ConfigError: the provider needs a key and none is set; the message names the variable, the
            provider's ``env_key_instructions`` and (for OpenAI) the other ways to get a model. Never the key.
    """
    env = os.environ if environ is None else environ
    provider = config.provider
    key = provider.api_key(env)
    if key is None and provider.requires_key:
        how = f" ({provider.env_key_instructions})" if provider.env_key_instructions else ""
        if provider.id == "openai" and provider.env_key == "OPENAI_API_KEY":
            raise ConfigError(
                f"no model is configured: set OPENAI_API_KEY{how} (or CODEX_API_KEY; and optionally OPENAI_BASE_URL), "
                "or run with --oss to use a local Ollama, or choose a provider in "
                f'{config.tandem_home / "config.toml"} (model_provider = "..." with a '
                "[model_providers.<id>] table giving base_url and env_key)"
            )
        if provider.env_key is None:
            raise ConfigError(
                f"model provider {provider.id!r} requires an API key but names no variable for it: "
                f"set env_key in [model_providers.{provider.id}]"
            )
        raise ConfigError(
            f"model provider {provider.id!r} ({provider.name}) needs an API key: "
            f"set the environment variable {provider.env_key}{how}"
        )
    return key
