"""Benchmarks of `tandem lsp`: cold ``initialize`` round trip, and model-delta-to-client latency.

1. Initialize: spawn the server, send ``initialize``, wait for the result; compared with a bare pygls
   server (``benchmarks/bare_pygls_server.py``) doing nothing else. N runs each, medians.
2. Delta latency: a model endpoint on 127.0.0.1 streams Responses SSE text deltas whose text is the
   ``time.monotonic_ns()`` at which the endpoint wrote them (CLOCK_MONOTONIC is system-wide, so the
   client can compare); the client records, for every ``tandem/item/agentMessageDelta`` it receives,
   now minus that stamp. Run with 1 turn, then 8 concurrent turns on 8 threads of one server.

Usage: .venv/bin/python benchmarks/lsp_bench.py [--runs N] [--deltas N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent


def _event(kind: str, **data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


class StampingModel(BaseHTTPRequestHandler):
    """A Responses endpoint streaming ``deltas`` text deltas, each carrying its send time."""

    deltas = 200
    spacing_s = 0.002

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []}
        self.wfile.write(_event("response.created", response={"id": "r"}))
        self.wfile.write(_event("response.output_item.added", output_index=0, item=item))
        self.wfile.flush()
        for _ in range(self.deltas):
            time.sleep(self.spacing_s)
            self.wfile.write(
                _event(
                    "response.output_text.delta",
                    item_id="msg_1",
                    output_index=0,
                    content_index=0,
                    delta=f"{time.monotonic_ns()} ",
                )
            )
            self.wfile.flush()
        done = {**item, "status": "completed", "content": [{"type": "output_text", "text": "done", "annotations": []}]}
        self.wfile.write(_event("response.output_item.done", output_index=0, item=done))
        self.wfile.write(
            _event(
                "response.completed",
                response={"id": "r", "usage": {"input_tokens": 10, "output_tokens": 10, "total_tokens": 20}},
            )
        )
        self.wfile.flush()


async def initialize_once(command: list[str], root: Path, env: dict[str, str]) -> float:
    client = LanguageClient("bench", "1")
    start = time.perf_counter()
    await client.start_io(*command, env=env, cwd=str(root))
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri())
    )
    elapsed = time.perf_counter() - start
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return elapsed * 1000


async def latency(turns: int, root: Path, env: dict[str, str]) -> list[float]:
    client = LanguageClient("bench", "1")
    samples: list[float] = []
    done = asyncio.Event()
    finished: set[str] = set()

    @client.feature("tandem/item/agentMessageDelta")
    def on_delta(params: Any) -> None:
        now = time.monotonic_ns()
        for stamp in str(params.delta).split():
            samples.append((now - int(stamp)) / 1e6)

    @client.feature("tandem/turn/completed")
    def on_done(params: Any) -> None:
        finished.add(params.threadId)
        if len(finished) == turns:
            done.set()

    await client.start_io(sys.executable, "-m", "tandem.cli", "lsp", env=env, cwd=str(root))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(experimental={"tandem": {}}), root_uri=root.as_uri()
        )
    )
    client.initialized(types.InitializedParams())
    threads = [await client.protocol.send_request_async("tandem/thread/start", {}) for _ in range(turns)]
    for thread in threads:
        await client.protocol.send_request_async(
            "tandem/turn/start", {"threadId": thread.thread.id, "input": [{"type": "text", "text": "stream"}]}
        )
    await asyncio.wait_for(done.wait(), 120)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return samples


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--deltas", type=int, default=200)
    args = parser.parse_args()
    StampingModel.deltas = args.deltas
    model = ThreadingHTTPServer(("127.0.0.1", 0), StampingModel)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"tandem-lsp-bench-{os.getpid()}"
    root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{model.server_address[1]}/v1",
        "OPENAI_API_KEY": "bench",
        "TANDEM_HOME": str(root / "home"),
    }
    try:
        tandem = [
            await initialize_once([sys.executable, "-m", "tandem.cli", "lsp"], root, env) for _ in range(args.runs)
        ]
        bare = [
            await initialize_once([sys.executable, str(HERE / "bare_pygls_server.py")], root, env)
            for _ in range(args.runs)
        ]
        one = await latency(1, root, env)
        eight = await latency(8, root, env)
    finally:
        model.shutdown()
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "initialize_ms": {
            "tandem_median": round(statistics.median(tandem), 1),
            "bare_pygls_median": round(statistics.median(bare), 1),
            "difference": round(statistics.median(tandem) - statistics.median(bare), 1),
        },
        "delta_latency_ms_1_turn": {
            "samples": len(one),
            "p50": pct(one, 0.5),
            "p99": pct(one, 0.99),
            "max": round(max(one), 2),
        },
        "delta_latency_ms_8_turns": {
            "samples": len(eight),
            "p50": pct(eight, 0.5),
            "p99": pct(eight, 0.99),
            "max": round(max(eight), 2),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
