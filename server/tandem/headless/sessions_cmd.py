"""``tandem sessions list|show``: what was recorded under ``$TANDEM_HOME/sessions``."""

from __future__ import annotations

import json
import sys
from typing import IO

from tandem.config import tandem_home
from tandem.errors import TandemError
from tandem.headless.human import Style
from tandem.sessions.rollout import read_rollout
from tandem.sessions.store import find_session, list_sessions


def list_command(limit: int = 20, as_json: bool = False, out: IO[str] | None = None) -> int:
    """Print the newest ``limit`` sessions (id, date, turns, directory, first prompt)."""
    out = out or sys.stdout
    sessions = list_sessions(tandem_home() / "sessions", limit=limit)
    if as_json:
        for s in sessions:
            out.write(
                json.dumps(
                    {
                        "id": s.thread_id,
                        "created_at": s.created_at,
                        "cwd": s.cwd,
                        "model": s.model,
                        "turns": s.turns,
                        "preview": s.preview,
                        "path": str(s.path),
                    }
                )
                + "\n"
            )
        return 0
    if not sessions:
        out.write(f"no sessions yet under {tandem_home() / 'sessions'}\n")
        return 0
    for s in sessions:
        out.write(
            f"{s.thread_id}  {s.created_at}  {s.turns} turn{'s' if s.turns != 1 else ''}  {s.cwd}\n"
            f"    {s.preview or '(no prompt)'}\n"
        )
    return 0


def show_command(thread_id: str, as_json: bool = False, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Print one session's transcript (or its raw records with ``--json``)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        rollout = read_rollout(find_session(tandem_home() / "sessions", thread_id))
    except TandemError as exc:
        err.write(f"tandem sessions show: {exc.message}\n")
        return 1
    if as_json:
        out.write(rollout.path.read_text("utf-8"))
        return 0
    style = Style(out)
    meta = rollout.meta
    out.write(
        style.dim(f"session {rollout.thread_id} · {meta.get('created_at')} · {meta.get('model')} · {meta.get('cwd')}")
        + "\n"
    )
    for event in rollout.events:
        kind = event.get("type")
        if kind == "user_message":
            out.write(style.bold("user") + "\n" + str(event.get("text", "")) + "\n")
        elif kind == "item_completed":
            _show_item(event.get("item") or {}, out, style)
        elif kind == "turn_completed":
            turn = event.get("turn") or {}
            if turn.get("status") != "completed":
                message = (turn.get("error") or {}).get("message", "")
                out.write(style.red(f"turn {turn.get('status')}" + (f": {message}" if message else "")) + "\n")
    return 0


def _show_item(item: dict[str, object], out: IO[str], style: Style) -> None:
    kind = item.get("type")
    if kind == "agentMessage":
        out.write(style.bold(style.magenta("tandem")) + "\n" + str(item.get("text", "")) + "\n")
    elif kind == "commandExecution":
        out.write(style.bold(f"$ {item.get('command')}") + style.dim(f"  → exit {item.get('exitCode')}") + "\n")
    elif kind == "fileChange":
        changes = item.get("changes") or []
        for change in changes if isinstance(changes, list) else []:
            out.write(style.diff(str(change.get("diff", ""))))
    elif kind == "plan":
        steps = item.get("steps") or []
        for step in steps if isinstance(steps, list) else []:
            mark = "[x]" if step.get("status") == "completed" else "[ ]"
            out.write(f"  {mark} {step.get('step')}\n")
