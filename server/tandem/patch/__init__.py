"""The apply_patch engine: parse, plan, diff and commit patches in Codex's apply_patch format.

Format: Codex apply_patch grammar (docs/reference-facts.md §2; ``apply_patch.lark``). The pieces:

* :func:`parse_patch` — text -> :class:`Patch` (raises ``PatchParseError``);
* :func:`plan_patch` — :class:`Patch` -> ``list[FileChange]``, reading through a :class:`FileSystem`
  (disk or live editor buffers) and writing nothing (raises ``PatchApplyError``);
* :func:`unified_diff` / :func:`split_hunks` / :func:`select_hunks` / :func:`turn_diff` — what the
  user reviews, hunk by hunk;
* :func:`commit_changes` — write a change set to disk all-or-nothing;
* :func:`apply_patch` — all of the above at once, returning a :class:`PatchResult` whose
  ``summary()`` is Codex's success text;
* :func:`extract_shell_patch` — recognise ``apply_patch <<'EOF'`` sent through the shell tool;
* :data:`APPLY_PATCH_LARK_GRAMMAR` — the grammar for the freeform tool definition.
"""

from tandem.patch.applier import (
    ChangeBasis,
    FileChange,
    FileOp,
    PatchResult,
    apply_patch,
    commit_changes,
    decode_text,
    display_path,
    plan_patch,
)
from tandem.patch.diff import DiffHunk, select_hunks, split_hunks, turn_diff, unified_diff
from tandem.patch.fs import DiskFileSystem, DiskTransaction, FileSystem
from tandem.patch.grammar import APPLY_PATCH_LARK_GRAMMAR
from tandem.patch.invocation import ShellPatch, extract_shell_patch
from tandem.patch.parser import AddFile, DeleteFile, FileHunk, Patch, UpdateChunk, UpdateFile, parse_patch
from tandem.patch.seek import apply_chunks, seek_sequence

__all__ = [
    "APPLY_PATCH_LARK_GRAMMAR",
    "AddFile",
    "ChangeBasis",
    "DeleteFile",
    "DiffHunk",
    "DiskFileSystem",
    "DiskTransaction",
    "FileChange",
    "FileHunk",
    "FileOp",
    "FileSystem",
    "Patch",
    "PatchResult",
    "ShellPatch",
    "UpdateChunk",
    "UpdateFile",
    "apply_chunks",
    "apply_patch",
    "commit_changes",
    "decode_text",
    "display_path",
    "extract_shell_patch",
    "parse_patch",
    "plan_patch",
    "seek_sequence",
    "select_hunks",
    "split_hunks",
    "turn_diff",
    "unified_diff",
]
