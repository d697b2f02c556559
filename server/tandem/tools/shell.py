"""``shell_command``: run a shell command in the workspace.

Format: Codex's ``shell_command {command, workdir?, timeout_ms?, sandbox_permissions?,
justification?}`` (docs/reference-facts.md §2) — current models are trained on this name and these
parameters. Output text: ``Exit code: N\\nWall time: X seconds\\nOutput:\\n...`` with head+tail
truncation. A command that is really an ``apply_patch`` heredoc is intercepted and applied as a
patch (models do call it through the shell). The child environment is scrubbed of secrets.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tandem.errors import SandboxError, ToolError, TurnCancelledError
from tandem.patch.invocation import extract_shell_patch
from tandem.protocol import JsonDict
from tandem.protocol.enums import ItemStatus, SandboxMode
from tandem.protocol.items import CommandExecutionItem
from tandem.sandbox.command_rules import normalize
from tandem.sandbox.env import build_child_env
from tandem.sandbox.runner import prepare
from tandem.tools.apply_patch import apply_patch_call
from tandem.tools.approvals import SandboxPermissions
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput, function_spec, path_argument
from tandem.tools.orchestrator import Attempt, CommandRequest, Orchestrator
from tandem.tools.process import ProcessResult, format_exec_output, run_process, shell_argv

_DESCRIPTION = (
    "Runs a shell command (bash -c) and returns its exit code and combined stdout/stderr.\n"
    "Set `workdir` rather than using `cd`. Long output is cut in the middle; prefer focused commands "
    "(rg, sed -n 'A,Bp', head) over dumping large files. The default timeout is {timeout} ms; pass "
    "`timeout_ms` for longer tasks such as test suites. Use apply_patch, not the shell, to edit files."
)


class ShellCommandTool:
    """Runs commands after the approval policy allows them; see the module docstring."""

    name = "shell_command"
    concurrency = Concurrency.PARALLEL
    effect = Effect.MUTATING

    def __init__(self, default_timeout_ms: int = 10_000) -> None:
        self._default_timeout_ms = default_timeout_ms

    def spec(self) -> JsonDict:
        """Function tool definition (Responses API)."""
        return function_spec(
            self.name,
            _DESCRIPTION.format(timeout=self._default_timeout_ms),
            {
                "command": {"type": "string", "description": "The shell command line to run."},
                "workdir": {"type": "string", "description": "Working directory (default: the cwd)."},
                "timeout_ms": {"type": "number", "description": "Timeout in milliseconds."},
                "sandbox_permissions": {
                    "type": "string",
                    "enum": ["use_default", "require_escalated"],
                    "description": "require_escalated asks the user to run this outside the sandbox.",
                },
                "justification": {
                    "type": "string",
                    "description": "With require_escalated: a one-line question for the user, "
                    "e.g. 'Allow installing the test dependencies from PyPI?'",
                },
                "prefix_rule": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": 'Optional: a command prefix (e.g. ["npm", "test"]) the user may allow '
                    "from now on, so similar commands are not asked again.",
                },
            },
            ["command"],
        )

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Run the command (or the intercepted patch).

        Raises:
            ToolError: missing ``command``, bad ``workdir`` or timeout, or a spawn failure.
            TurnCancelledError: the user chose "cancel" at the approval prompt.
        """
        args = call.arguments()
        command = args.get("command")
        if isinstance(command, list):  # Codex's older `shell` tool sent argv; accept it
            command = " ".join(str(part) for part in command)
        if not isinstance(command, str) or not command.strip():
            raise ToolError("shell_command: 'command' must be a non-empty string")
        workdir = _resolve_workdir(args.get("workdir"), host.cwd)
        intercepted = extract_shell_patch(command)
        if intercepted is not None:
            patch_cwd = _resolve_workdir(intercepted.workdir, workdir) if intercepted.workdir else workdir
            return await apply_patch_call(intercepted.patch, patch_cwd, host)
        timeout_ms = _timeout(args.get("timeout_ms"), self._default_timeout_ms)
        justification = args.get("justification")
        item = CommandExecutionItem(id=host.new_item_id(), command=command, cwd=str(workdir))
        request = CommandRequest(
            item_id=item.id,
            command=command,
            cwd=workdir,
            permissions=SandboxPermissions.parse(args.get("sandbox_permissions")),
            justification=justification if isinstance(justification, str) else None,
            prefix_rule=_prefix_rule(args.get("prefix_rule"), command),
        )
        host.item_started(item)
        orchestrator = Orchestrator(host)
        try:
            verdict = await orchestrator.approve_command(request)
        except TurnCancelledError:
            item.status = ItemStatus.DECLINED
            host.item_completed(item)
            raise
        if verdict.refusal is not None:
            item.status, item.output = ItemStatus.DECLINED, verdict.refusal
            host.item_completed(item)
            return ToolOutput(verdict.refusal, success=False)

        async def attempt(mode: SandboxMode | None) -> Attempt:
            return await _execute(command, workdir, timeout_ms, host, item, mode)

        run = await orchestrator.run_command(request, verdict, attempt)
        _complete(item, run.result)
        host.item_completed(item)
        text = format_exec_output(run.result, max_tokens=host.config.tool_output_token_limit)
        return ToolOutput(text + (f"\n{run.note}" if run.note else ""), success=run.result.exit_code == 0)


