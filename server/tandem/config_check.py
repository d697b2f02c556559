"""Checking one source of configuration (a ``config.toml`` file or one ``-c`` override) before the layers
are merged, so every message names the key and where it came from.

* **Unknown keys warn and are ignored**, at every depth (top level, ``[sandbox_workspace_write]``,
  ``[model_providers.<id>]``, ``[profiles.<name>]``...), with a "did you mean" from :mod:`difflib` when a
  known key is close, e.g. ``~/.tandem/config.toml: unknown key 'sandbox_mod' (ignored); did you mean
  'sandbox_mode'?``. Codex does the same at run time: its ``ConfigToml`` (docs/reference-facts.md §1)
  is read with serde's default, which skips unknown keys (only its JSON Schema forbids them). Keys of
  Codex's own config that Tandem does not read (``notify``, ``tui``, ``plugins``...) get one line per
  source saying so, never a "did you mean".
* **Invalid values are errors** (:class:`~tandem.errors.ConfigError`) naming the key and the source:
  ``invalid configuration in ~/.tandem/config.toml: shell_default_timeout_ms = -5: Input should be greater
  than 0``. Numbers and booleans are quoted; strings are not (a URL or header may hold a secret).
* A ``base_url`` (or ``openai_base_url``, or ``OPENAI_BASE_URL``) that is not an ``http(s)://host…`` URL is
  such an error (:func:`tandem.config_toml.url_problem`), before any request is made.

Warnings go to the ``tandem.config`` logger (stderr in ``tandem exec``, the log in ``tandem lsp``, each
time a thread's configuration is loaded).
"""

from __future__ import annotations

import difflib
import logging
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tandem.config_toml import ConfigToml, ProviderToml, ShellEnvironmentPolicyToml, url_problem
from tandem.errors import ConfigError

log = logging.getLogger("tandem.config")

EXTRA_TOP_LEVEL = frozenset({"projects", "hooks", "mcp_servers"})
"""Top-level keys Tandem reads outside :class:`~tandem.config_toml.ConfigToml` (``[projects."<path>"]``
``trust_level``, read from the raw user config; ``[hooks]``, read per layer by :mod:`tandem.hooks.config`;
``[mcp_servers.<name>]``, validated by :mod:`tandem.config_mcp`)."""

CODEX_ONLY_KEYS: Mapping[type[BaseModel], frozenset[str]] = {
    ConfigToml: frozenset(
        {
            "review_model",
            "approvals_reviewer",
            "allow_login_shell",
            "default_permissions",
            "permissions",
            "notify",
            "instructions",
            "developer_instructions",
            "include_permissions_instructions",
            "include_apps_instructions",
            "include_environment_context",
            "model_instructions_file",
            "compact_prompt",
            "commit_attribution",
            "forced_chatgpt_workspace_id",
            "forced_login_method",
            "cli_auth_credentials_store",
            "mcp_oauth_credentials_store",
            "mcp_oauth_callback_port",
            "mcp_oauth_callback_url",
            "background_terminal_max_timeout",
            "js_repl_node_path",
            "js_repl_node_module_dirs",
            "zsh_path",
            "history",
            "sqlite_home",
            "log_dir",
            "file_opener",
            "tui",
            "hide_agent_reasoning",
            "show_raw_agent_reasoning",
            "model_parallel_tool_calls",
            "plan_mode_reasoning_effort",
            "model_verbosity",
            "model_supports_reasoning_summaries",
            "model_catalog_json",
            "personality",
            "service_tier",
            "chatgpt_base_url",
            "audio",
            "experimental_realtime_ws_base_url",
            "experimental_realtime_ws_model",
            "realtime",
            "experimental_realtime_ws_backend_prompt",
            "experimental_realtime_ws_startup_context",
            "experimental_realtime_start_instructions",
            "tools",
            "tool_suggest",
            "agents",
            "memories",
            "plugins",
            "marketplaces",
            "features",
            "suppress_unstable_features_warning",
            "ghost_snapshot",
            "project_root_markers",
            "check_for_update_on_startup",
            "disable_paste_burst",
            "analytics",
            "feedback",
            "apps",
            "otel",
            "windows",
            "windows_wsl_setup_acknowledged",
            "notice",
            "experimental_instructions_file",
            "experimental_compact_prompt_file",
            "experimental_use_unified_exec_tool",
            "experimental_use_freeform_apply_patch",
            "include_apply_patch_tool",
            "tools_view_image",
        }
    ),
    ProviderToml: frozenset(
        {"experimental_bearer_token", "auth", "websocket_connect_timeout_ms", "supports_websockets"}
    ),
    ShellEnvironmentPolicyToml: frozenset(
        {"inherit", "ignore_default_excludes", "set", "include_only", "experimental_use_profile"}
    ),
}
"""Keys of Codex's config (docs/reference-facts.md §1) that Tandem does not read, per table."""


