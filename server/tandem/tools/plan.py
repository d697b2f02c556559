"""``update_plan``: the model keeps a visible checklist of its work.

Format: Codex's ``update_plan {explanation?, plan: [{step, status: pending|in_progress|completed}]}``
(docs/reference-facts.md §2); at most one step may be ``in_progress``.
"""

from __future__ import annotations

from tandem.errors import ToolError
from tandem.protocol import JsonDict
from tandem.protocol.enums import PlanStepStatus
from tandem.protocol.items import PlanStep
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput, function_spec

_DESCRIPTION = (
    "Record or revise your plan for the current task as a short checklist the user can follow.\n"
    "Send the whole list every time, each step with a status (pending, in_progress, completed); "
    "keep at most one step in_progress. Skip it for simple one-step tasks."
)


class UpdatePlanTool:
    """Validates the plan and hands it to the host, which shows it as the turn's plan item."""

    name = "update_plan"
    concurrency = Concurrency.SERIAL
    effect = Effect.READ_ONLY

    def spec(self) -> JsonDict:
        """Function tool definition (Responses API)."""
        return function_spec(
            self.name,
            _DESCRIPTION,
            {
                "explanation": {"type": "string"},
                "plan": {
                    "type": "array",
                    "description": "The steps, in order",
                    "items": {
                        "type": "object",
                        "properties": {
                            "step": {"type": "string"},
                            "status": {"type": "string", "enum": [s.value for s in PlanStepStatus]},
                        },
                        "required": ["step", "status"],
                        "additionalProperties": False,
                    },
                },
            },
            ["plan"],
        )

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Publish the plan.

        Raises:
            ToolError: ``plan`` missing or malformed, an unknown status, or two steps in progress.
        """
        args = call.arguments()
        raw_steps = args.get("plan")
        if not isinstance(raw_steps, list):
            raise ToolError("update_plan: 'plan' must be a list of {step, status} objects")
        steps: list[PlanStep] = []
        for index, raw in enumerate(raw_steps):
            if not isinstance(raw, dict) or not isinstance(raw.get("step"), str):
                raise ToolError(f"update_plan: plan[{index}] must be an object with a 'step' string")
            try:
                status = PlanStepStatus(str(raw.get("status")))
            except ValueError:
                raise ToolError(
                    f"update_plan: plan[{index}].status must be one of pending, in_progress, completed"
                ) from None
            steps.append(PlanStep(step=raw["step"], status=status))
        if sum(step.status is PlanStepStatus.IN_PROGRESS for step in steps) > 1:
            raise ToolError("update_plan: at most one step can be in_progress at a time")
        explanation = args.get("explanation")
        host.plan_updated(steps, explanation if isinstance(explanation, str) and explanation else None)
        return ToolOutput("Plan updated")
