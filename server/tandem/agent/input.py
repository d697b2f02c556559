"""Turning a user's input items into the Responses ``message`` the model receives.

``text`` is sent as typed; ``file`` / ``selection`` / ``diagnostic`` mentions are expanded with
the text they point at (read through the workspace's file system, so in the editor they see
unsaved buffer contents); ``image`` becomes an ``input_image`` part with a ``data:`` URL.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from tandem.errors import InvalidParamsError
from tandem.patch.fs import FileSystem
from tandem.protocol import JsonDict
from tandem.protocol.items import (
    DiagnosticInput,
    FileInput,
    ImageInput,
    InputItem,
    Range,
    SelectionInput,
    SkillInput,
    TextInput,
)

_MAX_MENTION_BYTES = 256 * 1024
MAX_USER_INPUT_TEXT_CHARS = 1 << 20
"""The most characters of text one turn's (or steer's) input may have (Codex's limit,
docs/reference-facts.md §4)."""


def check_input_size(input_items: list[InputItem], token_limit: int | None) -> None:
    """Refuse input too large to send: over :data:`MAX_USER_INPUT_TEXT_CHARS` characters of text, or
    (estimated at 4 bytes per token) over ``token_limit`` — the auto-compaction limit, past which
    every request would compact it away.

    Raises:
        InvalidParamsError: naming the input's size and the limit.
    """
    texts = [item.text for item in input_items if isinstance(item, TextInput)]
    chars = sum(len(text) for text in texts)
    if chars > MAX_USER_INPUT_TEXT_CHARS:
        raise InvalidParamsError(
            f"Input exceeds the maximum length of {MAX_USER_INPUT_TEXT_CHARS} characters "
            f"(this input has {chars} characters)."
        )
    tokens = sum(len(text.encode("utf-8", "surrogatepass")) for text in texts) // 4
    if token_limit is not None and tokens > token_limit:
        raise InvalidParamsError(
            f"Input is too large for the model's context: ~{tokens} tokens ({chars} characters), "
            f"more than the {token_limit} tokens the context may hold before it is compacted."
        )


def uri_to_path(uri: str, cwd: Path) -> Path:
    """A ``file://`` URI (or a plain path, relative to ``cwd``) as an absolute path.

    Raises:
        InvalidParamsError: a URI with a scheme other than ``file``.
    """
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file") and not (parsed.scheme == "" and uri.startswith("//")):
        raw = unquote(parsed.path) if parsed.scheme == "file" else uri
        path = Path(raw)
        return path if path.is_absolute() else (cwd / path)
    raise InvalidParamsError(f"unsupported URI {uri!r}: only file:// URIs can be mentioned")


def _display(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def _slice(text: str, rng: Range | None) -> tuple[str, int]:
    """The lines a range covers (whole lines; LSP lines are 0-based) and the first line's 1-based number."""
    if rng is None:
        return text, 1
    lines = text.splitlines(keepends=True)
    end = rng.end.line + (1 if rng.end.character > 0 or rng.end.line == rng.start.line else 0)
    return "".join(lines[rng.start.line : max(end, rng.start.line + 1)]), rng.start.line + 1


def _read(fs: FileSystem, path: Path) -> str:
    try:
        data = fs.read_bytes(path)
    except FileNotFoundError:
        raise InvalidParamsError(f"mentioned file does not exist: {path}") from None
    except OSError as exc:
        raise InvalidParamsError(f"cannot read mentioned file {path}: {exc.strerror or exc}") from exc
    return data[:_MAX_MENTION_BYTES].decode("utf-8", "replace")


def _numbered(text: str, first: int) -> str:
    return "".join(f"{first + i:>6}\t{line}" for i, line in enumerate(text.splitlines(keepends=True)))


def content_part(item: InputItem, cwd: Path, fs: FileSystem) -> JsonDict:
    """One Responses content part for one input item.

    Raises:
        InvalidParamsError: a mention of a missing/unreadable file or an unsupported URI.
    """
    if isinstance(item, TextInput):
        return {"type": "input_text", "text": item.text}
    if isinstance(item, ImageInput):
        return {"type": "input_image", "image_url": item.data_url or _image_data_url(item.path, cwd)}
    if isinstance(item, SkillInput):
        return {"type": "input_text", "text": f"${item.name}"}
    path = uri_to_path(item.uri, cwd)
    shown = _display(path, cwd)
    text, first = _slice(_read(fs, path), item.range)
    if isinstance(item, FileInput):
        where = f" lines {first}-{first + max(text.count(chr(10)), 1) - 1}" if item.range else ""
        return {"type": "input_text", "text": f'<file path="{shown}"{where}>\n{_numbered(text, first)}</file>'}
    if isinstance(item, SelectionInput):
        return {
            "type": "input_text",
            "text": f'<selection path="{shown}" line="{first}">\n{_numbered(text, first)}</selection>',
        }
    assert isinstance(item, DiagnosticInput)
    return {
        "type": "input_text",
        "text": f'<diagnostic path="{shown}" line="{first}">\n{item.message}\n{_numbered(text, first)}</diagnostic>',
    }


def _image_data_url(path: str | None, cwd: Path) -> str:
    if not path:
        raise InvalidParamsError("image input needs a path or a dataUrl")
    full = Path(path) if Path(path).is_absolute() else cwd / path
    mime = mimetypes.guess_type(full.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise InvalidParamsError(f"{path} is not an image")
    try:
        data = full.read_bytes()
    except OSError as exc:
        raise InvalidParamsError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def user_message(items: list[InputItem], cwd: Path, fs: FileSystem) -> JsonDict:
    """The ``{"type": "message", "role": "user", "content": [...]}`` item for a turn's input.

    Raises:
        InvalidParamsError: empty input, or an input item that cannot be read.
    """
    if not items:
        raise InvalidParamsError("input: a turn needs at least one input item")
    # A skill item is not content: its SKILL.md is injected after this message (tandem.skills.inject).
    content = [content_part(item, cwd, fs) for item in items if not isinstance(item, SkillInput)]
    if not content:
        content = [
            {"type": "input_text", "text": " ".join(f"${item.name}" for item in items if isinstance(item, SkillInput))}
        ]
    return {"type": "message", "role": "user", "content": content}


def preview_text(items: list[InputItem]) -> str:
    """The user's typed text, for titles and rollouts."""
    return "\n".join(item.text for item in items if isinstance(item, TextInput))
