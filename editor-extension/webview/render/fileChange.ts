/**
 * A file change (one apply_patch): per file its kind, path (opens it), +/- counts, diff, "Open diff",
 * and once applied its review state from the server (Kept / Undone / "1 of 2 undone"; the turn's
 * summary has the Keep / Undo buttons). While it waits for approval the "Review N files" card is
 * its only view in the chat (styles: `.file-change` before an `.approval` is hidden).
 */
import { countDiff } from "../diff";
import { h, setText } from "../dom";
import { reviewText, type FileReview } from "../reviewState";
import type { FileChangeEntry } from "../state";
import { type Card, counts, kindBadge, pathLink, type RenderContext } from "./common";
import { diffView } from "./diffView";

/** Diffs longer than this start collapsed. */
const OPEN_DIFF_LINES = 40;

const BADGE: Record<string, string> = {
  inProgress: "Pending",
  completed: "Applied",
  failed: "Failed",
  declined: "Declined",
};

export function fileChangeCard(entry: FileChangeEntry, ctx: RenderContext): Card<FileChangeEntry> {
  const title = h("span", { class: "title" });
  const badge = h("span", { class: "badge" });
  const list = h("ul", { class: "files", role: "list" });
  const el = h("section", { class: "entry card file-change", "aria-label": "File changes" },
    h("header", { class: "card-head" },
      h("span", { class: "card-icon", "aria-hidden": "true" }, "✎"), title, h("span", { class: "spacer" }), badge),
    list);
  let shownChanges: FileChangeEntry["changes"] | null = null;
  const states = new Map<string, HTMLElement>();
  const details: HTMLDetailsElement[] = [];
  const touched = new WeakSet<HTMLDetailsElement>();

  const renderFiles = (e: FileChangeEntry): void => {
    list.replaceChildren();
    details.length = 0;
    states.clear();
    for (const change of e.changes) {
      const path = change.movePath ?? change.path;
      const diff = change.diff ?? "";
      const { added, removed } = countDiff(diff);
      const row = h("div", { class: "file-row" },
        kindBadge(change.kind),
        pathLink(ctx, path),
        change.movePath ? h("span", { class: "moved-from" }, `from ${change.path}`) : null,
        counts(added, removed),
        h("span", { class: "spacer" }),
        (() => {
          const state = h("span", { class: "review-state", role: "status" });
          states.set(path, state);
          return state;
        })(),
        h("button", {
          class: "secondary small", type: "button", "aria-label": `Open diff of ${path}`,
          onclick: () => ctx.post({ type: "openDiff", itemId: e.id, path }),
        }, "Open diff"));
      const li = h("li", { class: "file" }, row);
      if (diff) {
        const d = h("details", { class: "file-diff" }, h("summary", {}, "Diff"), diffView(diff, `Diff of ${path}`));
        d.querySelector("summary")?.addEventListener("click", () => touched.add(d));
        d.dataset["lines"] = String(diff.split("\n").length);
        details.push(d);
        li.append(d);
      }
      list.append(li);
    }
  };

  const update = (e: FileChangeEntry): void => {
    if (e.changes !== shownChanges) {
      renderFiles(e);
      shownChanges = e.changes;
    }
    const n = e.changes.length;
    setText(title, `${e.status === "completed" ? "Edited" : e.status === "inProgress" ? "Editing" : "Proposed edit to"} ${n} file${n === 1 ? "" : "s"}`);
    setText(badge, reviewBadge(e.review) ?? BADGE[e.status] ?? e.status);
    el.dataset["status"] = e.status;
    el.dataset["review"] = overall(e.review) ?? "";
    for (const [path, state] of states) {
      const file = e.review?.find((f) => f.path === path);
      setText(state, file ? reviewText(file) : "");
      state.dataset["state"] = file?.state ?? "";
    }
    // While the approval card shows the same diff, keep these collapsed; open small ones afterwards.
    for (const d of details) {
      if (!touched.has(d)) d.open = e.status !== "inProgress" && Number(d.dataset["lines"]) <= OPEN_DIFF_LINES;
    }
  };
  update(entry);
  return { el, update };
}

/** The change's review taken together: undefined while there is none (or it is all pending). */
function overall(review: readonly FileReview[] | undefined): FileReview["state"] | undefined {
  if (!review || review.length === 0) return undefined;
  const states = new Set(review.map((f) => f.state));
  if (states.size === 1) return [...states][0];
  return "partial";
}

/** The head badge once the review says more than "Applied". */
function reviewBadge(review: readonly FileReview[] | undefined): string | undefined {
  const state = overall(review);
  if (state === "kept") return "Kept";
  if (state === "undone") return "Undone";
  if (state === "partial") return review?.some((f) => f.undone > 0) ? "Partly undone" : undefined;
  return undefined;
}
