"""``read_file``: read a text file with line numbers, from the editor's live buffer when it is open.

Format: Codex's ``read_file {file_path, offset?, limit?}`` — ``offset`` is the 1-based first line,
``limit`` the number of lines (default 2000); each output line is ``L<n>: <text>``, long lines are
cut at 500 characters. In `tandem lsp` the file is read through the workspace's file system, so
unsaved editor changes are what the model sees (``cat`` would read the stale disk file).
"""

from __future__ import annotations

from tandem.errors import ToolError
from tandem.protocol import JsonDict
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput, function_spec, path_argument

DEFAULT_LIMIT = 2000
MAX_LINE_CHARS = 500

_DESCRIPTION = (
    "Reads a text file and returns its lines numbered as `L<n>: text`. Prefer this over `cat`/`sed` for files: "
    "for files open in the user's editor it returns the live buffer, including unsaved changes. Use `offset` "
    "(1-based line) and `limit` (number of lines) to read part of a large file."
)


class ReadFileTool:
    """Reads through ``host.workspace.fs`` (disk, or live buffers in the editor)."""

    name = "read_file"
    concurrency = Concurrency.PARALLEL
    effect = Effect.READ_ONLY

    def spec(self) -> JsonDict:
        """Function tool definition (Responses API)."""
        return function_spec(
            self.name,
            _DESCRIPTION,
            {
                "file_path": {
                    "type": "string",
                    "description": "Path of the file (absolute, or relative to the working directory).",
                },
                "offset": {"type": "number", "description": "1-based line to start at (default 1)."},
                "limit": {"type": "number", "description": f"How many lines to return (default {DEFAULT_LIMIT})."},
            },
            ["file_path"],
        )

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Read the file.

        Raises:
            ToolError: bad arguments, a missing or unreadable file, a binary file, or an offset past the end.
        """
        args = call.arguments()
        raw_path = args.get("file_path")
        if not isinstance(raw_path, str) or not raw_path:
            raise ToolError("read_file: 'file_path' must be a path string")
        offset = _positive(args.get("offset"), 1, "offset")
        limit = _positive(args.get("limit"), DEFAULT_LIMIT, "limit")
        path = path_argument(raw_path, host.cwd, "read_file: 'file_path'")
        fs = host.workspace.fs
        if fs.is_dir(path):
            raise ToolError(f"read_file: {raw_path} is a directory; use `ls` or `rg --files` to list it")
        try:
            data = fs.read_bytes(path)
        except FileNotFoundError:
            raise ToolError(f"read_file: {raw_path} does not exist") from None
        except OSError as exc:
            raise ToolError(f"read_file: cannot read {raw_path}: {exc.strerror or exc}") from exc
        if b"\0" in data[:8192]:
            raise ToolError(f"read_file: {raw_path} is a binary file")
        lines = data.decode("utf-8", "replace").splitlines()
        if offset > max(len(lines), 1):
            raise ToolError(f"read_file: offset {offset} is past the end of {raw_path} ({len(lines)} lines)")
        chosen = lines[offset - 1 : offset - 1 + limit]
        text = "\n".join(f"L{offset + i}: {line[:MAX_LINE_CHARS]}" for i, line in enumerate(chosen))
        return ToolOutput(text)


def _positive(raw: object, default: int, name: str) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 1:
        raise ToolError(f"read_file: '{name}' must be a positive number")
    return int(raw)
