from __future__ import annotations

from tandem.model.sse import SSEDecoder, SSEEvent


def decode_all(chunks: list[str]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def test_events_with_names_and_multiline_data() -> None:
    events = decode_all(["event: a\ndata: 1\ndata: 2\n\n", "data: plain\n\n"])
    assert events == [SSEEvent("a", "1\n2"), SSEEvent("message", "plain")]


def test_chunks_split_anywhere_give_the_same_events() -> None:
    stream = 'event: response.created\r\ndata: {"x": 1}\r\n\r\n: comment\nevent: b\rdata:no-space\r\r'
    whole = decode_all([stream])
    assert whole == [SSEEvent("response.created", '{"x": 1}'), SSEEvent("b", "no-space")]
    for size in (1, 2, 3, 7):
        assert decode_all([stream[i : i + size] for i in range(0, len(stream), size)]) == whole


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    assert decode_all(["data: x\r", "\n\r", "\n"]) == [SSEEvent("message", "x")]


def test_unterminated_last_event_is_dropped_and_id_retry_are_kept() -> None:
    events = decode_all(["id: 7\nretry: 1500\ndata: a\n\n", "data: half"])
    assert events == [SSEEvent("message", "a", id="7", retry_ms=1500)]


def test_comments_and_unknown_fields_are_ignored() -> None:
    assert decode_all([":keepalive\nfoo: bar\ndata: x\n\n"]) == [SSEEvent("message", "x")]
