"""Scripted model server: a real HTTP server on 127.0.0.1 that impersonates a model provider.

It answers the Nth model request with the Nth response of a JSON script, streamed as real
Server-Sent Events (format: OpenAI Responses API streaming events), and records every request so
tests can assert what the agent sent. Used by the test suite, ``tandem demo`` and the benchmarks.

Public API::

    ScriptedModelServer(script, *, port=0, on_request=None)   # .start() .stop() with / async with
        .base_url -> "http://127.0.0.1:<port>/v1"   .requests   .wait_for_requests(n, timeout=5.0)
    load_script(source) -> Script                              # raises ScriptError
    RecordedRequest(method, path, headers, body, received_at)

CLI: ``python -m tandem.testing serve SCRIPT.json [--port N] [--record FILE]``.
"""

from tandem.testing.recording import RecordedRequest
from tandem.testing.script import Script, ScriptedResponse, ScriptError, load_script
from tandem.testing.server import ScriptedModelServer

__all__ = [
    "RecordedRequest",
    "Script",
    "ScriptError",
    "ScriptedModelServer",
    "ScriptedResponse",
    "load_script",
]
