"""Document sync hooks: after pygls updates its copy, the live file system hears about it."""

from __future__ import annotations

from lsprotocol import types

from tandem.lsp.hub import ThreadHub
from tandem.lsp.server import TandemLanguageServer


def register(server: TandemLanguageServer, hub: ThreadHub) -> None:
    """Register didOpen/didChange/didClose listeners (pygls keeps the text itself)."""
    documents = hub.editor.documents

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        documents.client_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        documents.client_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        documents.client_changed(params.text_document.uri)
