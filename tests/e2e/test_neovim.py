"""A real editor with no Tandem extension: headless Neovim 0.7 fixes a diagnostic through `tandem lsp`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import message, patch_call, respond

SCRIPT = Path(__file__).parent / "nvim" / "fix_with_tandem.lua"
BUGGY = "def area(w, h):\n    return w * w\n\n\nprint(area(2, 3))\n"
FIX = (
    "*** Begin Patch\n*** Update File: geo.py\n@@ def area(w, h):\n-    return w * w\n+    return w * h\n*** End Patch"
)


@pytest.mark.skipif(shutil.which("nvim") is None, reason="neovim is installed by `make test` (needs root)")
def test_fix_with_tandem_from_neovims_code_action_menu(model_server, workspace: Path, tmp_path: Path) -> None:
    (workspace / "geo.py").write_text(BUGGY)
    server = model_server([respond(patch_call(FIX)), respond(message("Fixed: area() multiplied w by itself."))])
    result_path = tmp_path / "nvim-result.json"
    env = {
        **os.environ,
        "TANDEM_NVIM_ROOT": str(workspace),
        "TANDEM_NVIM_PYTHON": sys.executable,
        "TANDEM_NVIM_RESULT": str(result_path),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    subprocess.run(
        ["nvim", "--headless", "--clean", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=workspace,
        timeout=90,
        check=False,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(result_path.read_text())
    assert "Fix with Tandem" in result["menu"]
    (prompt,) = result["prompts"]  # the approval arrived as window/showMessageRequest
    assert "Tandem wants to change geo.py" in prompt and "+    return w * h" in prompt
    assert result["fixed"], result
    assert result["lines"][1] == "    return w * h"
    assert result["modified"]  # the edit is in the buffer, for the user to save
    assert (workspace / "geo.py").read_text() == BUGGY
    first_request = server.requests[0].body["input"][-1]["content"]
    assert any("did you mean w * h?" in part["text"] for part in first_request)
