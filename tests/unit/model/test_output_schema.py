"""`--output-schema` on every wire format: Responses `text.format`, Chat Completions `response_format`,
Anthropic `output_config.format`; the scripted model server refuses malformed ones as providers do."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.model import anthropic_request, chat_request, responses
from tandem.model.types import ModelRequest
from tandem.testing.anthropic_sse import ANTHROPIC
from tandem.testing.chat_sse import CHAT
from tandem.testing.responses_sse import RESPONSES

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
INPUT = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "count"}]}]


def request(schema: dict[str, Any] | None = SCHEMA) -> ModelRequest:
    return ModelRequest(model="m", instructions="be brief", input=INPUT, tools=[], output_schema=schema)


def test_responses_sends_text_format_json_schema() -> None:
    body = responses.build_request_body(request())
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "codex_output_schema", "strict": True, "schema": SCHEMA}
    }
    assert RESPONSES.request_error(body) is None
    assert "text" not in responses.build_request_body(request(None))


def test_chat_sends_response_format() -> None:
    body = chat_request.build_request_body(request())
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "codex_output_schema", "strict": True, "schema": SCHEMA},
    }
    assert CHAT.request_error(body) is None
    assert "response_format" not in chat_request.build_request_body(request(None))


def test_anthropic_sends_output_config_format() -> None:
    body = anthropic_request.build_request_body(request())
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    assert ANTHROPIC.request_error(body) is None
    assert "output_config" not in anthropic_request.build_request_body(request(None))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ({"format": {"type": "json_schema", "schema": SCHEMA}}, "text.format.name"),
        ({"format": {"type": "json_schema", "name": "bad name!", "schema": SCHEMA}}, "text.format.name"),
        ({"format": {"type": "json_schema", "name": "x"}}, "text.format.schema"),
        ({"format": {"type": "json_schema", "name": "x", "schema": []}}, "text.format.schema"),
        ({"format": {"type": "json_schema", "name": "x", "schema": SCHEMA, "strict": "yes"}}, "text.format.strict"),
        ({"format": {"type": "xml"}}, "text.format.type"),
        ("json", "'text'"),
    ],
)
def test_the_scripted_server_refuses_malformed_text_formats(text: Any, problem: str) -> None:
    body = {**responses.build_request_body(request(None)), "text": text}
    error = RESPONSES.request_error(body)
    assert error is not None and problem in error


def test_the_scripted_server_refuses_malformed_response_formats_and_output_configs() -> None:
    chat = {**chat_request.build_request_body(request(None)), "response_format": {"type": "json_schema"}}
    assert "response_format.json_schema" in (CHAT.request_error(chat) or "")
    chat["response_format"] = {"type": "json_schema", "json_schema": {"schema": SCHEMA}}
    assert "response_format.json_schema.name" in (CHAT.request_error(chat) or "")
    anthropic = anthropic_request.build_request_body(request(None))
    anthropic["output_config"] = {"format": {"type": "json_schema", "schema": "no"}}
    assert "output_config.format.schema" in (ANTHROPIC.request_error(anthropic) or "")
    anthropic["output_config"] = {"format": {"type": "json_schema", "schema": SCHEMA, "name": "x"}}
    assert "output_config.format.name" in (ANTHROPIC.request_error(anthropic) or "")
