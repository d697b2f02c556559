"""The pygls language server: the only module family that knows LSP.

``TandemProtocol`` keeps the params of Tandem's custom requests as plain JSON (pygls would turn
unknown params into namedtuples); handlers validate them into :mod:`tandem.protocol.messages`
types. Every handler error is mapped to a JSON-RPC error in one place (:func:`rpc_errors`):
a :class:`~tandem.errors.TandemError` keeps its code and message, a validation error becomes
InvalidParams naming the field, anything else is InternalError — and the server keeps running.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs
from lsprotocol import types
from pydantic import BaseModel, ValidationError
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter

from tandem import __version__
from tandem.errors import InvalidParamsError, JsonRpcCode, TandemError
from tandem.protocol import methods

log = logging.getLogger(__name__)

CLIENT_REQUESTS = frozenset({
    methods.THREAD_START, methods.THREAD_LIST, methods.THREAD_RESUME, methods.THREAD_FORK, methods.TURN_START,
    methods.TURN_INTERRUPT, methods.TURN_STEER, methods.CHANGE_ACCEPT, methods.CHANGE_REJECT, methods.UNDO,
})


@attrs.define
class RawRequest:
    """A custom request whose params stay plain JSON (no field has a default: see reference-facts §7)."""

    id: int | str
    method: str
    jsonrpc: str
    params: Any


@attrs.define
class RawResponse:
    """A response to a server->client custom request; the result stays plain JSON."""

    id: int | str
    jsonrpc: str
    result: Any


def _converter() -> Any:
    converter = default_converter()  # type: ignore[no-untyped-call]
    converter.register_structure_hook(RawRequest, lambda obj, cls: cls(**obj))
    converter.register_structure_hook(RawResponse, lambda obj, cls: cls(**obj))
    return converter


class TandemProtocol(LanguageServerProtocol):
    """LSP protocol that leaves Tandem's custom params and results as JSON."""

    def get_message_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        """Raw JSON for Tandem's client requests; lsprotocol types for everything else."""
        if method in CLIENT_REQUESTS:
            return RawRequest
        return super().get_message_type(method)

    def get_result_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        """Raw JSON for the results of Tandem's server->client requests."""
        if method.startswith("tandem/"):
            return RawResponse
        return super().get_result_type(method)


class TandemLanguageServer(LanguageServer):
    """The server; features are registered by :func:`tandem.lsp.app.create_server`."""

    def __init__(self) -> None:
        super().__init__("tandem", __version__, protocol_cls=TandemProtocol, converter_factory=_converter,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log errors instead of popping "Error in server" messages at the user."""
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)


def to_rpc_error(exc: Exception) -> JsonRpcException:
    """The JSON-RPC error for ``exc`` (see the module docstring)."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
        return JsonRpcException(message=f"invalid params: {problems}", code=int(JsonRpcCode.INVALID_PARAMS))
    if isinstance(exc, TandemError):
        return JsonRpcException(message=exc.message, code=int(exc.jsonrpc_code))
    return JsonRpcException(message=f"internal error: {type(exc).__name__}: {exc}",
                            code=int(JsonRpcCode.INTERNAL_ERROR))


P = TypeVar("P", bound=BaseModel)
Handler = Callable[[P], Awaitable[BaseModel | dict[str, Any] | None]]


def rpc_errors(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap an async handler so every exception leaves as a JSON-RPC error (the one error boundary)."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(*args, **kwargs)
        except JsonRpcException:
            raise
        except Exception as exc:
            if not isinstance(exc, TandemError | ValidationError):
                log.exception("internal error in handler %s", fn.__name__)
            raise to_rpc_error(exc) from exc

    return wrapper


def parse_params(model: type[P], params: Any) -> P:
    """Validate raw JSON params into ``model``.

    Raises:
        ValidationError: (mapped to InvalidParams by :func:`rpc_errors`).
        InvalidParamsError: params are not a JSON object.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParamsError("params must be a JSON object")
    return model.model_validate(params)
