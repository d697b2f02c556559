/**
 * The row under the composer: the provider, the model picker, the reasoning-effort picker (only
 * for a model that takes an effort) and the approval mode (Codex's read-only / auto / full access),
 * each applied to the next turn (the host sends them with `tandem/turn/start`; no server restart);
 * then the token meter — how full the current thread's context is, amber / red near the limit
 * with a Compact button there, the cumulative usage in its tooltip (webview/tokenMeter.ts).
 */
import { APPROVAL_MODES, type TurnOptionKind, type TurnOptionsView } from "../../src/shared/turnOptions";
import type { WebviewToHost } from "../../src/shared/webviewMessages";
import { h, setText } from "../dom";
import type { ViewState } from "../state";
import { tokenMeter } from "../tokenMeter";

const EFFORT_LABELS: Record<string, string> = {
  none: "No reasoning", minimal: "Minimal", low: "Low", medium: "Medium", high: "High", xhigh: "Extra high",
};

/** "Low effort" etc.: the effort picker's option text. */
export function effortLabel(effort: string): string {
  const label = EFFORT_LABELS[effort] ?? effort;
  return effort === "none" ? label : `${label} effort`;
}

function option(value: string, label: string, selected: boolean, title?: string): HTMLOptionElement {
  const el = h("option", { value, title }, label);
  el.selected = selected;
  return el;
}

export class ComposerBar {
  readonly el: HTMLElement;
  private readonly provider: HTMLElement;
  private readonly model: HTMLSelectElement;
  private readonly effort: HTMLSelectElement;
  private readonly approval: HTMLSelectElement;
  private readonly pickers: HTMLElement;
  private readonly meter: HTMLElement;
  private readonly meterFill: HTMLElement;
  private readonly meterText: HTMLElement;
  private readonly compact: HTMLButtonElement;
  private shown: TurnOptionsView | null | undefined = undefined;

  constructor(private readonly post: (m: WebviewToHost) => void) {
    const picker = (kind: TurnOptionKind, label: string, title: string): HTMLSelectElement => {
      const el = h("select", { class: `pick pick-${kind}`, "aria-label": label, title });
      el.addEventListener("change", () => this.post({ type: "setTurnOption", option: kind, value: el.value }));
      return el;
    };
    this.provider = h("span", { class: "provider" });
    this.model = picker("model", "Model", "Model for the next turn");
    this.effort = picker("effort", "Reasoning effort", "How hard the model thinks (next turn)");
    this.approval = picker("approvalMode", "Approval mode", "What the agent may do without asking (next turn)");
    this.pickers = h("div", { class: "pickers" }, this.provider, this.model, this.effort, this.approval);
    this.meterFill = h("span", { class: "meter-fill" });
    this.meterText = h("span", { class: "meter-text" });
    this.compact = h("button", {
      class: "link small compact", type: "button", title: "Summarise the conversation so far to free the context (/compact)",
      onclick: () => this.post({ type: "slash", command: "compact" }),
    }, "Compact");
    this.meter = h("span", { class: "meter", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100" },
      h("span", { class: "meter-bar", "aria-hidden": "true" }, this.meterFill), this.meterText);
    this.el = h("div", { class: "composer-bar" }, this.pickers, h("span", { class: "meter-group" }, this.compact, this.meter));
  }

  render(state: ViewState): void {
    if (state.turnOptions !== this.shown) {
      this.renderPickers(state.turnOptions);
      this.shown = state.turnOptions;
    }
    this.renderMeter(state);
  }

  private renderPickers(view: TurnOptionsView | null): void {
    this.pickers.hidden = view === null;
    if (!view) return;
    const provider = view.providerName || view.provider || "";
    setText(this.provider, provider);
    this.provider.title = provider ? `Provider: ${provider}${view.provider && view.provider !== provider ? ` (${view.provider})` : ""}` : "";
    this.provider.hidden = provider === "";

    const models = view.models.map((m) => option(m.id, m.displayName || m.id, m.id === view.model, m.id));
    if (view.model && !view.models.some((m) => m.id === view.model)) models.unshift(option(view.model, view.model, true));
    this.model.replaceChildren(...models);
    this.model.hidden = models.length === 0;

    this.effort.replaceChildren(...view.efforts.map((e) => option(e, effortLabel(e), e === view.effort)));
    this.effort.hidden = view.efforts.length === 0;

    const modes = APPROVAL_MODES.map((m) => option(m.id, m.label, m.id === view.approvalMode, m.description));
    if (view.approvalMode === null) {
      const custom = option("", `Custom (${view.customApproval ?? "settings"})`, true, "The thread's own approval policy and sandbox");
      custom.disabled = true;
      modes.unshift(custom);
    }
    this.approval.replaceChildren(...modes);
    const mode = APPROVAL_MODES.find((m) => m.id === view.approvalMode);
    this.approval.title = mode ? `${mode.label}: ${mode.description}` : "What the agent may do without asking (next turn)";
    this.approval.dataset["mode"] = view.approvalMode ?? "custom";
  }

  private renderMeter(state: ViewState): void {
    const m = tokenMeter(state.status);
    this.meter.hidden = m.hidden;
    this.compact.hidden = !m.offerCompact || state.activeThreadId === null;
    if (m.hidden) return;
    this.meter.dataset["level"] = m.level;
    this.meter.title = m.tooltip;
    this.meter.setAttribute("aria-label", m.label);
    if (m.fraction !== null) this.meter.setAttribute("aria-valuenow", String(Math.round(m.fraction * 100)));
    else this.meter.removeAttribute("aria-valuenow");
    this.meterFill.style.width = `${Math.round((m.fraction ?? 0) * 100)}%`;
    setText(this.meterText, m.text);
  }
}
