"""Model-visible MCP tool names follow Codex's rules (codex-rs/codex-mcp/src/mcp_tool_names.rs tests)."""

from __future__ import annotations

import hashlib
import re

from tandem.mcp.names import QualifiedName, qualify, sanitize

VALID = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def test_short_names_are_mcp_server_tool_and_sorted() -> None:
    names = qualify([("server1", "tool2"), ("server1", "tool1"), ("server1", "tool1")])
    assert names == [
        QualifiedName("mcp__server1__tool1", "server1", "tool1"),
        QualifiedName("mcp__server1__tool2", "server1", "tool2"),
    ]


def test_invalid_characters_become_underscores_and_the_raw_name_is_kept() -> None:
    assert qualify([("server.one", "tool.two-three")]) == [
        QualifiedName("mcp__server_one__tool_two_three", "server.one", "tool.two-three")
    ]
    assert qualify([("music-studio", "get-strudel-guide")])[0].name == "mcp__music_studio__get_strudel_guide"
    assert sanitize("") == "_" and sanitize("é") == "_"


def test_long_names_are_cut_to_64_bytes_with_a_sha1_suffix() -> None:
    long_a = "extremely_lengthy_function_name_that_absolutely_surpasses_all_reasonable_limits"
    long_b = "yet_another_" + long_a
    names = qualify([("my_server", long_a), ("my_server", long_b)])
    assert all(len(q.name) == 64 and q.name.startswith("mcp__my_server__") for q in names)
    assert all(VALID.match(q.name) for q in names)
    identity = f"my_server\0mcp__my_server__\0\0{long_a}\0{long_a}"
    expected = hashlib.sha1(identity.encode()).hexdigest()[:12]
    (first,) = [q for q in names if q.tool == long_a]
    assert first.name == "mcp__my_server__" + long_a[: 64 - 16 - 13] + "_" + expected


def test_collisions_after_sanitising_get_hash_suffixes() -> None:
    servers = qualify([("basic-server", "lookup"), ("basic_server", "query")])
    assert len({q.name.rsplit("__", 1)[0] for q in servers}) == 2
    assert all(VALID.match(q.name) for q in servers)
    tools = qualify([("server", "tool-name"), ("server", "tool_name")])
    assert len({q.name for q in tools}) == 2 and {q.tool for q in tools} == {"tool-name", "tool_name"}
    assert all(q.name.startswith("mcp__server__tool_name_") and len(q.name) == 35 for q in tools)
