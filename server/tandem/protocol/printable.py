"""What a prompt may show of text it did not write: :func:`printable`.

A command, a reason, a path or a diff comes from the model (or a file) and is shown to the user
when approval is asked — in the terminal (``tandem exec``), in ``window/showMessageRequest`` and in
the editor extension (``tandem/requestApproval``). Raw, ``touch x #\\e[2K\\r$ ls -la`` erases its
own line and displays as ``$ ls -la``, and a bidi override reorders what follows it. So every
such text is escaped before it is shown or sent.
"""

from __future__ import annotations

import unicodedata

_KEPT = frozenset("\n\t")
_SHORT = {"\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\0"}
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(char: str) -> str:
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, format (bidi overrides, zero-width), surrogate, private-use,
    unassigned and line/paragraph-separator character written as an escape (``\\x1b``, ``\\r``,
    ``\\u202e``); newlines and tabs stay. Backslashes are left alone, so applying it twice changes
    nothing more."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        _escape(char) if char not in _KEPT and unicodedata.category(char) in _HIDDEN_CATEGORIES else char
        for char in text
    )
