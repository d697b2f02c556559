"""Script validation and loading, delta splitting and usage estimates (no sockets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tandem.testing import Script, ScriptError, load_script
from tandem.testing.responses_sse import split_deltas
from tandem.testing.script import FunctionCallItem, MessageItem
from tandem.testing.usage import common_prefix_length, resolve_usage

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SMALL = {"responses": [{"output": [{"type": "message", "text": "hi"}]}]}


def test_loads_from_dict_json_text_and_path(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SMALL), "utf-8")
    scripts = [load_script(SMALL), load_script(json.dumps(SMALL)), load_script(path), load_script(str(path))]
    assert all(s == scripts[0] for s in scripts)
    assert isinstance(scripts[0].responses[0].output[0], MessageItem)
    assert load_script(scripts[0]) is scripts[0]


def test_the_demo_session_is_a_valid_script() -> None:
    script = load_script(EXAMPLES / "demo" / "session.json")
    assert script.model_names() == ["scripted-demo"]
    assert len(script.responses) >= 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (
            {"responses": [{"output": [{"type": "function_call", "arguments": {}}]}]},
            "responses[0].output[0].function_call.name",
        ),
        ({"responses": [{"output": [{"type": "message", "txt": "typo"}]}]}, "responses[0].output[0].message.txt"),
        ({"responses": [{"output": [{"type": "video"}]}]}, "responses[0].output[0]"),
        ({"responses": [{"fault": {"kind": "http_error", "status": 99}}]}, "responses[0].fault.http_error.status"),
        ({"responses": [{"fault": {"kind": "explode"}}]}, "responses[0].fault"),
        ({"responses": [{"delay_ms": -1}]}, "responses[0].delay_ms"),
        (
            {"responses": [{"fault": {"kind": "http_error"}, "output": [{"type": "message", "text": "x"}]}]},
            "responses[0]",
        ),
        ({"responses": [{"events": [{"no_type": 1}]}]}, "responses[0].events"),
        ({"responses": [{"events": [], "output": [{"type": "message", "text": "x"}]}]}, "responses[0]"),
        ({"responses": [{"events": [], "fault": {"kind": "incomplete"}}]}, "responses[0]"),
        ({"responses": [], "repeat_last": True}, "<script>"),
        ({"respones": []}, "responses"),
    ],
)
def test_invalid_scripts_name_the_bad_field(bad: dict[str, object], field: str) -> None:
    with pytest.raises(ScriptError) as info:
        load_script(bad)
    assert f"  {field}:" in str(info.value)


def test_unreadable_sources_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"responses": [\n  {"output": }\n]}', "utf-8")
    with pytest.raises(ScriptError, match=r"broken.json is not valid JSON: .* line 2"):
        load_script(broken)
    with pytest.raises(ScriptError, match="neither JSON text nor an existing file"):
        load_script("no-such-script.json")
    with pytest.raises(ScriptError, match="cannot read script"):
        load_script(tmp_path / "missing.json")
    with pytest.raises(ScriptError, match="must be a JSON object"):
        load_script(" [1, 2]")


def test_function_call_arguments_may_be_a_verbatim_string() -> None:
    item = FunctionCallItem(type="function_call", name="f", arguments='{"broken": ')
    assert item.arguments_json == '{"broken": '
    assert FunctionCallItem(type="function_call", name="f", arguments={"a": "é"}).arguments_json == '{"a":"é"}'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "word",
        "  leading and trailing  ",
        "one two three four five six seven",
        "line one\nline two\n\n",
        "x" * 200,
        "a\tb  c   d",
    ],
)
def test_split_deltas_concatenates_to_the_text(text: str) -> None:
    chunks = split_deltas(text)
    assert "".join(chunks) == text
    assert all(chunks) and all(len(c) <= 48 for c in chunks)


def test_split_deltas_gives_several_chunks_of_a_few_words() -> None:
    assert split_deltas("one two three four five six seven") == ["one two three ", "four five six ", "seven"]


def test_common_prefix_length() -> None:
    assert common_prefix_length(b"", b"abc") == 0
    assert common_prefix_length(b"abcdef", b"abcxef") == 3
    assert common_prefix_length(b"abc", b"abcdef") == 3
    big = bytes(range(256)) * 400
    assert common_prefix_length(big, big[:-1] + b"!") == len(big) - 1


def test_usage_estimates() -> None:
    script = Script.model_validate(
        {
            "responses": [
                {
                    "output": [
                        {"type": "reasoning", "summary": "abcd", "text": "efgh"},
                        {"type": "message", "text": "x" * 8},
                    ]
                }
            ]
        }
    )
    usage = resolve_usage(None, script.responses[0].output, input_bytes=401, cached_prefix_bytes=200)
    assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens, usage.reasoning_tokens) == (101, 50, 4, 2)
    assert usage.total_tokens == 105
    capped = resolve_usage(None, [], input_bytes=4, cached_prefix_bytes=4000)
    assert capped.cached_tokens == capped.input_tokens == 1
