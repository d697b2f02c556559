"""Model-visible names of MCP tools: ``mcp__<server>__<tool>``, sanitised, unique and at most 64 bytes.

The rules are Codex's (docs/reference-facts.md §12):

* the namespace ``mcp__<server>__`` and the tool name are each sanitised: every character outside
  ``[A-Za-z0-9_]`` becomes ``_`` (an empty name becomes ``_``);
* two servers whose namespaces sanitise alike get ``_<12 hex of SHA-1(server identity)>`` before
  the namespace's trailing ``__``; two tools of one namespace that sanitise alike get
  ``_<12 hex of SHA-1(tool identity)>`` appended;
* candidates are taken in the order of their raw identity; a name over 64 bytes, or one already
  taken, is cut so that ``_`` and 12 hex digits of the SHA-1 of the raw identity fit (a retry
  hashes ``identity\\0<n>``).

The server is always called with the raw tool name; only the model sees the qualified one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

MAX_NAME_BYTES = 64
HASH_HEX = 12
DELIMITER = "__"
PREFIX = "mcp"


@dataclass(frozen=True, slots=True)
class QualifiedName:
    """One tool's model-visible ``name`` and the ``server`` / raw ``tool`` it stands for."""

    name: str
    server: str
    tool: str


def sanitize(name: str) -> str:
    """``name`` with every character outside ``[A-Za-z0-9_]`` replaced by ``_`` (``_`` if empty)."""
    out = "".join(c if (c.isascii() and c.isalnum()) or c == "_" else "_" for c in name)
    return out or "_"


def _suffix(identity: str) -> str:
    return "_" + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:HASH_HEX]


def _fit(namespace: str, tool: str, identity: str) -> tuple[str, str]:
    """Cut ``tool`` (or, if the namespace alone is too long, the namespace) so the hash suffix fits."""
    suffix = _suffix(identity)
    room = MAX_NAME_BYTES - len(namespace)
    if room >= len(suffix):
        return namespace, tool[: room - len(suffix)] + suffix
    return namespace[: MAX_NAME_BYTES - len(suffix)], suffix


@dataclass(slots=True)
class _Candidate:
    server: str
    tool: str
    namespace_identity: str
    tool_identity: str
    namespace: str
    callable: str


def qualify(tools: Iterable[tuple[str, str]]) -> list[QualifiedName]:
    """Qualified names for ``(server, raw tool name)`` pairs, sorted by name (the order tools are offered).

    A pair given twice is kept once. Names are pure ASCII, so characters are bytes.
    """
    candidates: list[_Candidate] = []
    seen: set[str] = set()
    for server, tool in tools:
        raw_namespace = f"{PREFIX}{DELIMITER}{server}{DELIMITER}"
        namespace_identity = f"{server}\0{raw_namespace}\0"
        tool_identity = f"{namespace_identity}\0{tool}\0{tool}"
        if tool_identity in seen:
            continue
        seen.add(tool_identity)
        candidates.append(
            _Candidate(server, tool, namespace_identity, tool_identity, sanitize(raw_namespace), sanitize(tool))
        )
    namespaces: dict[str, set[str]] = defaultdict(set)
    for c in candidates:
        namespaces[c.namespace].add(c.namespace_identity)
    for c in candidates:
        if len(namespaces[c.namespace]) > 1:
            base = c.namespace.removesuffix(DELIMITER)
            c.namespace = base + _suffix(c.namespace_identity) + (DELIMITER if base != c.namespace else "")
    callables: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in candidates:
        callables[(c.namespace, c.callable)].add(c.tool_identity)
    for c in candidates:
        if len(callables[(c.namespace, c.callable)]) > 1:
            c.callable += _suffix(c.tool_identity)
    used: set[str] = set()
    names: list[QualifiedName] = []
    for c in sorted(candidates, key=lambda c: c.tool_identity):
        name = c.namespace + c.callable
        attempt = 0
        while len(name) > MAX_NAME_BYTES or name in used:
            identity = c.tool_identity if attempt == 0 else f"{c.tool_identity}\0{attempt}"
            namespace, callable_ = _fit(c.namespace, c.callable, identity)
            name = namespace + callable_
            attempt += 1
        used.add(name)
        names.append(QualifiedName(name, c.server, c.tool))
    return sorted(names, key=lambda q: q.name)
