"""Finding rollouts: list them newest first, look one up by thread id (or a unique prefix)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tandem.errors import NotFoundError, SessionError
from tandem.sessions.rollout import RecordKind, iter_records, read_rollout


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One line of ``tandem sessions list``.

    Attributes:
        preview: the first thing the user asked (one line, at most 80 characters), or "".
        turns: how many turns were started.
    """

    thread_id: str
    path: Path
    created_at: str
    cwd: str
    model: str
    preview: str
    turns: int
    model_provider: str = ""
    approval_policy: str = ""
    sandbox_mode: str = ""


def _rollout_files(sessions_dir: Path) -> list[Path]:
    if not sessions_dir.is_dir():
        return []
    return sorted(sessions_dir.glob("*/*/*/rollout-*.jsonl"), key=lambda p: p.name, reverse=True)


def summarize(path: Path) -> SessionSummary:
    """Read just enough of a rollout to describe it.

    Raises:
        SessionError: the file is not a readable rollout.
    """
    meta: dict[str, object] = {}
    preview = ""
    turns = 0
    for record in iter_records(path):
        kind = record.get("type")
        payload = record.get("payload") or {}
        if kind == RecordKind.SESSION_META:
            meta = payload
        elif kind == RecordKind.EVENT_MSG and isinstance(payload, dict):
            if payload.get("type") == "turn_started":
                turns += 1
            elif payload.get("type") in ("user_message", "thread_name") and not preview:  # a fork's name
                preview = " ".join(str(payload.get("text") or payload.get("name") or "").split())[:80]
    if not meta:
        raise SessionError(f"{path} is not a Tandem session file")
    return SessionSummary(
        thread_id=str(meta.get("id", "")),
        path=path,
        created_at=str(meta.get("created_at", "")),
        cwd=str(meta.get("cwd", "")),
        model=str(meta.get("model", "")),
        preview=preview,
        turns=turns,
        model_provider=str(meta.get("model_provider", "")),
        approval_policy=str(meta.get("approval_policy", "")),
        sandbox_mode=str(meta.get("sandbox_mode", "")),
    )


def list_sessions(sessions_dir: Path, limit: int | None = None) -> list[SessionSummary]:
    """Sessions newest first; unreadable files are skipped."""
    summaries: list[SessionSummary] = []
    for path in _rollout_files(sessions_dir):
        try:
            summaries.append(summarize(path))
        except SessionError:
            continue
        if limit is not None and len(summaries) >= limit:
            break
    return summaries


def find_session(sessions_dir: Path, thread_id: str) -> Path:
    """The rollout of ``thread_id`` (a full id or a unique prefix of at least 4 characters).

    Raises:
        NotFoundError: no such session, or the prefix matches several.
    """
    wanted = thread_id.strip().lower()
    if len(wanted) < 4:
        raise NotFoundError(f"session id {thread_id!r} is too short; give at least 4 characters")
    matches = [path for path in _rollout_files(sessions_dir) if _thread_id_of(path).startswith(wanted)]
    if not matches:
        raise NotFoundError(f"no session {thread_id!r} under {sessions_dir}")
    if len({_thread_id_of(path) for path in matches}) > 1:
        raise NotFoundError(f"session id {thread_id!r} is ambiguous; give more characters")
    return matches[0]


def latest_session(sessions_dir: Path, cwd: Path | None = None) -> Path:
    """The newest rollout, optionally only among those whose thread ran in ``cwd``.

    Raises:
        NotFoundError: there is none.
    """
    for path in _rollout_files(sessions_dir):
        if cwd is None:
            return path
        try:
            if read_rollout(path).meta.get("cwd") == str(cwd):
                return path
        except SessionError:
            continue
    raise NotFoundError("no earlier session to resume" + (f" in {cwd}" if cwd else ""))


def _thread_id_of(path: Path) -> str:
    # rollout-YYYY-MM-DDTHH-MM-SS-<uuid>.jsonl; a UUID has 5 dash-separated groups.
    return "-".join(path.stem.split("-")[-5:]).lower()
