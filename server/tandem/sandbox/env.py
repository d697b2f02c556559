"""The environment of the commands the agent runs: secrets scrubbed, output made plain.

Every command the model asks for (``shell_command``, tests, formatters...) runs with
:func:`build_child_env`. Two rules:

* **No secrets.** Variables whose *name* matches ``*KEY*``, ``*SECRET*``, ``*TOKEN*`` or
  ``*PASSWORD*`` (case-insensitive shell globs, :data:`DEFAULT_SECRET_PATTERNS`, plus any the
  config adds) are dropped. Codex passes ``OPENAI_API_KEY`` on to the commands it runs
  (docs/reference-facts.md §5); a prompt-injected ``env | curl ...`` would leak it. We do not.
  Limits: only names are judged — a password inside ``DATABASE_URL`` stays; and without the
  sandbox's pid namespace a child can still read the agent's own ``/proc/<pid>/environ``
  (docs/reference-facts.md §3).
* **Plain output.** ``NO_COLOR=1 TERM=dumb PAGER=cat GIT_PAGER=cat CLICOLOR=0`` (Codex sets the
  first three, docs/reference-facts.md §2): the output goes to a model, not a terminal, and a pager
  would wait forever on a closed stdin. ``FORCE_COLOR`` and ``CLICOLOR_FORCE``, which would
  override them, are dropped.

Everything else (``PATH``, ``HOME``, ``LANG``, ``VIRTUAL_ENV``...) is kept as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

#: Name globs of variables never passed to a child (matched case-insensitively).
DEFAULT_SECRET_PATTERNS: tuple[str, ...] = ("*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*")

#: Variables set in every child so tools print plain text and never page.
PLAIN_OUTPUT_ENV: Mapping[str, str] = {
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "CLICOLOR": "0",
}

#: Variables that force colour back on despite ``NO_COLOR``; dropped.
_COLOR_FORCING = frozenset({"FORCE_COLOR", "CLICOLOR_FORCE"})

#: ``PATH`` used when the base environment has none (a shell without PATH finds nothing).
FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"

#: Name of the variable that tells a child which sandbox mode it runs under.
SANDBOX_ENV_VAR = "TANDEM_SANDBOX"


def is_secret_name(name: str, patterns: Sequence[str] = DEFAULT_SECRET_PATTERNS) -> bool:
    """Whether a variable called ``name`` matches any of ``patterns``.

    Args:
        name: an environment variable name, e.g. ``"OPENAI_API_KEY"``.
        patterns: shell-style globs (``*``, ``?``, ``[...]``), compared case-insensitively.

    Returns:
        True when the variable must not reach a child process.
    """
    upper = name.upper()
    return any(fnmatchcase(upper, pattern.upper()) for pattern in patterns)


def build_child_env(
    base: Mapping[str, str],
    *,
    sandbox_mode: str | None = None,
    extra_deny_patterns: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the environment for a command the agent runs.

    Args:
        base: the environment to start from, normally ``os.environ``. Not modified.
        sandbox_mode: the sandbox mode the command runs under (``"read-only"``,
            ``"workspace-write"``, ``"danger-full-access"``); exported as ``TANDEM_SANDBOX``
            when given, so scripts can tell they run under the agent.
        extra_deny_patterns: more name globs to drop, on top of :data:`DEFAULT_SECRET_PATTERNS`
            (case-insensitive, e.g. ``["AWS_*", "*CREDENTIAL*"]``).
        overrides: variables set last, after scrubbing and the plain-output defaults: they win
            over both and are *not* filtered (the caller asked for them explicitly, e.g. a
            config's ``[shell_environment_policy.set]``).

    Returns:
        A new ``dict`` of name -> value. Names that cannot be exported (empty, containing
        ``=`` or NUL) and values containing NUL are dropped. ``PATH`` is set to
        :data:`FALLBACK_PATH` when the base has none. Never raises.
    """
    patterns = (*DEFAULT_SECRET_PATTERNS, *extra_deny_patterns)
    env: dict[str, str] = {}
    for name, value in base.items():
        if not name or "=" in name or "\0" in name or "\0" in value:
            continue
        if name.upper() in _COLOR_FORCING or is_secret_name(name, patterns):
            continue
        env[name] = value
    env.update(PLAIN_OUTPUT_ENV)
    env.setdefault("PATH", FALLBACK_PATH)
    if sandbox_mode is not None:
        env[SANDBOX_ENV_VAR] = sandbox_mode
    if overrides:
        env.update(overrides)
    return env
