"""A fake editor over a real LSP connection: pytest-lsp's client plus VS Code's rules for edits.

It keeps open documents with versions, applies ``workspace/applyEdit`` the way VS Code does (a
TextDocumentEdit whose version differs from the open document's rejects the *whole* edit;
CreateFile honours ``ignoreIfExists``/``overwrite``), answers ``applyEdit`` *before* sending its
``didChange`` (as VS Code does), answers approval requests from a script, and records every
``tandem/*`` notification.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from tandem.patch.textedits import LineEdit, apply_line_edits
from tandem.protocol import methods

NOTIFICATIONS = [
    methods.TURN_STARTED,
    methods.TURN_COMPLETED,
    methods.ITEM_STARTED,
    methods.ITEM_UPDATED,
    methods.ITEM_COMPLETED,
    methods.AGENT_MESSAGE_DELTA,
    methods.REASONING_DELTA,
    methods.COMMAND_OUTPUT_DELTA,
    methods.PLAN_UPDATED,
    methods.DIFF_UPDATED,
    methods.TOKEN_USAGE,
    methods.SERVER_REQUEST_RESOLVED,
    methods.STREAM_RETRY,
    methods.CHANGE_UPDATED,
    methods.TURN_UNDONE,
    methods.MCP_STATUS,
]


def plain(value: Any) -> Any:
    """pygls hands unknown params over as namedtuples: turn them back into JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class FakeEditor:
    """Drives `tandem lsp` like an editor would."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.docs: dict[str, tuple[int, str]] = {}
        self.notes: list[tuple[str, dict[str, Any]]] = []
        self.approvals: list[dict[str, Any]] = []
        self.message_requests: list[types.ShowMessageRequestParams] = []
        self.decisions: list[dict[str, Any] | str] = []
        self.edits: list[dict[str, Any]] = []
        self.refreshes = 0
        self._events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.approval_hold: asyncio.Event | None = None
        self.apply_edit_reply: Any = None  # when set: sent as the applyEdit result instead of applying
        self._register()

    # --- plumbing --------------------------------------------------------------------------

    def _register(self) -> None:
        client = self.client
        for method in NOTIFICATIONS:

            def handler(params: Any, method: str = method) -> None:
                self.notes.append((method, plain(params)))
                self._events[method].set()

            client.feature(method)(handler)

        @client.feature(methods.REQUEST_APPROVAL)
        async def approval(params: Any) -> dict[str, Any]:
            self.approvals.append(plain(params))
            self._events["approval"].set()
            if self.approval_hold is not None:
                await self.approval_hold.wait()
            decision = self.decisions.pop(0) if self.decisions else "accept"
            return decision if isinstance(decision, dict) else {"decision": decision}

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        async def message_request(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
            self.message_requests.append(params)
            self._events["approval"].set()
            title = self.decisions.pop(0) if self.decisions else "Accept"
            return types.MessageActionItem(title=str(title))

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> Any:
            if self.apply_edit_reply is not None:
                self.edits.append(self.client.protocol._converter.unstructure(params.edit))
                return self.apply_edit_reply
            return self._apply(params.edit)

        @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
        def refresh(params: Any) -> None:
            self.refreshes += 1

    async def wait_for(self, method: str, predicate: Any = None, timeout: float = 15.0) -> dict[str, Any]:
        """The first recorded notification of ``method`` matching ``predicate`` (waiting for it)."""

        async def find() -> dict[str, Any]:
            while True:
                for name, params in self.notes:
                    if name == method and (predicate is None or predicate(params)):
                        return params
                self._events[method].clear()
                await self._events[method].wait()

        return await asyncio.wait_for(find(), timeout)

    async def wait_for_approval(self, count: int = 1, timeout: float = 15.0) -> None:
        async def find() -> None:
            while len(self.approvals) + len(self.message_requests) < count:
                self._events["approval"].clear()
                await self._events["approval"].wait()

        await asyncio.wait_for(find(), timeout)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        return plain(await self.client.protocol.send_request_async(method, params))

    async def command(self, command: str, *args: Any) -> Any:
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=list(args))
        )
        return plain(result)

    # --- documents ---------------------------------------------------------------------------

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str | None = None) -> str:
        path = self.root / name
        text = path.read_text() if text is None else text
        uri = path.as_uri()
        self.docs[uri] = (1, text)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        return uri

    def type(self, name: str, text: str) -> None:
        """The user replaces the buffer's text (unsaved)."""
        uri = self.uri(name)
        version = self.docs[uri][0] + 1
        self.docs[uri] = (version, text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def text(self, name: str) -> str:
        return self.docs[self.uri(name)][1]

    def save(self, name: str) -> None:
        """The user saves the buffer: its text goes to disk, then didSave (as VS Code does)."""
        uri = self.uri(name)
        (self.root / name).write_text(self.docs[uri][1])
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def _apply(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        self.edits.append(self.client.protocol._converter.unstructure(edit))
        changes = edit.document_changes or []
        for change in changes:  # VS Code validates every version first: one stale version rejects all
            if isinstance(change, types.TextDocumentEdit):
                uri, version = change.text_document.uri, change.text_document.version
                if uri in self.docs and version is not None and version != self.docs[uri][0]:
                    return types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"version mismatch for {uri}")
        changed: list[str] = []
        reopened: list[tuple[str, str]] = []
        for change in changes:
            if isinstance(change, types.TextDocumentEdit):
                uri = change.text_document.uri
                path = Path(uri.removeprefix("file://"))
                version, text = self.docs.get(uri, (0, path.read_text() if path.exists() else ""))
                line_edits = [
                    LineEdit(
                        e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text
                    )
                    for e in change.edits
                ]
                new = apply_line_edits(text, line_edits)
                if uri in self.docs:
                    self.docs[uri] = (version + 1, new)
                    changed.append(uri)
                else:
                    path.write_text(new)
            elif isinstance(change, types.CreateFile):
                path = Path(change.uri.removeprefix("file://"))
                if path.exists() and change.options and change.options.ignore_if_exists:
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
            elif isinstance(change, types.RenameFile):
                old, new_path = (
                    Path(change.old_uri.removeprefix("file://")),
                    Path(change.new_uri.removeprefix("file://")),
                )
                if change.old_uri in self.docs:
                    old.write_text(self.docs[change.old_uri][1]) if not old.exists() else None
                old.rename(new_path)
                if change.old_uri in self.docs:  # VS Code: the old document closes, the new one opens
                    self.docs[change.new_uri] = self.docs.pop(change.old_uri)
                    reopened.append((change.old_uri, change.new_uri))
            elif isinstance(change, types.DeleteFile):
                Path(change.uri.removeprefix("file://")).unlink(missing_ok=True)
                self.docs.pop(change.uri, None)
        loop = asyncio.get_running_loop()
        for old_uri, new_uri in reopened:
            version, text = self.docs[new_uri]
            loop.call_soon(self._reopen, old_uri, new_uri, version, text)
        for uri in [u for u in changed if u in self.docs and u not in {new for _, new in reopened}]:
            # like VS Code: the reply goes out before the didChange
            version, text = self.docs[uri]
            loop.call_soon(
                lambda uri=uri, version=version, text=text: self.client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                    )
                )
            )
        return types.ApplyWorkspaceEditResult(applied=True)

    def _reopen(self, old_uri: str, new_uri: str, version: int, text: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=old_uri))
        )
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=new_uri, language_id="python", version=version, text=text)
            )
        )


async def start_editor(
    root: Path, env: dict[str, str], *, tandem: bool = True, extra_args: tuple[str, ...] = ()
) -> FakeEditor:
    client = make_test_lsp_client()
    converter = client.protocol._converter
    # lsprotocol decodes any item with a "command" key as a Command; a CodeAction's command is an object.
    converter.register_structure_hook(
        types.Command | types.CodeAction,
        lambda obj, _: converter.structure(
            obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        ),
    )
    editor = FakeEditor(client, root)
    await client.start_io(sys.executable, "-m", "tandem.cli", "lsp", *extra_args, env=env, cwd=str(root))
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"tandem": {"version": 1}} if tandem else None
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    return editor
