"""Command line of the scripted model server.

``python -m tandem.testing serve SCRIPT.json [--port N] [--record FILE] [--verbose]`` prints the base
URL (``http://127.0.0.1:<port>/v1``) as the first line of stdout, then serves until SIGTERM or
SIGINT; ``--record`` appends each request as one JSON line (shape: :mod:`tandem.testing.recording`)
as it arrives. ``python -m tandem.testing check SCRIPT.json`` validates a script.
Exit codes: 0 ok, 2 invalid script or arguments, 1 the port could not be bound.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from tandem.testing.recording import RecordedRequest
from tandem.testing.script import ScriptError, load_script
from tandem.testing.server import ScriptedModelServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tandem.testing",
        description="Scripted model server (OpenAI Responses API over SSE).",
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", allow_abbrev=False, help="serve a script on 127.0.0.1 until SIGTERM/SIGINT")
    serve.add_argument("script", type=Path, help="the JSON script")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: chosen by the OS)")
    serve.add_argument("--record", type=Path, help="write the received requests to FILE as JSONL")
    serve.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    check = commands.add_parser("check", allow_abbrev=False, help="validate a script and exit")
    check.add_argument("script", type=Path)
    return parser


def _serve(args: argparse.Namespace, script_path: Path) -> int:
    record_file: TextIO | None = args.record.open("w", encoding="utf-8") if args.record else None
    verbose: bool = args.verbose

    def on_request(record: RecordedRequest) -> None:
        if record_file is not None:
            record_file.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            record_file.flush()
        if verbose:
            print(f"scripted model server: {record.method} {record.path}", file=sys.stderr, flush=True)

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    try:
        server = ScriptedModelServer(script_path, port=args.port, on_request=on_request)
        try:
            server.start()
        except OSError as exc:
            print(f"scripted model server: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
            return 1
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            print(server.base_url, flush=True)
            done.wait()
        finally:
            server.stop()
    finally:
        if record_file is not None:
            record_file.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    script_path: Path = args.script
    try:
        script = load_script(script_path)
    except ScriptError as exc:
        print(f"scripted model server: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        print(f"{script_path}: ok, {len(script.responses)} responses")
        return 0
    return _serve(args, script_path)


if __name__ == "__main__":
    sys.exit(main())
