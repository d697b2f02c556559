"""The one error boundary of the LSP handlers: every exception leaves as a JSON-RPC error.

A :class:`~tandem.errors.TandemError` keeps its code and message, a pydantic validation error
becomes InvalidParams naming the field, anything else is InternalError (logged) — and the
server keeps running.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pygls.exceptions import JsonRpcException

from tandem.errors import InvalidParamsError, JsonRpcCode, TandemError

log = logging.getLogger(__name__)


def to_rpc_error(exc: Exception) -> JsonRpcException:
    """The JSON-RPC error for ``exc`` (see the module docstring)."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
        return JsonRpcException(message=f"invalid params: {problems}", code=int(JsonRpcCode.INVALID_PARAMS))
    if isinstance(exc, TandemError):
        return JsonRpcException(message=exc.message, code=int(exc.jsonrpc_code))
    return JsonRpcException(
        message=f"internal error: {type(exc).__name__}: {exc}", code=int(JsonRpcCode.INTERNAL_ERROR)
    )


P = TypeVar("P", bound=BaseModel)


async def guarded(name: str, call: Callable[[], Awaitable[Any] | Any]) -> Any:
    """Run handler ``name`` so every exception leaves as a JSON-RPC error: the one error boundary,
    applied by the handler registry (``lsp/app.py``) to every request, notification and command.

    Unexpected exceptions (not a :class:`TandemError` or a validation error) are logged with their
    traceback and answered as ``-32603`` internal errors; the server keeps running.
    """
    try:
        result = call()
        return await result if inspect.isawaitable(result) else result
    except JsonRpcException:
        raise
    except Exception as exc:
        if not isinstance(exc, TandemError | ValidationError):
            log.exception("internal error in handler %s", name)
        raise to_rpc_error(exc) from exc


def parse_params(model: type[P], params: Any) -> P:
    """Validate raw JSON params into ``model``.

    Raises:
        ValidationError: (mapped to InvalidParams by :func:`guarded`).
        InvalidParamsError: params are not a JSON object.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParamsError("params must be a JSON object")
    return model.model_validate(params)
