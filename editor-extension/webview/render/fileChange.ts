/** A file change (one apply_patch): per file its kind, path (opens it), +/- counts, diff, "Open diff". */
import { countDiff } from "../diff";
import { h, setText } from "../dom";
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
  const details: HTMLDetailsElement[] = [];
  const touched = new WeakSet<HTMLDetailsElement>();

  const renderFiles = (e: FileChangeEntry): void => {
    list.replaceChildren();
    details.length = 0;
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
    setText(badge, BADGE[e.status] ?? e.status);
    el.dataset["status"] = e.status;
    // While the approval card shows the same diff, keep these collapsed; open small ones afterwards.
    for (const d of details) {
      if (!touched.has(d)) d.open = e.status !== "inProgress" && Number(d.dataset["lines"]) <= OPEN_DIFF_LINES;
    }
  };
  update(entry);
  return { el, update };
}
