"""``tandem hooks list [--json]``: every hook a session in this folder would run, and the problems met
reading the hook files (:func:`tandem.hooks.config.discover_hooks`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tandem.config import load_config
from tandem.errors import ConfigError
from tandem.hooks.config import discover_hooks


def hooks_list(cwd: Path, as_json: bool) -> int:
    """Print the hooks for ``cwd`` to stdout (one line each: event, matcher, timeout, command, source),
    warnings to stderr. Returns the exit code (1 when the configuration cannot be read)."""
    try:
        config = load_config(cwd)
    except ConfigError as exc:
        sys.stderr.write(f"tandem hooks: {exc}\n")
        return 1
    hooks = discover_hooks(config)
    if as_json:
        rows = [
            {
                "event": h.event.value,
                "matcher": h.matcher,
                "command": h.command,
                "timeout": h.timeout_s,
                "source": h.source,
            }
            for h in hooks.handlers
        ]
        sys.stdout.write(json.dumps({"hooks": rows, "warnings": list(hooks.warnings)}, indent=2) + "\n")
    elif not hooks.handlers:
        sys.stdout.write("no hooks configured (hooks.json in $TANDEM_HOME or a trusted project's .tandem/)\n")
    else:
        for h in hooks.handlers:
            sys.stdout.write(f"{h.event.value}\t{h.matcher or '*'}\t{h.timeout_s}s\t{h.command}\t{h.source}\n")
    for warning in hooks.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    return 0