async def _execute(
    command: str, workdir: Path, timeout_ms: int, host: ToolHost, item: CommandExecutionItem, mode: SandboxMode | None
) -> Attempt:
    """Run once under the thread's policy (``mode`` overrides it): the result and whether it was sandboxed.

    Raises:
        ToolError: the sandbox could not be set up or the process could not start.
    """
    policy = host.sandbox_policy(mode)
    env = build_child_env(os.environ, sandbox_mode=policy.mode.value, extra_deny_patterns=policy.env_exclude)
    try:
        launch = prepare(shell_argv(command), policy, workdir, env)
    except SandboxError as exc:
        raise ToolError(exc.message) from exc
    try:
        result = await run_process(
            launch.argv,
            cwd=workdir,
            env=launch.env,
            timeout_s=timeout_ms / 1000,
            pass_fds=launch.pass_fds,
            on_output=lambda delta: host.command_output(item.id, delta),
        )
    except asyncio.CancelledError:
        item.status = ItemStatus.FAILED
        item.output = "interrupted"
        host.item_completed(item)
        raise
    except ToolError as exc:
        item.status, item.output = ItemStatus.FAILED, exc.message
        host.item_completed(item)
        raise
    finally:
        launch.close()
    return Attempt(result, launch.sandboxed)


def _complete(item: CommandExecutionItem, result: ProcessResult) -> None:
    item.exit_code = 124 if result.timed_out else result.exit_code
    item.status = ItemStatus.COMPLETED if item.exit_code == 0 else ItemStatus.FAILED
    item.output = result.output
    item.duration_ms = round(result.duration_s * 1000)


def _prefix_rule(raw: object, command: str) -> tuple[str, ...] | None:
    """The model's proposed prefix rule, kept only when it is a prefix of every segment of ``command``."""
    if not isinstance(raw, list) or not raw or not all(isinstance(word, str) and word for word in raw):
        return None
    prefix = tuple(raw)
    segments = normalize(command)
    if not segments or not all(segment[: len(prefix)] == prefix for segment in segments):
        return None
    return prefix


def _resolve_workdir(raw: object, cwd: Path) -> Path:
    if raw is None or raw == "":
        return cwd
    if not isinstance(raw, str):
        raise ToolError("shell_command: 'workdir' must be a string path")
    path = path_argument(raw, cwd, "shell_command: 'workdir'").resolve()
    if not path.is_dir():
        raise ToolError(f"shell_command: workdir {raw!r} is not a directory")
    return path


def _timeout(raw: object, default_ms: int) -> int:
    if raw is None:
        return default_ms
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise ToolError("shell_command: 'timeout_ms' must be a positive number of milliseconds")
    return int(raw)
