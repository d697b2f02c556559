"""The bridge to the client: edits with document versions, approval round trips, progress.

* Edits: one ``workspace/applyEdit`` per commit, with a ``TextDocumentEdit`` of minimal line
  edits carrying the open document's version, and ``CreateFile`` / ``RenameFile`` /
  ``DeleteFile`` for adds, moves and deletes. A client that refuses the edit (VS Code does,
  silently, on a version mismatch) produces a :class:`~tandem.errors.ConflictError` — never an
  overwrite.
* Approvals: ``tandem/requestApproval`` to clients that announced ``experimental.tandem``;
  others get ``window/showMessageRequest`` with Accept / Accept for session / Decline / Cancel
  turn, so Neovim, Helix or Emacs work with no extension. Every request is followed by
  ``tandem/serverRequest/resolved``; an interrupted turn withdraws its pending request and a late
  reply is ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from tandem.errors import ApprovalError, ConflictError, NotFoundError
from tandem.lsp.documents import LiveFileSystem, path_to_uri
from tandem.lsp.server import TandemLanguageServer
from tandem.patch.applier import FileChange, FileOp
from tandem.patch.textedits import PositionEncoding, line_edits
from tandem.protocol import methods
from tandem.protocol.enums import ApprovalDecision, ApprovalKind
from tandem.protocol.items import dump
from tandem.protocol.messages import (
    FilePreview,
    RequestApprovalParams,
    RequestApprovalResult,
    ServerRequestResolvedNotification,
)
from tandem.protocol.printable import printable
from tandem.tools.approvals import ApprovalRequest, ApprovalResponse

log = logging.getLogger(__name__)

_FALLBACK_ACTIONS = {
    "Accept": ApprovalDecision.ACCEPT,
    "Accept for session": ApprovalDecision.ACCEPT_FOR_SESSION,
    "Decline": ApprovalDecision.DECLINE,
    "Cancel turn": ApprovalDecision.CANCEL,
}
CLIENT_SETTLE_S = 2.0


def _apply_edit_answer(result: Any) -> tuple[bool, str]:
    """``(applied, failure reason)`` from an ``ApplyWorkspaceEditResult`` reply (raw JSON, see
    :meth:`tandem.lsp.server.TandemProtocol.get_result_type`); a malformed one is a refusal."""
    if isinstance(result, types.ApplyWorkspaceEditResult):
        return result.applied, result.failure_reason or "the editor refused the edit"
    if isinstance(result, dict) and isinstance(result.get("applied"), bool):
        reason = result.get("failureReason")
        return result["applied"], str(reason) if reason else "the editor refused the edit"
    return False, f"the editor sent a malformed reply ({str(result)[:80]!r}); treated as a refused edit (conflict)"


class EditorBridge:
    """Talks to the client on behalf of threads.

    Args:
        server: the pygls server (its protocol sends and receives).
        documents: the live file system (buffers + overlay).
    """

    def __init__(self, server: TandemLanguageServer, documents: LiveFileSystem) -> None:
        self._server = server
        self.documents = documents
        self.tandem_client = False
        self.encoding = PositionEncoding.UTF16
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._asking: dict[str, ApprovalRequest] = {}

    def configure(self, params: types.InitializeParams, encoding: Any) -> None:
        """Read what the client announced in ``initialize`` and the position encoding pygls chose."""
        experimental = params.capabilities.experimental
        self.tandem_client = isinstance(experimental, dict) and experimental.get("tandem") is not None
        self.encoding = PositionEncoding(str(getattr(encoding, "value", encoding) or "utf-16"))

    def notify(self, method: str, params: Any) -> None:
        """Send a notification (params: a wire model or a JSON dict)."""
        payload = dump(params) if hasattr(params, "model_dump") else params
        self._server.protocol.notify(method, payload)

    # --- edits ------------------------------------------------------------------------------

    def _text_edits(self, old: str, new: str) -> list[types.TextEdit | types.AnnotatedTextEdit]:
        return [
            types.TextEdit(
                range=types.Range(
                    start=types.Position(e.start_line, e.start_char), end=types.Position(e.end_line, e.end_char)
                ),
                new_text=e.new_text,
            )
            for e in line_edits(old, new, self.encoding)
        ]

    def _document_edit(self, path: Path, old: str, new: str, *, existing: bool) -> types.TextDocumentEdit:
        doc = self.documents.document(path) if existing else None
        current = self.documents.text(path) if existing else None
        if current is not None and current != old:
            raise ConflictError(f"{path.name} changed in the editor since the patch was planned")
        version = doc.version if doc is not None else None
        return types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=path_to_uri(path), version=version),
            edits=self._text_edits(old, new),
        )

    def workspace_edit(self, changes: Sequence[FileChange]) -> types.WorkspaceEdit:
        """The WorkspaceEdit for a planned change set (document versions taken now).

        Raises:
            ConflictError: a buffer no longer holds the text the change was planned against.
        """
        ops: list[Any] = []
        for change in changes:
            uri = path_to_uri(change.path)
            if change.kind is FileOp.ADD:
                ops.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)))
                ops.append(self._document_edit(change.path, "", change.new_text or "", existing=False))
            elif change.kind is FileOp.DELETE:
                current = self.documents.text(change.path)
                if current is not None and current != change.old_text:
                    raise ConflictError(f"{change.path.name} changed in the editor since the patch was planned")
                ops.append(types.DeleteFile(uri=uri, options=types.DeleteFileOptions(ignore_if_not_exists=True)))
            elif change.move_path is not None:
                ops.append(
                    self._document_edit(change.path, change.old_text or "", change.new_text or "", existing=True)
                )
                ops.append(
                    types.RenameFile(
                        old_uri=uri,
                        new_uri=path_to_uri(change.move_path),
                        options=types.RenameFileOptions(overwrite=False),
                    )
                )
            else:
                ops.append(
                    self._document_edit(change.path, change.old_text or "", change.new_text or "", existing=True)
                )
        return types.WorkspaceEdit(document_changes=ops)

    async def apply(self, changes: Sequence[FileChange], label: str) -> None:
        """Apply a planned change set in the editor.

        Raises:
            ConflictError: the client refused the edit (e.g. the document version moved on).
        """
        edit = self.workspace_edit(changes)
        try:
            result = await self._server.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
        except Exception as exc:
            raise ConflictError(f"the editor failed to apply the change: {exc}") from exc
        applied, reason = _apply_edit_answer(result)
        if not applied:
            names = ", ".join(dict.fromkeys(c.path.name for c in changes))
            raise ConflictError(f"the editor did not apply the change to {names}: {reason}")
        touched: list[Path] = []
        for change in changes:
            self.documents.expect(change.path, None if change.move_path else change.new_text)
            touched.append(change.path)
            if change.move_path is not None:
                self.documents.expect(change.move_path, change.new_text)
                touched.append(change.move_path)
        await asyncio.gather(
            *(
                self.documents.wait_for_client(path, CLIENT_SETTLE_S)
                for path in touched
                if self.documents.document(path) is not None
            )
        )

    # --- approvals --------------------------------------------------------------------------

    async def request_approval(self, request: ApprovalRequest) -> ApprovalResponse:
        """Ask the user; cancellation of the caller withdraws the request (``serverRequest/resolved``).
        The request (with its planned files) is kept while it is pending, for :meth:`preview`.

        Raises:
            ApprovalError: the client answered with an error or a malformed result.
        """
        params = request.params
        self._asking[params.request_id] = request
        try:
            if self.tandem_client:
                return await self._ask_tandem(params)
            return await self._ask_message(params)
        finally:
            self._pending.pop(params.request_id, None)
            self._asking.pop(params.request_id, None)
            if self.tandem_client:
                self.notify(
                    methods.SERVER_REQUEST_RESOLVED,
                    ServerRequestResolvedNotification(thread_id=params.thread_id, request_id=params.request_id),
                )

    def preview(self, thread_id: str, request_id: str, accepted_hunk_ids: Collection[str]) -> list[FilePreview]:
        """``tandem/change/preview``: the files of the unanswered file-change approval ``request_id`` of
        thread ``thread_id`` with only ``accepted_hunk_ids`` applied, in the request's file order.

        Raises:
            NotFoundError: no such pending file-change approval in that thread, or a hunk id that is
                in none of its files.
        """
        request = self._asking.get(request_id)
        if request is None or request.params.thread_id != thread_id or not request.files:
            raise NotFoundError(f"no pending file-change approval {request_id!r} in thread {thread_id!r}")
        known = {h.id for f in request.files for h in f.hunks}
        unknown = sorted(set(accepted_hunk_ids) - known)
        if unknown:
            raise NotFoundError(f"approval {request_id} has no hunk {unknown[0]!r}")
        return [f.preview(set(accepted_hunk_ids)) for f in request.files]

    async def _ask_tandem(self, params: RequestApprovalParams) -> ApprovalResponse:
        raw = await self._send(params.request_id, methods.REQUEST_APPROVAL, dump(params))
        result = raw.result if hasattr(raw, "result") else raw
        try:
            answer = RequestApprovalResult.model_validate(result)
        except ValueError as exc:
            raise ApprovalError(f"the editor sent a malformed approval reply: {result!r}") from exc
        return ApprovalResponse(answer.decision, answer.accepted_hunk_ids)

    async def _ask_message(self, params: RequestApprovalParams) -> ApprovalResponse:
        changes = params.changes or []
        mcp = params.mcp
        if params.kind is ApprovalKind.COMMAND:
            text = f"Tandem wants to run: {params.command}" + (f"\n({params.reason})" if params.reason else "")
        elif mcp is not None:
            arguments = json.dumps(mcp.arguments, ensure_ascii=False) if mcp.arguments else "{}"
            text = f"{params.reason or 'Run an MCP tool?'}\n{mcp.server}/{mcp.tool} {arguments}"[:4000]
        else:
            files = ", ".join(c.path for c in changes)
            text = f"Tandem wants to change {files}:\n" + "\n".join(c.diff for c in changes)[:4000]
        text = printable(text)  # no control character reaches the editor's prompt raw
        actions = dict(_FALLBACK_ACTIONS)
        if mcp is not None:  # only what the request offers; "Always allow" writes approval_mode = "approve"
            offered = {**_FALLBACK_ACTIONS, "Always allow this tool": ApprovalDecision.ACCEPT_ALWAYS}
            order = ["Accept", "Accept for session", "Always allow this tool", "Decline", "Cancel turn"]
            actions = {title: offered[title] for title in order if offered[title] in mcp.decisions}
        elif params.prefix_rule:
            rule = printable(" ".join(params.prefix_rule))
            actions = {
                **dict(list(actions.items())[:2]),
                f"Always allow `{rule} …`": ApprovalDecision.ACCEPT_WITH_PREFIX_RULE,
                **dict(list(actions.items())[2:]),
            }
        message = types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=text,
            actions=[types.MessageActionItem(title=title) for title in actions],
        )
        result = await self._send(params.request_id, types.WINDOW_SHOW_MESSAGE_REQUEST, message)
        title = getattr(result, "title", None)
        return ApprovalResponse(actions.get(title or "", ApprovalDecision.DECLINE))

    async def _send(self, request_id: str, method: str, params: Any) -> Any:
        future = self._server.protocol.send_request_async(method, params, msg_id=request_id)
        self._pending[request_id] = future
        try:
            return await future
        except asyncio.CancelledError:
            # Withdraw: tell the client, and drop pygls' pending future so a late reply is ignored.
            self._server.protocol._request_futures.pop(request_id, None)
            self._server.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))
            raise
        except Exception as exc:
            raise ApprovalError(f"the editor failed the approval request: {exc}") from exc
