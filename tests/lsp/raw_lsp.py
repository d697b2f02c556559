"""A raw-bytes client for `tandem lsp`: a real server process on stdio, messages framed (or mis-framed) by hand.

pytest-lsp frames every message correctly; these tests need to send what a broken or hostile client
sends. A reader thread parses the server's output into a queue, so every wait is bounded.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

INITIALIZE = {"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {"capabilities": {}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "initialized", "params": {}}
SHUTDOWN = {"jsonrpc": "2.0", "id": "shutdown", "method": "shutdown"}
EXIT = {"jsonrpc": "2.0", "method": "exit"}


def frame(message: dict[str, Any] | bytes, length: int | None = None) -> bytes:
    """The message with its Content-Length header (``length`` overrides the true length)."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


class RawServer:
    """`tandem lsp` in a subprocess; :meth:`send` writes bytes, :meth:`next` returns the next message."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "lsp", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
            start_new_session=True,
        )
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_reader.start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            headers: dict[str, str] = {}
            while (line := stdout.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            if not line:
                self._messages.put(None)
                return
            self._messages.put(json.loads(stdout.read(int(headers["content-length"]))))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        """What the server wrote to stderr (its log); complete once :meth:`wait` or :meth:`close` returned."""
        return b"".join(self._stderr).decode(errors="replace")

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def next(self, timeout: float = 20) -> dict[str, Any]:
        """The next message the server sent (fails if it ended its output or sent nothing in time)."""
        message = self._messages.get(timeout=timeout)
        assert message is not None, f"the server closed its output; stderr:\n{self.stderr}"
        return message

    def request(self, message: dict[str, Any], timeout: float = 20) -> dict[str, Any]:
        """Send a request and return the response with its id (notifications before it are skipped)."""
        self.send(frame(message))
        while True:
            reply = self.next(timeout)
            if reply.get("id") == message["id"] and "method" not in reply:
                return reply

    def initialize(self) -> None:
        assert "result" in self.request(INITIALIZE)
        self.send(frame(INITIALIZED))

    def close(self, timeout: float = 20) -> int:
        """Close stdin and wait for the process to end; returns its exit code."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        return self.wait(timeout)

    def wait(self, timeout: float = 20) -> int:
        """Wait for the process to end (killing it after ``timeout``) and for its stderr to be read."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
            raise
        self._stderr_reader.join(timeout)
        return code
