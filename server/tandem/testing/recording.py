"""Requests the scripted model server received, kept in arrival order.

Each request is recorded before it is answered, so a test that saw a response can always see the
request behind it. JSON shape of one record (``GET /_scripted/requests`` returns a list of them,
``--record FILE`` writes one per line)::

    {"method": "POST", "path": "/v1/responses", "headers": {"content-type": "application/json", ...},
     "body": {...} | null, "received_at": 1732260000.123}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One received HTTP request.

    Attributes:
        method: ``"POST"``, ``"GET"``, ...
        path: the request target as sent, query string included (e.g. ``/v1/responses``).
        headers: header names lower-cased; repeated headers joined with ``", "``.
        body: the body parsed as JSON when it is a JSON object, else ``None``.
        received_at: Unix time (``time.time()``) when the request was read.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (shape in the module docstring)."""
        return {
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers),
            "body": self.body,
            "received_at": self.received_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordedRequest:
        """Rebuild a record from :meth:`to_json` output (e.g. fetched from a subprocess server)."""
        return cls(
            str(data["method"]),
            str(data["path"]),
            dict(data.get("headers") or {}),
            data.get("body"),
            float(data.get("received_at") or 0.0),
        )


class RequestLog:
    """Thread-safe, append-only list of :class:`RecordedRequest` with blocking waits.

    Args:
        listener: called with each new record, under the log's lock so records reach it in arrival
            order; its exceptions are swallowed so a faulty listener cannot break the server.
    """

    def __init__(self, listener: Callable[[RecordedRequest], None] | None = None) -> None:
        self._items: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._listener = listener

    def add(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None) -> RecordedRequest:
        """Record a request now and wake waiters; returns the record."""
        record = RecordedRequest(method, path, headers, body, time.time())
        with self._changed:
            self._items.append(record)
            if self._listener is not None:
                try:
                    self._listener(record)
                except Exception:  # noqa: BLE001 - a broken listener must not break the server
                    pass
            self._changed.notify_all()
        return record

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the records so far."""
        with self._changed:
            return list(self._items)

    def wait_for(self, count: int, timeout: float) -> list[RecordedRequest]:
        """Block until at least ``count`` requests arrived; returns a copy of all records.

        Raises:
            TimeoutError: fewer than ``count`` arrived within ``timeout`` seconds (the message lists
                what did arrive).
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= count, timeout):
                seen = ", ".join(f"{r.method} {r.path}" for r in self._items) or "none"
                raise TimeoutError(f"expected {count} request(s) within {timeout:g} s, got {len(self._items)}: {seen}")
            return list(self._items)
