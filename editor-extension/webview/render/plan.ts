/** The agent's plan as a checklist (one per turn, updated in place). */
import { h, setText } from "../dom";
import type { PlanEntry } from "../state";
import type { Card } from "./common";

const STEP_WORD = { pending: "pending", in_progress: "in progress", completed: "done" } as const;

export function planCard(entry: PlanEntry): Card<PlanEntry> {
  const progress = h("span", { class: "progress" });
  const explanation = h("p", { class: "explanation" });
  const steps = h("ol", { class: "steps" });
  const el = h("section", { class: "entry card plan", "aria-label": "Plan" },
    h("header", { class: "card-head" },
      h("span", { class: "card-icon", "aria-hidden": "true" }, "☰"), h("span", { class: "title" }, "Plan"),
      h("span", { class: "spacer" }), progress),
    explanation,
    steps);
  const update = (e: PlanEntry): void => {
    const done = e.steps.filter((s) => s.status === "completed").length;
    setText(progress, `${done} of ${e.steps.length} done`);
    setText(explanation, e.explanation ?? "");
    explanation.hidden = !e.explanation;
    steps.replaceChildren(...e.steps.map((s) => h("li", { class: `step step-${s.status}` },
      h("span", { class: "box", "aria-hidden": "true" }, s.status === "completed" ? "✓" : s.status === "in_progress" ? "•" : ""),
      h("span", { class: "step-text" }, s.step),
      h("span", { class: "sr-only" }, ` (${STEP_WORD[s.status] ?? s.status})`))));
  };
  update(entry);
  return { el, update };
}
