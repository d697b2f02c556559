"""Every scripted fault kind behaves as documented, seen by a real httpx client."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

MESSAGE = [{"type": "message", "text": "one two three four five six seven eight nine ten"}]


def script(fault: dict[str, Any], output: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"fault": fault, **extra}
    if output is not None:
        response["output"] = output
    return {"responses": [response]}


def test_http_error_sends_status_headers_and_body(make_server, client, body) -> None:
    server = make_server(
        script(
            {
                "kind": "http_error",
                "status": 429,
                "headers": {"Retry-After": "1"},
                "body": {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
            }
        )
    )
    response = client.post(f"{server.base_url}/responses", json=body())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}
    assert len(server.requests) == 1


def test_http_error_with_a_text_body_and_a_default_body(make_server, client, body) -> None:
    server = make_server(
        {
            "responses": [
                {"fault": {"kind": "http_error", "status": 502, "body": "<html>bad</html>"}},
                {"fault": {"kind": "http_error"}},
            ]
        }
    )
    proxy = client.post(f"{server.base_url}/responses", json=body())
    assert (proxy.status_code, proxy.text) == (502, "<html>bad</html>")
    assert proxy.headers["content-type"].startswith("text/plain")
    default = client.post(f"{server.base_url}/responses", json=body())
    assert default.status_code == 500 and default.json()["error"]["type"] == "server_error"


def test_disconnect_breaks_the_stream_after_n_events(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "disconnect", "after_events": 3}, MESSAGE))
    seen = []
    with (
        pytest.raises(httpx.TransportError),
        client.stream("POST", f"{server.base_url}/responses", json=body()) as response,
    ):
        for name, _ in sse.stream(response):
            seen.append(name)
    assert seen == ["response.created", "response.output_item.added", "response.content_part.added"]


def test_stall_stops_sending_and_stop_ends_it_quickly(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "stall", "after_events": 2, "seconds": 30}, MESSAGE))
    with client.stream("POST", f"{server.base_url}/responses", json=body()) as response:
        stream = sse.stream(response)
        assert [next(stream)[0], next(stream)[0]] == ["response.created", "response.output_item.added"]
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert not [t for t in threading.enumerate() if t.name.startswith("scripted-model-server:")]
        with pytest.raises(httpx.TransportError):
            list(stream)


def test_stall_ends_with_a_broken_connection_after_its_time(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "stall", "after_events": 1, "seconds": 0.05}, MESSAGE))
    with (
        pytest.raises(httpx.TransportError),
        client.stream("POST", f"{server.base_url}/responses", json=body()) as response,
    ):
        list(sse.stream(response))


def test_stall_is_seen_as_a_read_timeout_by_a_client(make_server, sse, body) -> None:
    server = make_server(script({"kind": "stall", "after_events": 1, "seconds": 30}, MESSAGE))
    with (
        httpx.Client(timeout=httpx.Timeout(5.0, read=0.2)) as http,
        pytest.raises(httpx.ReadTimeout),
        http.stream("POST", f"{server.base_url}/responses", json=body()) as response,
    ):
        list(sse.stream(response))


def test_response_failed_sends_created_then_failed(make_server, client, sse, body) -> None:
    server = make_server(
        script(
            {
                "kind": "response_failed",
                "code": "rate_limit_exceeded",
                "message": "Rate limit reached. Please try again in 0.2s.",
            }
        )
    )
    events = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)
    assert [e["type"] for e in events] == ["response.created", "response.failed"]
    failed = events[1]["response"]
    assert failed["id"] == "resp_1" and failed["status"] == "failed"
    assert failed["error"] == {
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached. Please try again in 0.2s.",
    }


def test_incomplete_ends_with_response_incomplete(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "incomplete", "reason": "max_output_tokens"}, MESSAGE))
    events = sse.json_events(client.post(f"{server.base_url}/responses", json=body()).text)
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert events[-1]["response"]["status"] == "incomplete"
    assert "response.completed" not in [e["type"] for e in events]


def test_no_completed_ends_cleanly_without_the_final_event(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "no_completed"}, MESSAGE))
    response = client.post(f"{server.base_url}/responses", json=body())  # a clean end: no exception
    events = sse.json_events(response.text)
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] == "response.output_item.done"
    assert all(e["type"] != "response.completed" for e in events)


def test_malformed_json_inserts_a_broken_data_line(make_server, client, sse, body) -> None:
    server = make_server(script({"kind": "malformed_json", "after_events": 1}, MESSAGE))
    events = sse.parse(client.post(f"{server.base_url}/responses", json=body()).text)
    assert events[0][0] == "response.created"
    name, data = events[1]
    assert name == "response.output_text.delta"
    with pytest.raises(json.JSONDecodeError):
        json.loads(data)
    assert events[-1][0] == "response.completed"  # the rest of the stream follows


def test_disconnect_works_with_raw_events(make_server, client, sse, body) -> None:
    raw = [
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.in_progress"},
        {"type": "response.completed", "response": {"id": "r"}},
    ]
    server = make_server({"responses": [{"events": raw, "fault": {"kind": "disconnect", "after_events": 2}}]})
    seen = []
    with (
        pytest.raises(httpx.TransportError),
        client.stream("POST", f"{server.base_url}/responses", json=body()) as response,
    ):
        seen.extend(name for name, _ in sse.stream(response))
    assert seen == ["response.created", "response.in_progress"]


def test_delayed_http_error_is_interrupted_by_stop(make_server, body) -> None:
    server = make_server(script({"kind": "http_error", "status": 500}, delay_ms=30_000))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{server.base_url}/responses", json=body(), timeout=10)
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    server.wait_for_requests(1)
    started = time.monotonic()
    server.stop()
    thread.join(10)
    assert time.monotonic() - started < 2.0
    assert not thread.is_alive() and len(errors) == 1
