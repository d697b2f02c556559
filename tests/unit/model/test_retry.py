from __future__ import annotations

import pytest

from tandem.errors import (
    ModelAuthError,
    ModelHTTPError,
    ModelTransportError,
    QuotaExceededError,
    ResponseFailedError,
    StreamError,
)
from tandem.model.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2", 2.0),
        ("0.5", 0.5),
        ("Please try again in 1.2s.", 1.2),
        ("try again in 300ms", 0.3),
        ("Rate limit reached. Please try again in 20 seconds", 20.0),
        ("nothing here", None),
        (None, None),
    ],
)
def test_parse_retry_after(text: str | None, seconds: float | None) -> None:
    assert parse_retry_after(text) == seconds


def test_backoff_grows_exponentially_within_jitter() -> None:
    policy = RetryPolicy(base_delay_s=0.2, factor=2.0, jitter=0.1)
    error = StreamError("broken")
    for attempt in range(4):
        delay = policy.next_delay(error, attempt)
        assert delay is not None
        expected = 0.2 * 2**attempt
        assert expected * 0.9 <= delay <= expected * 1.1


def test_budgets_differ_for_request_and_stream_errors() -> None:
    policy = RetryPolicy(request_max_retries=4, stream_max_retries=5)
    assert policy.next_delay(ModelHTTPError(503, "busy"), 3) is not None
    assert policy.next_delay(ModelHTTPError(503, "busy"), 4) is None
    assert policy.next_delay(ModelTransportError("refused"), 4) is None
    assert policy.next_delay(StreamError("cut"), 4) is not None
    assert policy.next_delay(StreamError("cut"), 5) is None


def test_server_wait_replaces_backoff() -> None:
    policy = RetryPolicy()
    assert policy.next_delay(ResponseFailedError("rate_limit_exceeded", "try again in 1.5s", 1.5), 0) == 1.5
    assert policy.next_delay(ModelHTTPError(429, "slow down", retry_after=3.0), 2) == 3.0


@pytest.mark.parametrize(
    "error",
    [
        QuotaExceededError("quota"),
        ModelAuthError("bad key"),
        ModelHTTPError(400, "bad request"),
        ResponseFailedError("invalid_prompt", "no"),
    ],
)
def test_permanent_errors_are_never_retried(error: Exception) -> None:
    assert RetryPolicy().next_delay(error, 0) is None  # type: ignore[arg-type]
