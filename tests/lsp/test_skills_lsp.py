"""`tandem/skills/list` and diagnostics on an open SKILL.md, through a real `tandem lsp` and a fake editor."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from tandem.protocol import methods

GOOD = "---\nname: pdf\ndescription: Extract text from PDF files.\n---\nRun pdftotext.\n"


async def test_skills_list_names_each_skill_and_each_broken_file(lsp, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    (workspace / ".git").mkdir()
    pdf = workspace / ".agents" / "skills" / "pdf"
    pdf.mkdir(parents=True)
    (pdf / "SKILL.md").write_text(GOOD)
    broken = workspace / ".agents" / "skills" / "broken"
    broken.mkdir()
    (broken / "SKILL.md").write_text("no front matter\n")
    editor, _server = await lsp([])
    result = await editor.request(methods.SKILLS_LIST, {})
    assert result["skills"] == [
        {
            "name": "pdf",
            "description": "Extract text from PDF files.",
            "path": str((pdf / "SKILL.md").resolve()),
            "scope": "repo",
            "enabled": True,
            "implicitInvocation": True,
            "userInvocable": True,
        }
    ]
    assert result["errors"] == [
        {"path": str(broken.resolve() / "SKILL.md"), "message": "missing YAML frontmatter delimited by ---"}
    ]


async def diagnostics_of(editor: Any, uri: str, predicate: Any, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The diagnostics the server last published for ``uri``, once they match ``predicate`` (bounded)."""
    client = editor.client

    async def find() -> list[dict[str, Any]]:
        while True:
            if uri in client.diagnostics:
                found = [client.protocol._converter.unstructure(d) for d in client.diagnostics[uri]]
                if predicate(found):
                    return found
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(find(), timeout)


async def test_an_open_skill_md_gets_diagnostics_that_follow_its_edits(lsp, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    folder = workspace / "skills" / "pdf"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: PDF\n---\n")
    editor, _server = await lsp([])
    uri = editor.open("skills/pdf/SKILL.md")
    first = await diagnostics_of(editor, uri, bool)
    found = {(d["message"], d["severity"], d["range"]["start"]["line"]) for d in first}
    assert ("missing field `description`", 1, 0) in found
    assert ("`name` is 'PDF' but the skill's folder is 'pdf'", 2, 1) in found
    assert all(d["source"] == "tandem-skills" for d in first)
    editor.type("skills/pdf/SKILL.md", GOOD)
    assert await diagnostics_of(editor, uri, lambda found: found == []) == []
