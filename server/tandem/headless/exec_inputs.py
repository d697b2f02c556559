"""What ``tandem exec`` reads before a turn starts: the prompt (argument and stdin), the output
schema, the images, and a check that the ``-o`` file can be written.

Every problem is an :class:`~tandem.errors.InvalidParamsError` raised before any model request, so a
typo never costs a turn. The prompt rules are ``codex exec``'s (docs/reference-facts.md §5): the
argument, or stdin when there is none (or it is ``-``); with an argument, piped stdin is appended
as a ``<stdin>`` block. Stdin is decoded as ``codex exec`` decodes it (:func:`decode_prompt_bytes`); a
prompt argument that is not valid UTF-8 is refused too.
"""

from __future__ import annotations

import io
import json
import mimetypes
import os
import select
from enum import Enum
from pathlib import Path
from typing import IO

from tandem.errors import InvalidParamsError
from tandem.protocol import JsonDict
from tandem.protocol.items import ImageInput


class PromptStdin(Enum):
    """What piped stdin means when a prompt argument is given."""

    APPEND = "append"  # codex exec: appended to the prompt as a <stdin> block
    IGNORE = "ignore"  # not read (``exec resume``, as in Codex; ``tandem demo``: stdin is for approvals)


def with_stdin_block(prompt: str, stdin_text: str) -> str:
    """``prompt`` followed by ``stdin_text`` in a ``<stdin>`` block, as ``codex exec`` builds it."""
    newline = "" if stdin_text.endswith("\n") else "\n"
    return f"{prompt}\n\n<stdin>\n{stdin_text}{newline}</stdin>"


