"""OpenAI's TypeScript Codex SDK (`@openai/codex-sdk`, from npm) drives `tandem exec` unchanged.

The SDK is installed once into a cache folder (`$XDG_CACHE_HOME/tandem-tests`, default `~/.cache`)
at the pinned version, and a small driver script runs it with node: `new Codex({codexPathOverride:
<our CLI>, baseUrl: <the scripted model server>, apiKey})`. The driver prints one JSON line per
turn (`run()`), per event (`runStreamed()`), or the error a call rejected with.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.testing import ScriptedModelServer
from tandem.testing.recording import RecordedRequest

from helpers import message, npm_package, respond, shell

SDK_VERSION = "0.163.0"
API_KEY = "sk-codex-sdk-0123456789-SECRET"
TANDEM = Path(sys.executable).with_name("tandem")
RUN_TIMEOUT_S = 90
GATE_TIMEOUT_S = 30

DRIVER = """
import { pathToFileURL } from "node:url";
const plan = JSON.parse(process.argv[2]);
const { Codex } = await import(pathToFileURL(plan.sdk).href);
const out = (record) => process.stdout.write(JSON.stringify(record) + "\\n");
const codex = new Codex({ codexPathOverride: plan.bin, baseUrl: plan.baseUrl, apiKey: plan.apiKey });
const thread = plan.resume ? codex.resumeThread(plan.resume, plan.thread) : codex.startThread(plan.thread);
try {
  for (const turn of plan.turns) {
    if (plan.streamed) {
      const { events } = await thread.runStreamed(turn.input, turn.options ?? {});
      for await (const event of events) out({ event });
      out({ done: true, id: thread.id });
    } else {
      out({ turn: await thread.run(turn.input, turn.options ?? {}), id: thread.id });
    }
  }
} catch (error) {
  out({ error: String(error?.message ?? error) });
  process.exitCode = 3;
}
"""


@pytest.fixture(scope="session")
def codex_sdk() -> Path:
    """The SDK's entry module (`dist/index.js`), installed from npm on first use."""
    return npm_package("@openai/codex-sdk", SDK_VERSION, "dist/index.js")


class Gate:
    """Holds the scripted server's answer to request number ``number`` until :meth:`open`."""

    def __init__(self, number: int) -> None:
        self.number = number
        self._event = threading.Event()
        self.opened_in_time = False

    def open(self) -> None:
        self._event.set()

    def hold(self, count: int) -> None:
        if count == self.number:
            self.opened_in_time = self._event.wait(GATE_TIMEOUT_S)


@pytest.fixture
def sdk_server(tandem_home: Path) -> Iterator[Callable[..., ScriptedModelServer]]:
    """Start a scripted model server; OPENAI_BASE_URL stays unset (the SDK's baseUrl must be enough)."""
    servers: list[ScriptedModelServer] = []

    def start(responses: list[dict[str, Any]], gate: Gate | None = None) -> ScriptedModelServer:
        seen = [0]

        def on_request(record: RecordedRequest) -> None:
            if record.method == "POST" and gate is not None:
                seen[0] += 1
                gate.hold(seen[0])

        server = ScriptedModelServer({"responses": responses}, on_request=on_request).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY")}
    return env  # TANDEM_HOME comes from the tandem_home fixture


def _plan(sdk: Path, server: ScriptedModelServer, turns: list[dict[str, Any]], **extra: Any) -> str:
    return json.dumps(
        {"sdk": str(sdk), "bin": str(TANDEM), "baseUrl": server.base_url, "apiKey": API_KEY, "turns": turns, **extra}
    )


