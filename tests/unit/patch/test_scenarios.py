"""The apply_patch scenario suite: one folder per scenario under tests/fixtures/patch_scenarios/.

Each folder holds ``input/`` (the tree before; absent = empty), ``patch.txt`` and either
``expected/`` (the whole tree after, compared byte for byte, with no extra file) or
``expected_error.txt`` (a substring of the error message; the tree must be left exactly as it
was). An optional ``expected_summary.txt`` is compared with the success text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tandem.errors import PatchError
from tandem.patch import apply_patch

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "patch_scenarios"
MINIMUM = 30


def _discover() -> list[Path]:
    found = sorted(p for p in SCENARIOS.iterdir() if p.is_dir()) if SCENARIOS.is_dir() else []
    if len(found) < MINIMUM:
        raise RuntimeError(f"expected at least {MINIMUM} patch scenarios in {SCENARIOS}, found {len(found)}")
    return found


ALL = _discover()


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and directory (None) below ``root``, by POSIX relative path."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def _files(tree: dict[str, bytes | None]) -> dict[str, bytes]:
    return {path: data for path, data in tree.items() if data is not None}


def test_the_suite_is_complete() -> None:
    assert len(ALL) >= MINIMUM
    for scenario in ALL:
        assert (scenario / "patch.txt").is_file(), scenario.name
        assert (scenario / "expected").is_dir() != (scenario / "expected_error.txt").is_file(), scenario.name


@pytest.mark.parametrize("scenario", ALL, ids=[p.name for p in ALL])
def test_scenario(scenario: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    if (scenario / "input").is_dir():
        shutil.copytree(scenario / "input", work)
    else:
        work.mkdir()
    before = _tree(work)
    patch = (scenario / "patch.txt").read_bytes().decode("utf-8")

    error_file = scenario / "expected_error.txt"
    if error_file.is_file():
        with pytest.raises(PatchError) as caught:
            apply_patch(patch, work)
        expected = error_file.read_text("utf-8")
        assert expected in str(caught.value), f"error {str(caught.value)!r} lacks {expected!r}"
        assert _tree(work) == before, "a failed patch changed the tree"
        return

    result = apply_patch(patch, work)
    assert _files(_tree(work)) == _files(_tree(scenario / "expected"))
    summary = scenario / "expected_summary.txt"
    if summary.is_file():
        assert result.summary() == summary.read_text("utf-8")