def decode_prompt_bytes(data: bytes) -> str:
    """Prompt bytes read from stdin as text, decoded as ``codex exec`` decodes them (docs/reference-facts.md
    §5): a UTF-8 byte-order mark is dropped, a UTF-16 one (LE or BE) decodes the rest as UTF-16, UTF-32
    is refused, anything else must be UTF-8.

    Raises:
        InvalidParamsError: the bytes cannot be decoded (UTF-8: naming the offset of the first bad byte).
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    for bom, encoding in ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE")):
        if data.startswith(bom):
            raise InvalidParamsError(f"input appears to be {encoding}. Convert it to UTF-8 and retry.")
    for bom, encoding in ((b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding.lower())  # strict: a lone surrogate is an error
            except UnicodeDecodeError:
                raise InvalidParamsError(
                    f"input looked like {encoding} but could not be decoded. Convert it to UTF-8 and retry."
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParamsError(
            f"input is not valid UTF-8 (invalid byte at offset {exc.start}). Convert it to UTF-8 and retry "
            "(e.g., `iconv -f <ENC> -t UTF-8 prompt.txt`)."
        ) from None


def _read_stdin(stdin: IO[str]) -> str:
    """All of ``stdin``, decoded by :func:`decode_prompt_bytes` (its bytes when it has a ``buffer``).

    Raises:
        InvalidParamsError: "cannot read the prompt from stdin: …" (undecodable, or a read error).
    """
    buffer = getattr(stdin, "buffer", None)
    try:
        return decode_prompt_bytes(buffer.read()) if buffer is not None else stdin.read()
    except InvalidParamsError as exc:
        raise InvalidParamsError(f"cannot read the prompt from stdin: {exc.message}") from None
    except OSError as exc:
        raise InvalidParamsError(f"cannot read the prompt from stdin: {exc.strerror or exc}") from None


def _check_argument(prompt: str) -> None:
    """Refuse a prompt argument that is not valid UTF-8 (Python hands such bytes over as lone surrogates).

    Raises:
        InvalidParamsError: naming the offset of the first bad byte.
    """
    try:
        os.fsencode(prompt).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParamsError(
            f"the prompt argument is not valid UTF-8 (invalid byte at offset {exc.start}). "
            "Convert it to UTF-8 and retry."
        ) from None
    except UnicodeEncodeError as exc:  # a surrogate fsencode cannot turn back into a byte
        raise InvalidParamsError(f"the prompt argument is not valid text (character {exc.start})") from None


def read_prompt(
    prompt: str | None, stdin: IO[str] | None, use: PromptStdin = PromptStdin.APPEND, notice: IO[str] | None = None
) -> str:
    """The turn's prompt text.

    Args:
        prompt: the prompt argument; ``None`` or ``"-"`` read the whole prompt from stdin.
        stdin: standard input (read only when it is not a terminal, or when ``prompt`` is ``"-"``);
            ``None`` when the process has none (``<&-``).
        use: whether piped stdin is appended to a prompt argument.
        notice: where to say that stdin is being read for a prompt argument (a pipe nobody closes would
            otherwise look like a hang), e.g. stderr.

    Raises:
        InvalidParamsError: no prompt at all, or one that is empty or only whitespace; a prompt argument
            or stdin that is not valid text (see :func:`decode_prompt_bytes`).
    """
    if prompt is not None and prompt != "-":
        _check_argument(prompt)
        if not prompt.strip():
            raise InvalidParamsError("the prompt is empty: give the task as an argument, or '-' to read it from stdin")
        if use is PromptStdin.IGNORE or stdin is None or stdin.closed or stdin.isatty():
            return prompt
        if notice is not None and not _ready(stdin):
            notice.write("Reading additional input from stdin...\n")
            notice.flush()
        extra = _read_stdin(stdin)
        return with_stdin_block(prompt, extra) if extra.strip() else prompt
    if stdin is None or stdin.closed:
        raise InvalidParamsError("no prompt given: pass it as an argument (stdin is closed)")
    if prompt is None and stdin.isatty():
        raise InvalidParamsError("no prompt given: pass it as an argument, or '-' to read it from stdin")
    text = _read_stdin(stdin)
    if not text.strip():
        raise InvalidParamsError("the prompt read from stdin is empty")
    return text


def _ready(stream: IO[str]) -> bool:
    """Whether reading ``stream`` returns at once (data or end of file waiting); true when unknown."""
    try:
        readable, _, _ = select.select([stream.fileno()], [], [], 0)
    except (OSError, ValueError, io.UnsupportedOperation):
        return True
    return bool(readable)


def load_output_schema(path: Path) -> JsonDict:
    """The JSON Schema in ``path`` (``--output-schema``): it must be a JSON object.

    Raises:
        InvalidParamsError: the file cannot be read, is not UTF-8 JSON, or is not an object.
    """
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InvalidParamsError(f"--output-schema {path}: cannot read it: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidParamsError(f"--output-schema {path}: not UTF-8 text") from exc
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidParamsError(f"--output-schema {path}: not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else f"a JSON {type(value).__name__}"
        raise InvalidParamsError(f"--output-schema {path}: a JSON Schema must be a JSON object, not {kind}")
    return value


def image_inputs(paths: tuple[Path, ...]) -> list[ImageInput]:
    """``--image`` files as input items (absolute paths; read when the turn's message is built).

    Raises:
        InvalidParamsError: a file is missing, unreadable, or not an image by its name.
    """
    items = []
    for path in paths:
        full = path.expanduser().absolute()
        if not full.is_file():
            raise InvalidParamsError(f"--image {path}: no such file")
        mime = mimetypes.guess_type(full.name)[0] or ""
        if not mime.startswith("image/"):
            raise InvalidParamsError(f"--image {path}: not an image (expected .png, .jpg, .gif, .webp, ...)")
        if not os.access(full, os.R_OK):
            raise InvalidParamsError(f"--image {path}: not readable")
        items.append(ImageInput(path=str(full)))
    return items


def check_writable(path: Path) -> None:
    """Check that ``-o FILE`` can be written once the turn ends (nothing is created now).

    Raises:
        InvalidParamsError: ``path`` is a folder, its folder is missing, or either is not writable.
    """
    if path.is_dir():
        raise InvalidParamsError(f"-o {path}: is a folder, not a file")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise InvalidParamsError(f"-o {path}: the file is not writable")
        return
    parent = path.parent
    if not parent.is_dir():
        raise InvalidParamsError(f"-o {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidParamsError(f"-o {path}: the folder {parent} is not writable")