def drive(
    sdk: Path, server: ScriptedModelServer, tmp_path: Path, turns: list[dict[str, Any]], **extra: Any
) -> list[dict[str, Any]]:
    """Run the driver to its end; returns its JSON lines."""
    script = tmp_path / "driver.mjs"
    script.write_text(DRIVER)
    result = subprocess.run(
        ["node", str(script), _plan(sdk, server, turns, **extra)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert records, f"the driver printed nothing (exit {result.returncode}): {result.stderr}"
    return records


def turn_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    assert "error" not in records[-1], records[-1]["error"]
    return records[-1]["turn"]


def user_texts(body: dict[str, Any]) -> list[str]:
    return [
        part.get("text", "")
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == "user"
        for part in item["content"]
        if part.get("type") == "input_text"
    ]


def test_run_returns_the_final_response_items_and_usage(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    work = tmp_path / "project"
    work.mkdir()
    server = sdk_server([respond(shell("echo from-the-agent")), respond(message("All done."))])
    thread = {
        "workingDirectory": str(work),
        "skipGitRepoCheck": True,
        "model": "scripted-model",
        "sandboxMode": "workspace-write",
        "modelReasoningEffort": "low",
        "networkAccessEnabled": False,
        "webSearchMode": "disabled",
        "approvalPolicy": "never",
        "additionalDirectories": [str(tmp_path)],
    }
    records = drive(codex_sdk, server, tmp_path, [{"input": "say hello"}], thread=thread)
    turn = turn_of(records)
    assert turn["finalResponse"] == "All done."
    assert [item["type"] for item in turn["items"]] == ["command_execution", "agent_message"]
    assert turn["items"][0]["aggregated_output"] == "from-the-agent\n" and turn["items"][0]["exit_code"] == 0
    assert set(turn["usage"]) == {
        "input_tokens",
        "cached_input_tokens",
        "cache_write_input_tokens",
        "output_tokens",
        "reasoning_output_tokens",
    }
    assert turn["usage"]["input_tokens"] > 0 and records[-1]["id"]
    requests = [r for r in server.requests if r.method == "POST"]
    assert len(requests) == 2 and all(r.path == "/v1/responses" for r in requests)  # baseUrl was honoured
    assert requests[0].headers["authorization"] == f"Bearer {API_KEY}"  # the SDK passes it as CODEX_API_KEY
    body = requests[0].body
    assert body is not None and body["model"] == "scripted-model" and body["reasoning"]["effort"] == "low"
    assert user_texts(body)[-1] == "say hello"


def test_run_streamed_events_arrive_before_the_turn_ends(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    gate = Gate(2)  # the final answer waits until the test has read the command's item
    server = sdk_server([respond(shell("echo streamed")), respond(message("Finished."))], gate)
    script = tmp_path / "driver.mjs"
    script.write_text(DRIVER)
    plan = _plan(codex_sdk, server, [{"input": "stream it"}], streamed=True, thread={"workingDirectory": str(tmp_path)})
    proc = subprocess.Popen(
        ["node", str(script), plan], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True)
    reader.start()
    events: list[dict[str, Any]] = []
    try:
        while True:
            record = json.loads(lines.get(timeout=RUN_TIMEOUT_S))
            if "event" not in record:
                break
            events.append(record["event"])
            item = record["event"].get("item", {})
            if record["event"]["type"] == "item.completed" and item.get("type") == "command_execution":
                assert not any(e["type"] == "turn.completed" for e in events)
                gate.open()  # only now may the model's final response be sent
    finally:
        gate.open()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=RUN_TIMEOUT_S)
        if proc.poll() is None:
            proc.kill()
    assert "error" not in record, record
    assert gate.opened_in_time, "the command's item.completed did not arrive while the turn was still running"
    kinds = [e["type"] for e in events]
    assert kinds[0] == "thread.started" and kinds[1] == "turn.started" and kinds[-1] == "turn.completed"
    assert ("item.completed", "agent_message") in [(e["type"], e.get("item", {}).get("type")) for e in events]


def test_resume_thread_sends_the_earlier_turn_and_an_image_after_resume(
    codex_sdk: Path, sdk_server, tmp_path: Path
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(base64.b64decode(PNG_1X1))
    server = sdk_server([respond(message("The first answer.")), respond(message("The second answer."))])
    thread = {"workingDirectory": str(tmp_path), "skipGitRepoCheck": True}
    first = turn_of(drive(codex_sdk, server, tmp_path, [{"input": "first question"}], thread=thread))
    started = [r for r in server.requests if r.method == "POST"]
    assert first["finalResponse"] == "The first answer." and len(started) == 1
    sessions = sorted((Path(os.environ["TANDEM_HOME"]) / "sessions").rglob("*.jsonl"))
    assert len(sessions) == 1
    recorded_id = "-".join(sessions[0].stem.split("-")[-5:])
    second_input = [{"type": "text", "text": "second question"}, {"type": "local_image", "path": str(image)}]
    resumed = drive(codex_sdk, server, tmp_path, [{"input": second_input}], thread=thread, resume=recorded_id)
    assert turn_of(resumed)["finalResponse"] == "The second answer." and resumed[-1]["id"] == recorded_id
    body = server.requests[-1].body
    assert body is not None
    texts = user_texts(body)
    assert "first question" in texts and texts[-1] == "second question"
    assistant = [i for i in body["input"] if i.get("type") == "message" and i.get("role") == "assistant"]
    assert any("The first answer." in p.get("text", "") for i in assistant for p in i["content"])
    last_user = [i for i in body["input"] if i.get("type") == "message" and i.get("role") == "user"][-1]
    images = [p for p in last_user["content"] if p["type"] == "input_image"]
    assert len(images) == 1 and images[0]["image_url"] == f"data:image/png;base64,{PNG_1X1}"


def test_one_thread_object_runs_two_turns_with_history(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    server = sdk_server([respond(message("One.")), respond(message("Two."))])
    turns = [{"input": "count once"}, {"input": "count twice"}]
    records = drive(codex_sdk, server, tmp_path, turns, thread={"workingDirectory": str(tmp_path)})
    assert [r["turn"]["finalResponse"] for r in records] == ["One.", "Two."]
    assert records[0]["id"] == records[1]["id"]
    body = server.requests[-1].body
    assert body is not None
    texts = user_texts(body)
    assert "count once" in texts and texts[-1] == "count twice"


def test_output_schema_reaches_the_model_and_the_answer_is_its_json(
    codex_sdk: Path, sdk_server, tmp_path: Path
) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    server = sdk_server([respond(message('{"answer":"42"}'))])
    turn = turn_of(
        drive(
            codex_sdk,
            server,
            tmp_path,
            [{"input": "what is six times seven?", "options": {"outputSchema": schema}}],
            thread={"workingDirectory": str(tmp_path)},
        )
    )
    assert json.loads(turn["finalResponse"]) == {"answer": "42"}
    body = server.requests[-1].body
    assert body is not None
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "codex_output_schema", "strict": True, "schema": schema}
    }


def test_a_failing_model_makes_run_reject_without_hanging(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    fault = {"fault": {"kind": "http_error", "status": 400, "message": "the scripted model refuses this request"}}
    server = sdk_server([fault])
    records = drive(codex_sdk, server, tmp_path, [{"input": "anything"}], thread={"workingDirectory": str(tmp_path)})
    assert "error" in records[-1], records
    assert "the scripted model refuses this request" in records[-1]["error"]


def test_web_search_live_is_refused_clearly(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    server = sdk_server([respond(message("never sent"))])
    thread = {"workingDirectory": str(tmp_path), "webSearchMode": "live"}
    records = drive(codex_sdk, server, tmp_path, [{"input": "search the web"}], thread=thread)
    assert "Tandem has no web search tool" in records[-1]["error"]
    assert not [r for r in server.requests if r.method == "POST"]


def test_read_only_sandbox_in_a_folder_without_git(codex_sdk: Path, sdk_server, tmp_path: Path) -> None:
    from tandem.sandbox.probe import Strength, probe

    if probe().strength is not Strength.FULL:
        pytest.skip("needs bubblewrap (installed by `make test` when run as root)")
    work = tmp_path / "plain-folder"
    work.mkdir()
    server = sdk_server([respond(shell("touch made-by-agent.txt")), respond(message("Could not write."))])
    thread = {"workingDirectory": str(work), "skipGitRepoCheck": True, "sandboxMode": "read-only"}
    turn = turn_of(drive(codex_sdk, server, tmp_path, [{"input": "make a file"}], thread=thread))
    command = turn["items"][0]
    assert command["type"] == "command_execution" and command["exit_code"] != 0
    assert not (work / "made-by-agent.txt").exists() and not (work / ".git").exists()
    assert turn["finalResponse"] == "Could not write."


PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
