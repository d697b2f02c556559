"""Retry policy as data: which model errors are retried, how often, and how long to wait.

Rules (after Codex, docs/reference-facts.md §1): HTTP 5xx / 408 / 429 (but never quota) and transport
errors up to ``request_max_retries`` times; stream errors (a stream that broke, went idle, or
ended without ``response.completed``; ``response.failed`` with a transient code) up to
``stream_max_retries`` times. Backoff ``base_delay_s * factor**attempt`` with ±``jitter``
fraction, capped at ``max_delay_s``; a server-given wait ("Retry-After", "try again in 1.2s")
replaces the computed one.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from tandem.errors import ModelError, ModelHTTPError, ModelTransportError

_TRY_AGAIN = re.compile(r"try again in\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|milliseconds?|s|sec|seconds?)?", re.IGNORECASE)


def parse_retry_after(text: str | None) -> float | None:
    """Seconds to wait, from a ``Retry-After`` header value (seconds) or a "try again in Ns" message.

    Returns ``None`` when ``text`` says nothing usable. HTTP-date Retry-After values are not
    honoured (providers send seconds); they return ``None``.
    """
    if not text:
        return None
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        match = _TRY_AGAIN.search(stripped)
        if match is None:
            return None
        value = float(match.group(1))
        unit = (match.group(2) or "s").lower()
        if unit.startswith("m"):
            value /= 1000.0
    return value if value >= 0 else None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How model requests are retried. Times are in seconds.

    Attributes:
        request_max_retries: retries for HTTP/transport failures before a stream started.
        stream_max_retries: retries for failures of a stream once it started.
        base_delay_s, factor, max_delay_s: exponential backoff parameters.
        jitter: fraction of the delay added or removed at random (0.1 = ±10%).
    """

    request_max_retries: int = 4
    stream_max_retries: int = 5
    base_delay_s: float = 0.2
    factor: float = 2.0
    max_delay_s: float = 30.0
    jitter: float = 0.1

    def budget_for(self, error: ModelError) -> int:
        """How many retries ``error``'s kind is allowed in total (0 when it is not retryable)."""
        if not error.retryable:
            return 0
        if isinstance(error, ModelHTTPError | ModelTransportError):
            return self.request_max_retries
        return self.stream_max_retries

    def next_delay(self, error: ModelError, retries_done: int) -> float | None:
        """Seconds to wait before retry number ``retries_done + 1``, or ``None`` to give up."""
        if retries_done >= self.budget_for(error):
            return None
        server_wait: float | None = getattr(error, "retry_after", None)
        if server_wait is not None:
            return min(server_wait, self.max_delay_s)
        delay = min(self.base_delay_s * self.factor**retries_done, self.max_delay_s)
        return max(0.0, delay * (1.0 + random.uniform(-self.jitter, self.jitter)))
