"""Logging set-up for the ``tandem`` command: where log lines go and how many there are.

Logs go to stderr or to a file, never to stdout (stdout carries the agent's answer in ``tandem exec``
and the LSP channel in ``tandem lsp``). Verbosity is counted from ``-v`` flags:

======  ==============================================================================
``0``   ``tandem exec``: warnings only (stderr is the human transcript); ``tandem lsp``: info
``1``   debug lines from Tandem itself: model requests and responses (status, usage, ms),
        retries, tool calls (name, ms), approvals asked and answered, checkpoint scans
``2+``  also the libraries' own debug lines (httpx, pygls)
======  ==============================================================================
"""

from __future__ import annotations

import logging
import sys
from enum import Enum
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOISY = ("pygls", "httpx", "httpcore", "asyncio")


class LogSurface(Enum):
    """Which command is logging: it sets the level used without ``-v``."""

    EXEC = logging.WARNING
    LSP = logging.INFO


def configure_logging(surface: LogSurface, verbosity: int = 0, log_file: str | Path | None = None) -> None:
    """Send log records to stderr (or ``log_file``, appended) at the level ``verbosity`` asks for.

    Args:
        surface: the command, for the default level (see the module docstring).
        verbosity: how many ``-v`` flags were given (0, 1, 2, ...).
        log_file: a file to append to instead of stderr.

    Raises:
        OSError: ``log_file`` cannot be opened.
    """
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 1 else surface.value)
    for name in _NOISY:  # they log every message: slow, and not for users unless asked twice
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
