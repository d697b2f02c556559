"""The kind of a turn's failure (``TurnError.code``) from the error hierarchy."""

from __future__ import annotations

import pytest

from tandem.agent.turn_errors import turn_error_code
from tandem.errors import (
    ConfigError,
    ContextWindowExceededError,
    ModelAuthError,
    ModelError,
    ModelHTTPError,
    ModelTransportError,
    PatchApplyError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
    StreamIdleTimeoutError,
)
from tandem.protocol.enums import TurnErrorCode


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (QuotaExceededError("quota exceeded: you exceeded your current quota"), TurnErrorCode.QUOTA),
        (ModelAuthError("the provider refused the credentials (HTTP 401)"), TurnErrorCode.AUTH),
        (ContextWindowExceededError("context window exceeded"), TurnErrorCode.CONTEXT),
        (ConfigError("model_providers.x: base_url is required"), TurnErrorCode.CONFIG),
        (ModelTransportError("connection refused"), TurnErrorCode.CONNECTION),
        (StreamError("stream closed before response.completed"), TurnErrorCode.CONNECTION),
        (StreamIdleTimeoutError("no data for 300 s"), TurnErrorCode.CONNECTION),
        (ModelHTTPError(500, "HTTP 500 from the model provider: boom"), TurnErrorCode.SERVER),
        (ModelHTTPError(503, "HTTP 503 from the model provider: overloaded"), TurnErrorCode.SERVER),
        (ModelHTTPError(429, "HTTP 429 from the model provider: slow down"), TurnErrorCode.RATE_LIMIT),
        (ModelHTTPError(408, "HTTP 408 from the model provider"), TurnErrorCode.CONNECTION),
        (ModelHTTPError(400, "HTTP 400 from the model provider: bad request"), TurnErrorCode.OTHER),
        (ResponseFailedError("server_error", "the server had an error"), TurnErrorCode.SERVER),
        (ResponseFailedError("rate_limit_exceeded", "slow down"), TurnErrorCode.RATE_LIMIT),
        (ResponseFailedError("insufficient_quota", "no credit"), TurnErrorCode.QUOTA),
        (ResponseFailedError("context_length_exceeded", "too long"), TurnErrorCode.CONTEXT),
        (ResponseFailedError("invalid_prompt", "no"), TurnErrorCode.OTHER),
        (ModelError("the model stopped early: incomplete response (max_output_tokens)"), TurnErrorCode.OTHER),
        (PatchApplyError("context not found"), TurnErrorCode.OTHER),
        (RuntimeError("unexpected"), TurnErrorCode.OTHER),
    ],
)
def test_each_error_class_has_its_code(error: BaseException, code: TurnErrorCode) -> None:
    assert turn_error_code(error) is code


def test_a_server_error_is_not_a_connection_problem() -> None:
    # Both are retried; only the transport failure is about the connection.
    assert turn_error_code(ModelHTTPError(502, "HTTP 502")) is TurnErrorCode.SERVER
    assert turn_error_code(ModelTransportError("connection reset")) is TurnErrorCode.CONNECTION