def _warn(text: str) -> None:
    log.warning("%s", text)


def _table_of(annotation: Any) -> tuple[type[BaseModel] | None, type[BaseModel] | None]:
    """(the model of a table field, the model of each value of a table-of-tables field)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, None
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _table_of(arg)
            if found != (None, None):
                return found
    if origin is dict:
        value = get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return None, value
    return None, None


def _known(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields) | (set(EXTRA_TOP_LEVEL) if model is ConfigToml else set())


def _walk(raw: Mapping[str, Any], model: type[BaseModel], path: str, source: str, codex: list[str]) -> dict[str, Any]:
    known = _known(model)
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{path}{key}"
        if key not in known:
            if key in CODEX_ONLY_KEYS.get(model, frozenset()):
                codex.append(dotted)
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{path}{close[0]}'?" if close else ""
            _warn(f"{source}: unknown key '{dotted}' (ignored){hint}")
            continue
        table, tables = _table_of(model.model_fields[key].annotation) if key in model.model_fields else (None, None)
        if model is ConfigToml and key == "profiles":
            tables = ConfigToml
        if table is not None and isinstance(value, Mapping):
            value = _walk(value, table, f"{dotted}.", source, codex)
        elif tables is not None and isinstance(value, Mapping):
            value = {
                name: _walk(entry, tables, f"{dotted}.{name}.", source, codex) if isinstance(entry, Mapping) else entry
                for name, entry in value.items()
            }
        kept[key] = value
    return kept


def known_keys_only(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``raw`` (one source's keys, nested tables as dicts) without the keys Tandem does not know, each of
    which is warned about naming ``source`` (a file path, or ``-c KEY``)."""
    codex: list[str] = []
    kept = _walk(raw, ConfigToml, "", source, codex)
    if codex:
        _warn(f"{source}: ignoring {', '.join(codex)} (Codex settings Tandem does not use)")
    return kept


def _problem(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    value = error.get("input")
    shown = f" = {str(value).lower() if isinstance(value, bool) else value}" if isinstance(value, int | float) else ""
    return f"{key}{shown}: {error['msg']}"


def validate_source(raw: Mapping[str, Any], source: str) -> None:
    """Check the values of one source on their own, and of each ``[profiles.<name>]`` table in it.

    Raises:
        ConfigError: a value is invalid; the message names the key(s) and ``source``.
    """
    tables: list[tuple[Mapping[str, Any], str]] = [(raw, source)]
    profiles = raw.get("profiles")
    if isinstance(profiles, Mapping):
        tables += [(t, f"{source} [profiles.{n}]") for n, t in profiles.items() if isinstance(t, Mapping)]
    for table, where in tables:
        try:
            ConfigToml.model_validate(table)
        except ValidationError as exc:
            problems = "; ".join(_problem(err) for err in exc.errors())
            raise ConfigError(f"invalid configuration in {where}: {problems}") from exc


def shown_url(url: str) -> str:
    """``url`` as it may be shown even when too broken to parse: any ``user:password@`` becomes
    ``[REDACTED]@`` and any query ``?[REDACTED]`` (either may hold a credential)."""
    url, query, _ = url.partition("?")
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        rest = "[REDACTED]@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}" + ("?[REDACTED]" if query else "")


def check_base_url(provider_id: str, base_url: str, from_env: str | None) -> None:
    """The chosen provider's ``base_url`` is a URL (a config value was checked already; this catches
    ``OPENAI_BASE_URL``, named by ``from_env`` when the URL came from it).

    Raises:
        ConfigError: it is not one; nothing was sent anywhere.
    """
    problem = url_problem(base_url)
    if problem is None:
        return
    where = f"the environment variable {from_env}" if from_env else f"model_providers.{provider_id}.base_url"
    raise ConfigError(
        f"{where} = {shown_url(base_url)!r} {problem}: the model provider {provider_id!r} needs a URL such as "
        '"https://api.example.com/v1"'
    )
