/** The end of a turn: how it ended (error message if failed), tokens, the turn's diff summary. */
import { summarizeDiff } from "../diff";
import { h } from "../dom";
import { formatTokens } from "../mentions";
import type { TurnEntry } from "../state";
import { type Card, counts, pathLink, type RenderContext } from "./common";
import { diffView } from "./diffView";
import { failureView } from "./turnFailure";

const STATUS: Record<string, [string, string]> = {
  completed: ["✓", "Turn completed"],
  interrupted: ["■", "Turn interrupted"],
  failed: ["✕", "Turn failed"],
  inProgress: ["…", "Turn running"],
};

export function turnCard(entry: TurnEntry, ctx: RenderContext): Card<TurnEntry> {
  const el = h("section", { class: "entry turn-end" });
  const update = (e: TurnEntry): void => {
    const [icon, label] = STATUS[e.status] ?? ["•", e.status];
    el.dataset["status"] = e.status;
    el.setAttribute("aria-label", label);
    const tokens = e.usage?.totalTokens ? `${formatTokens(e.usage.totalTokens)} tokens` : null;
    const threadId = ctx.threadId();
    const diffOpen = el.querySelector<HTMLDetailsElement>("details.turn-diff-body")?.open ?? false;
    el.replaceChildren(h("div", { class: "turn-line" },
      h("span", { class: "turn-icon", "aria-hidden": "true" }, icon),
      h("span", { class: "turn-status" }, label),
      tokens ? h("span", { class: "usage" }, `· ${tokens}`) : null,
      h("span", { class: "spacer" }),
      threadId ? h("button", {
        class: "link small", type: "button", title: "Start a new thread with the history up to this turn",
        onclick: () => ctx.post({ type: "forkThread", threadId, turnId: e.turnId }),
      }, "Fork from here") : null));
    const failure = failureView(e, ctx);
    if (failure) el.append(failure);
    const files = summarizeDiff(e.diff);
    if (files.length > 0) {
      const added = files.reduce((n, f) => n + f.added, 0);
      const removed = files.reduce((n, f) => n + f.removed, 0);
      el.append(h("div", { class: "turn-diff" },
        h("div", { class: "turn-diff-head" },
          `${files.length} file${files.length === 1 ? "" : "s"} changed `, counts(added, removed)),
        h("ul", { class: "files", role: "list" }, ...files.map((f) => h("li", { class: "file-row" },
          pathLink(ctx, f.path), counts(f.added, f.removed)))),
        h("details", { class: "turn-diff-body", open: diffOpen }, h("summary", {}, "Show diff"), diffView(e.diff, "Changes of this turn"))));
    }
  };
  update(entry);
  return { el, update };
}
