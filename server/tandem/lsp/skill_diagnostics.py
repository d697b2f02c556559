"""Diagnostics on an open ``SKILL.md``: the findings of ``tandem skills validate``
(:func:`tandem.skills.frontmatter.check_skill_text`) on the buffer's text, republished on every
change and cleared when the document closes. Source ``tandem-skills``; errors and warnings map to the
LSP severities of the same names; each diagnostic covers the line of the key it is about."""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from tandem.skills.frontmatter import Severity, check_skill_text

log = logging.getLogger(__name__)
SOURCE = "tandem-skills"


def skill_diagnostics(text: str, path: Path) -> list[types.Diagnostic]:
    """The LSP diagnostics of the ``SKILL.md`` at ``path`` whose text is ``text``."""
    lines = text.splitlines()
    out = []
    for problem in check_skill_text(text, path):
        width = len(lines[problem.line]) if problem.line < len(lines) else 0
        out.append(
            types.Diagnostic(
                range=types.Range(types.Position(problem.line, 0), types.Position(problem.line, width)),
                message=problem.message,
                severity=types.DiagnosticSeverity.Error
                if problem.severity is Severity.ERROR
                else types.DiagnosticSeverity.Warning,
                source=SOURCE,
            )
        )
    return out


def publish_skill_diagnostics(server: LanguageServer, uri: str, *, closed: bool = False) -> None:
    """Publish (or, once ``closed``, clear) the diagnostics of the ``SKILL.md`` document ``uri``."""
    diagnostics: list[types.Diagnostic] = []
    if not closed:
        document = server.workspace.get_text_document(uri)
        diagnostics = skill_diagnostics(document.source, Path(document.path))
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
