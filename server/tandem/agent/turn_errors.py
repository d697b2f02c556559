"""What kind of failure ended a turn (or is being retried): :class:`~tandem.protocol.enums.TurnErrorCode`
from the error hierarchy in :mod:`tandem.errors`, so clients advise on a code, never on a message.

The mapping, most specific first:

* ``QuotaExceededError`` -> ``quota``; ``ModelAuthError`` -> ``auth``;
  ``ContextWindowExceededError`` -> ``context``; ``ConfigError`` -> ``config``;
* ``ModelHTTPError`` by status: 429 -> ``rateLimit``, 408 -> ``connection``, 5xx -> ``server``
  (a provider's server error is not a connection problem), other statuses -> ``other``;
* ``ResponseFailedError`` by the provider's code: ``insufficient_quota`` -> ``quota``,
  ``rate_limit_exceeded`` / ``slow_down`` -> ``rateLimit``, ``context_length_exceeded`` ->
  ``context``, ``server_error`` / ``server_is_overloaded`` / ``internal_error`` -> ``server``;
* ``ModelTransportError`` and ``StreamError`` (a broken or idle stream) -> ``connection``;
* anything else -> ``other``.
"""

from __future__ import annotations

from tandem.errors import (
    ConfigError,
    ContextWindowExceededError,
    ModelAuthError,
    ModelHTTPError,
    ModelTransportError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
)
from tandem.protocol.enums import TurnErrorCode

_BY_CLASS: tuple[tuple[type[BaseException], TurnErrorCode], ...] = (
    (QuotaExceededError, TurnErrorCode.QUOTA),
    (ModelAuthError, TurnErrorCode.AUTH),
    (ContextWindowExceededError, TurnErrorCode.CONTEXT),
    (ConfigError, TurnErrorCode.CONFIG),
    (ModelTransportError, TurnErrorCode.CONNECTION),
    (StreamError, TurnErrorCode.CONNECTION),
)

_BY_PROVIDER_CODE: dict[str, TurnErrorCode] = {
    "insufficient_quota": TurnErrorCode.QUOTA,
    "rate_limit_exceeded": TurnErrorCode.RATE_LIMIT,
    "slow_down": TurnErrorCode.RATE_LIMIT,
    "context_length_exceeded": TurnErrorCode.CONTEXT,
    "server_error": TurnErrorCode.SERVER,
    "server_is_overloaded": TurnErrorCode.SERVER,
    "internal_error": TurnErrorCode.SERVER,
}


def _http_code(status: int) -> TurnErrorCode:
    if status == 429:
        return TurnErrorCode.RATE_LIMIT
    if status == 408:
        return TurnErrorCode.CONNECTION
    if status >= 500:
        return TurnErrorCode.SERVER
    return TurnErrorCode.OTHER


def turn_error_code(error: BaseException) -> TurnErrorCode:
    """The kind of ``error`` (see the module docstring for the mapping); ``other`` when unknown."""
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            return code
    if isinstance(error, ModelHTTPError):
        return _http_code(error.status)
    if isinstance(error, ResponseFailedError):
        return _BY_PROVIDER_CODE.get(error.code, TurnErrorCode.OTHER)
    return TurnErrorCode.OTHER
