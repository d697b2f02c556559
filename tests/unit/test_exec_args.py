"""`tandem exec`'s command line: every parser refuses abbreviations, `resume` is found after flags
(the order the Codex SDK uses), conflicting safety flags are named."""

from __future__ import annotations

import argparse

import pytest

from tandem.cli import build_parser
from tandem.headless.exec_args import flag_conflict, rewrite_exec_argv, subcommand_index


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


def _exec_parser() -> argparse.ArgumentParser:
    return next(p for p in _parsers(build_parser()) if p.prog == "tandem exec")


def test_every_parser_refuses_abbreviations() -> None:
    parsers = _parsers(build_parser())
    assert len(parsers) > 10
    assert [p.prog for p in parsers if p.allow_abbrev] == []


@pytest.mark.parametrize(
    ("argv", "index"),
    [
        (["resume", "ID"], 0),
        (["--experimental-json", "--config", "k=v", "--model", "m", "resume", "ID", "--image", "a.png"], 5),
        (["--model", "resume", "fix it"], None),  # a model named "resume"; the prompt comes first
        (["-m", "resume", "resume", "ID"], 2),
        (["-mresume", "review"], 1),
        (["--model=resume", "hello"], None),
        (["-vv", "resume", "--last"], 1),
        (["--", "resume"], None),
        (["-", "resume"], None),
        (["explain resume"], None),
        ([], None),
    ],
)
def test_resume_and_review_are_found_after_the_flags(argv: list[str], index: int | None) -> None:
    assert subcommand_index(_exec_parser(), argv) == index


def test_rewrite_merges_flags_before_and_after_resume() -> None:
    parser = build_parser()
    argv = rewrite_exec_argv(
        _exec_parser(), ["exec", "--json", "-c", "a=1", "resume", "ID", "-c", "b=2", "-i", "x.png"]
    )
    assert argv == ["exec-resume", "--json", "-c", "a=1", "ID", "-c", "b=2", "-i", "x.png"]
    args = parser.parse_args(argv)
    assert args.session_id == "ID" and args.overrides == ["a=1", "b=2"] and [str(p) for p in args.images] == ["x.png"]
    assert isinstance(rewrite_exec_argv(_exec_parser(), ["exec", "review", "--uncommitted"]), str)


def test_images_repeat_and_split_on_commas() -> None:
    args = build_parser().parse_args(["exec", "-i", "a.png,b.png", "--image", "c.png", "look"])
    assert [str(p) for p in args.images] == ["a.png", "b.png", "c.png"] and args.prompt == "look"


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["-s", "read-only", "--yolo"], "--sandbox read-only"),
        (["--yolo", "-s", "workspace-write"], "--sandbox workspace-write"),
        (["--dangerously-bypass-approvals-and-sandbox", "--full-auto"], "--full-auto"),
        (["--yolo", "-a", "untrusted"], "--approval-policy untrusted"),
        (["--full-auto", "-s", "danger-full-access"], "--sandbox danger-full-access"),
        (["--oss", "--provider", "openrouter"], "--oss"),
        (["--local-provider", "lmstudio", "--provider", "ollama"], "--local-provider lmstudio"),
    ],
)
def test_conflicting_safety_flags_are_named(flags: list[str], named: str) -> None:
    for command in (["exec", *flags, "hi"], ["lsp", *flags], ["sandbox", *flags, "--", "true"]):
        problem = flag_conflict(build_parser().parse_args(command))
        assert problem is not None and named in problem, command


def test_agreeing_safety_flags_are_fine() -> None:
    for flags in (
        ["--yolo", "-s", "danger-full-access"],
        ["--full-auto", "-s", "workspace-write"],
        ["--yolo"],
        ["--oss", "--provider", "lmstudio"],
        ["--local-provider", "ollama", "--provider", "ollama"],
    ):
        assert flag_conflict(build_parser().parse_args(["exec", *flags, "hi"])) is None
