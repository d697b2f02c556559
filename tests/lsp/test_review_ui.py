"""What a client needs to render the review of applied changes: located hunks with their runs of
changed lines (``tandem/change/hunks``), change-set states (``tandem/change/updated``), keeping or
undoing a turn's files (``tandem/change/acceptFiles|rejectFiles``) and ``tandem/turn/undone``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tandem.protocol import methods

from helpers import message, patch_call, respond

ORIGINAL = "".join(f"line {n}\n" for n in range(1, 31))
# Hunk 1 replaces line 3 with two lines; hunk 2 removes line 25; the new file is one hunk.
PATCH = (
    "*** Begin Patch\n*** Update File: f.py\n@@\n line 2\n-line 3\n+LINE THREE\n+LINE THREE AND A HALF\n line 4\n"
    "@@\n line 24\n-line 25\n line 26\n*** Add File: g.py\n+print('new')\n*** End Patch"
)
PATCHED = ORIGINAL.replace("line 3\n", "LINE THREE\nLINE THREE AND A HALF\n").replace("line 25\n", "")


async def applied(lsp: Any, workspace: Path) -> tuple[Any, str, str, str, str]:
    """A turn that applied PATCH to the open f.py (and added g.py on disk): editor, uri, thread, turn, change."""
    (workspace / "f.py").write_text(ORIGINAL)
    editor, _ = await lsp([respond(patch_call(PATCH)), respond(message("done"))])
    uri = editor.open("f.py")
    thread = (await editor.request(methods.THREAD_START, {}))["thread"]["id"]
    await editor.request(methods.TURN_START, {"threadId": thread, "input": [{"type": "text", "text": "edit"}]})
    done = await editor.wait_for(methods.TURN_COMPLETED)
    change = next(
        p["item"] for m, p in editor.notes if m == methods.ITEM_COMPLETED and p["item"]["type"] == "fileChange"
    )
    assert editor.text("f.py") == PATCHED
    return editor, uri, thread, done["turn"]["id"], change["id"]


def states(editor: Any, change_id: str) -> list[dict[str, Any]]:
    """Every ``tandem/change/updated`` of a change, oldest first: {path: [hunk states]}."""
    return [
        {f["path"]: [h["state"] for h in f["hunks"]] for f in p["files"]}
        for m, p in editor.notes
        if m == methods.CHANGE_UPDATED and p["changeId"] == change_id
    ]


async def test_hunks_locate_each_run_of_changed_lines_with_the_removed_text(lsp, workspace: Path) -> None:
    editor, uri, thread, turn, change = await applied(lsp, workspace)
    hunks = (await editor.request(methods.CHANGE_HUNKS, {"uri": uri}))["hunks"]
    assert [(h["startLine"], h["lineCount"], h["blocks"]) for h in hunks] == [
        (2, 2, [{"startLine": 2, "added": 2, "removed": ["line 3"]}]),
        (25, 0, [{"startLine": 25, "added": 0, "removed": ["line 25"]}]),
    ]
    assert {(h["threadId"], h["turnId"], h["changeId"]) for h in hunks} == {(thread, turn, change)}

    # The user adds two lines at the top: the hunks move with the text.
    editor.type("f.py", "# a\n# b\n" + PATCHED)
    moved = (await editor.request(methods.CHANGE_HUNKS, {"uri": uri}))["hunks"]
    assert [h["blocks"][0]["startLine"] for h in moved] == [4, 27]
    # A document with no applied change, and a URI that is not a file, have none.
    assert (await editor.request(methods.CHANGE_HUNKS, {"uri": editor.uri("nothing.py")}))["hunks"] == []
    assert (await editor.request(methods.CHANGE_HUNKS, {"uri": "untitled:Untitled-1"}))["hunks"] == []


async def test_change_updated_follows_the_review_of_each_hunk(lsp, workspace: Path) -> None:
    editor, uri, thread, _, change = await applied(lsp, workspace)
    assert states(editor, change) == [{"f.py": ["pending", "pending"], "g.py": ["pending"]}]
    first, second = (await editor.request(methods.CHANGE_HUNKS, {"uri": uri}))["hunks"]
    await editor.request(methods.CHANGE_REJECT, {"threadId": thread, "changeId": change, "hunkIds": [second["hunkId"]]})
    assert editor.text("f.py") == ORIGINAL.replace("line 3\n", "LINE THREE\nLINE THREE AND A HALF\n")
    await editor.request(methods.CHANGE_ACCEPT, {"threadId": thread, "changeId": change, "hunkIds": [first["hunkId"]]})
    assert states(editor, change)[1:] == [
        {"f.py": ["pending", "rejected"], "g.py": ["pending"]},
        {"f.py": ["accepted", "rejected"], "g.py": ["pending"]},
    ]
    # Nothing changed: no notification (keeping a kept hunk is a no-op).
    await editor.request(methods.CHANGE_ACCEPT, {"threadId": thread, "changeId": change, "hunkIds": [first["hunkId"]]})
    assert len(states(editor, change)) == 3
    # Only pending hunks are located (for the inline diff).
    assert (await editor.request(methods.CHANGE_HUNKS, {"uri": uri}))["hunks"] == []


async def test_accept_and_reject_files_of_a_turn(lsp, workspace: Path) -> None:
    editor, _, thread, turn, change = await applied(lsp, workspace)
    undone = await editor.request(methods.CHANGE_REJECT_FILES, {"threadId": thread, "turnId": turn, "paths": ["f.py"]})
    assert len(undone["done"]) == 2 and undone["kept"] == []
    assert editor.text("f.py") == ORIGINAL and (workspace / "g.py").exists()
    kept = await editor.request(methods.CHANGE_ACCEPT_FILES, {"threadId": thread, "turnId": turn})
    assert len(kept["done"]) == 1  # g.py's hunk: f.py's are undone already
    assert states(editor, change)[-1] == {"f.py": ["rejected", "rejected"], "g.py": ["accepted"]}
    with pytest.raises(Exception, match="changed no file"):
        await editor.request(methods.CHANGE_ACCEPT_FILES, {"threadId": thread, "turnId": turn, "paths": ["h.py"]})
    with pytest.raises(Exception, match="no applied changes"):
        await editor.request(methods.CHANGE_REJECT_FILES, {"threadId": thread, "turnId": "no-such-turn"})


async def test_turn_undone_is_told_for_undo_and_redo(lsp, workspace: Path) -> None:
    editor, _, thread, turn, change = await applied(lsp, workspace)
    await editor.request(methods.UNDO, {"threadId": thread, "turnId": turn})
    await editor.request(methods.REDO, {"threadId": thread})
    told = [(p["turnId"], p["action"], sorted(p["restored"])) for m, p in editor.notes if m == methods.TURN_UNDONE]
    assert told == [(turn, "undo", ["f.py", "g.py"]), (turn, "redo", ["f.py", "g.py"])]
    # The checkpoint undo ended the hunk review (all undone), the redo brought them back as kept.
    assert states(editor, change)[-2:] == [
        {"f.py": ["rejected", "rejected"], "g.py": ["rejected"]},
        {"f.py": ["accepted", "accepted"], "g.py": ["accepted"]},
    ]
