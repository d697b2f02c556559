/**
 * The end of a turn: how it ended (error message if failed), tokens, Restore checkpoint / Fork,
 * and the turn's "N files changed" summary.
 *
 * The summary lists the files of the turn's diff with their +/- counts; a file the agent's patches
 * changed also shows its review state (the server's, `tandem/change/updated`) and, while any of
 * its hunks is pending, Keep / Undo — with Keep All / Undo All for the whole turn
 * (`reviewFiles` → `tandem/change/acceptFiles|rejectFiles`). "Restore checkpoint" undoes the turn's
 * changes from its checkpoint (`restoreCheckpoint` → `tandem/undo {threadId, turnId}`); an undone
 * turn is marked "Undone" (the server's `tandem/turn/undone`) and, while it is the newest undo,
 * offers Redo.
 */
import { summarizeDiff } from "../diff";
import { h } from "../dom";
import { formatTokens } from "../mentions";
import { reviewText, type FileReview, type TurnReview } from "../reviewState";
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

interface Row { path: string; added: number; removed: number; review: FileReview | undefined }

/** The summary's rows: the diff's files, then files only the review knows (in its order). */
function rows(diff: string, review: TurnReview | undefined): Row[] {
  const out: Row[] = summarizeDiff(diff).map((f) => ({
    path: f.path, added: f.added, removed: f.removed, review: review?.files.find((r) => r.path === f.path),
  }));
  for (const file of review?.files ?? []) {
    if (!out.some((r) => r.path === file.path)) out.push({ path: file.path, added: 0, removed: 0, review: file });
  }
  return out;
}

export function turnCard(entry: TurnEntry, ctx: RenderContext): Card<TurnEntry> {
  const el = h("section", { class: "entry turn-end" });
  const update = (e: TurnEntry): void => {
    const [icon, label] = STATUS[e.status] ?? ["•", e.status];
    const undone = e.review?.undone ?? false;
    el.dataset["status"] = e.status;
    el.dataset["undone"] = String(undone);
    el.setAttribute("aria-label", label);
    const tokens = e.usage?.totalTokens ? `${formatTokens(e.usage.totalTokens)} tokens` : null;
    const threadId = ctx.threadId();
    const diffOpen = el.querySelector<HTMLDetailsElement>("details.turn-diff-body")?.open ?? false;
    const files = rows(e.diff, e.review);
    const post = (action: "keep" | "undo", paths?: string[]) => threadId
      && ctx.post({ type: "reviewFiles", threadId, turnId: e.turnId, action, ...(paths ? { paths } : {}) });
    el.replaceChildren(h("div", { class: "turn-line" },
      h("span", { class: "turn-icon", "aria-hidden": "true" }, icon),
      h("span", { class: "turn-status" }, label),
      tokens ? h("span", { class: "usage" }, `· ${tokens}`) : null,
      undone ? h("span", { class: "badge undone-badge", role: "status" }, "Undone") : null,
      h("span", { class: "spacer" }),
      threadId && undone && e.review?.redoable ? h("button", {
        class: "link small", type: "button", title: "Bring back what restoring the checkpoint undid",
        onclick: () => ctx.post({ type: "redoCheckpoint", threadId }),
      }, "Redo") : null,
      threadId && !undone && files.length > 0 ? h("button", {
        class: "link small", type: "button", title: "Undo the file changes of this turn (your later edits are kept)",
        onclick: () => ctx.post({ type: "restoreCheckpoint", threadId, turnId: e.turnId }),
      }, "Restore checkpoint") : null,
      threadId ? h("button", {
        class: "link small", type: "button", title: "Start a new thread with the history up to this turn",
        onclick: () => ctx.post({ type: "forkThread", threadId, turnId: e.turnId }),
      }, "Fork from here") : null));
    const failure = failureView(e, ctx);
    if (failure) el.append(failure);
    if (files.length === 0) return;
    const added = files.reduce((n, f) => n + f.added, 0);
    const removed = files.reduce((n, f) => n + f.removed, 0);
    const open = !undone && files.some((f) => (f.review?.pending ?? 0) > 0);
    const undoneFiles = files.filter((f) => f.review?.state === "undone").length;
    const head = h("div", { class: "turn-diff-head" },
      h("span", { class: "turn-diff-title" }, `${files.length} file${files.length === 1 ? "" : "s"} changed `),
      counts(added, removed),
      undoneFiles > 0 && !undone ? h("span", { class: "turn-diff-note" }, ` · ${undoneFiles} undone`) : null,
      h("span", { class: "spacer" }),
      open ? h("span", { class: "turn-diff-actions", role: "group", "aria-label": "Review all files of this turn" },
        h("button", { class: "secondary small", type: "button", "aria-label": "Keep all changes of this turn", onclick: () => post("keep") }, "Keep All"),
        h("button", { class: "secondary small", type: "button", "aria-label": "Undo all changes of this turn", onclick: () => post("undo") }, "Undo All"))
        : null);
    el.append(h("div", { class: "turn-diff", "data-undone": String(undone) },
      head,
      h("ul", { class: "files", role: "list" }, ...files.map((f) => {
        const state = undone ? "undone" : f.review?.state ?? "";
        const pending = !undone && (f.review?.pending ?? 0) > 0;
        return h("li", { class: "file-row", "data-state": state },
          pathLink(ctx, f.path),
          counts(f.added, f.removed),
          h("span", { class: "spacer" }),
          state && state !== "pending" ? h("span", { class: "review-state", "data-state": state }, undone ? "Undone" : f.review ? reviewText(f.review) : "") : null,
          pending ? h("span", { class: "file-actions", role: "group", "aria-label": `Review ${f.path}` },
            h("button", { class: "secondary small", type: "button", "aria-label": `Keep ${f.path}`, title: "Keep the change (mark it reviewed)", onclick: () => post("keep", [f.path]) }, "Keep"),
            h("button", { class: "secondary small", type: "button", "aria-label": `Undo ${f.path}`, title: "Undo the change to this file", onclick: () => post("undo", [f.path]) }, "Undo"))
            : null);
      })),
      e.diff ? h("details", { class: "turn-diff-body", open: diffOpen }, h("summary", {}, "Show diff"), diffView(e.diff, "Changes of this turn")) : null));
  };
  update(entry);
  return { el, update };
}
