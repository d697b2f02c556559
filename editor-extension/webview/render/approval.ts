/**
 * An approval prompt inline in the transcript. A command (or network) request shows the command
 * and Accept / Accept for session / [Always allow] / Decline / Cancel turn.
 *
 * A file change is a compact "Review N files" card — the diff itself is in the editor's diff tabs
 * (src/proposals.ts), the one other view of the proposal: per file its kind, path (opens that
 * file's diff), +/- counts and a checkbox per hunk (checked: applied). A checkbox is the host's
 * hunk decision (src/review.ts, shared with the diff's lenses): unchecking posts `decideHunk`
 * "rejected", checking it "pending", and `hunkDecisions` from the host sets them (a hunk accepted
 * in the diff shows a ✓). Accept is answered by the host with exactly the hunks the diff shows.
 * The card stays (disabled) until `approvalResolved` removes it.
 */
import type { ApprovalDecision } from "../../src/shared/protocolTypes";
import type { ApprovalMessage } from "../../src/shared/webviewMessages";
import { countDiff } from "../diff";
import { h, setText, uid } from "../dom";
import type { ApprovalEntry } from "../state";
import { type Card, counts, kindBadge, relativeDir, type RenderContext } from "./common";

const TITLES: Record<ApprovalMessage["kind"], string> = {
  command: "Run this command?",
  fileChange: "Review changes",
  network: "Allow network access?",
  mcpToolCall: "Run this MCP tool?",
};

/** The buttons of an MCP tool approval, in Codex's words, for the decisions the server offers. */
const MCP_LABELS: Partial<Record<ApprovalDecision, [string, string]>> = {
  accept: ["Allow", "primary"],
  acceptForSession: ["Allow for this session", "secondary"],
  acceptAlways: ["Always allow", "secondary"],
  decline: ["Decline", "secondary"],
  cancel: ["Cancel turn", "secondary danger"],
};

interface DecisionButton { decision: ApprovalDecision; label: string; cls: string; needsHunks: boolean; title?: string }

function decisions(r: ApprovalMessage): DecisionButton[] {
  if (r.mcp) {
    return (r.mcp.decisions ?? ["accept", "decline", "cancel"]).flatMap((decision) => {
      const label = MCP_LABELS[decision];
      return label ? [{ decision, label: label[0], cls: label[1], needsHunks: false,
        title: decision === "acceptAlways" ? "Writes approval_mode = \"approve\" for this tool in config.toml" : undefined }] : [];
    });
  }
  const files = r.kind === "fileChange";
  const list: DecisionButton[] = [
    { decision: "accept", label: "Accept", cls: "primary", needsHunks: true, title: files ? "Apply the hunks the diff shows" : undefined },
    { decision: "acceptForSession", label: "Accept for session", cls: "secondary", needsHunks: true },
  ];
  const prefix = r.prefixRule?.join(" ");
  if (prefix) {
    list.push({
      decision: "acceptWithPrefixRule", label: `Always allow “${prefix} …”`, cls: "secondary", needsHunks: true,
      title: `Remember: commands starting with “${prefix}” run without asking`,
    });
  }
  list.push(
    { decision: "decline", label: files ? "Reject" : "Decline", cls: "secondary", needsHunks: false, title: files ? "Apply none of it" : undefined },
    { decision: "cancel", label: "Cancel turn", cls: "secondary danger", needsHunks: false },
  );
  return list;
}

const ANSWERED: Record<ApprovalDecision, string> = {
  accept: "Accepted",
  acceptForSession: "Accepted for this session",
  acceptWithPrefixRule: "Accepted, and remembered",
  acceptAlways: "Always allowed",
  decline: "Declined",
  cancel: "Cancelling the turn",
};

/** The title of a file-change review: "Review 2 files". */
export function reviewTitle(r: ApprovalMessage): string {
  if (r.kind !== "fileChange") return TITLES[r.kind] ?? "Approval needed";
  const n = r.changes?.length ?? 0;
  return n > 0 ? `Review ${n} file${n === 1 ? "" : "s"}` : TITLES.fileChange;
}

export function approvalCard(entry: ApprovalEntry, ctx: RenderContext): Card<ApprovalEntry> {
  const r = entry.request;
  const titleId = uid("approval-title");
  const el = h("section", { class: `entry card approval approval-${r.kind}`, role: "group", "aria-labelledby": titleId });
  el.append(h("header", { class: "card-head" },
    h("span", { class: "card-icon", "aria-hidden": "true" }, r.kind === "fileChange" ? "✎" : "?"),
    h("span", { class: "title", id: titleId }, reviewTitle(r))));
  if (r.reason) el.append(h("p", { class: "reason" }, r.reason));
  if (r.mcp) {
    el.append(h("div", { class: "mcp-target" }, h("code", {}, `${r.mcp.server} › ${r.mcp.tool}`), r.mcp.title ? ` — ${r.mcp.title}` : ""));
    el.append(h("pre", { class: "mcp-arguments", tabindex: 0, "aria-label": "Arguments" }, JSON.stringify(r.mcp.arguments ?? {}, null, 2)));
  }
  if (r.command) {
    el.append(h("pre", { class: "approval-command" }, h("span", { class: "prompt", "aria-hidden": "true" }, "$ "), r.command));
  }
  const dir = r.cwd && r.kind !== "fileChange" ? relativeDir(r.cwd, ctx.cwd()) : null;
  if (dir) el.append(h("div", { class: "cwd", title: r.cwd ?? "" }, `in ${dir}`));

  const boxes: HTMLInputElement[] = [];
  const marks = new Map<string, HTMLElement>();
  const list = h("ul", { class: "review-files", role: "list" });
  for (const change of r.changes ?? []) {
    const path = change.movePath ?? change.path;
    const { added, removed } = countDiff(change.diff ?? "");
    const hunks = h("span", { class: "review-hunks", role: "group", "aria-label": `Hunks of ${path}` });
    change.hunks.forEach((hunk, i) => {
      const box = h("input", {
        type: "checkbox", checked: entry.decisions?.[hunk.id] !== "rejected", "data-hunk-id": hunk.id,
        "aria-label": `Apply hunk ${i + 1} of ${change.hunks.length} of ${path}`,
      });
      box.addEventListener("change", () => {
        ctx.post({ type: "decideHunk", requestId: r.requestId, hunkId: hunk.id, decision: box.checked ? "pending" : "rejected" });
        refresh();
      });
      boxes.push(box);
      const mark = h("span", { class: "hunk-mark", "aria-hidden": "true" });
      marks.set(hunk.id, mark);
      hunks.append(h("label", { class: "hunk-toggle", title: `Hunk ${i + 1} ${hunk.header}` }, box, h("span", {}, String(i + 1)), mark));
    });
    list.append(h("li", { class: "review-file" },
      kindBadge(change.kind),
      h("button", {
        class: "link path", type: "button", title: `Show the proposed change to ${path}`,
        "aria-label": `Show the proposed change to ${path}`,
        onclick: () => ctx.post({ type: "openDiff", itemId: r.itemId, path }),
      }, path),
      counts(added, removed),
      change.hunks.length > 0 ? hunks : null));
  }
  if (r.kind === "fileChange") el.append(list);

  const hint = h("p", { class: "hint", role: "status" });
  const choices = decisions(r);
  const buttons = choices.map((d) => h("button", {
    class: d.cls, type: "button", "data-decision": d.decision, title: d.title,
    onclick: () => answer(d.decision),
  }, d.label));
  const review = r.kind === "fileChange"
    ? h("button", {
        class: "secondary", type: "button", title: "Show the proposal in the diff editor",
        onclick: () => ctx.post({ type: "openDiff", itemId: r.itemId }),
      }, "Open diff")
    : null;
  el.append(hint, h("div", { class: "actions", role: "group", "aria-label": "Decision" }, ...buttons.slice(0, 1), review, ...buttons.slice(1)));

  let answered = false;

  function refresh(): void {
    const checked = boxes.filter((b) => b.checked).length;
    const none = boxes.length > 0 && checked === 0;
    choices.forEach((d, i) => {
      const b = buttons[i] as HTMLButtonElement;
      b.disabled = answered || (d.needsHunks && none);
    });
    for (const b of boxes) b.disabled = answered;
    if (answered) return;
    if (none) setText(hint, "No hunk selected: reject instead, or select a hunk.");
    else if (checked < boxes.length) setText(hint, `${checked} of ${boxes.length} hunks selected.`);
    else setText(hint, "");
  }

  function answer(decision: ApprovalDecision): void {
    if (answered) return;
    ctx.post({ type: "approve", requestId: r.requestId, decision });
    answered = true;
    el.classList.add("answered");
    refresh();
    setText(hint, `${ANSWERED[decision]}…`);
  }

  /** The host's decisions (the diff's lenses and these checkboxes are one state). */
  function show(next: ApprovalEntry): void {
    for (const box of boxes) box.checked = next.decisions?.[box.dataset["hunkId"] ?? ""] !== "rejected";
    for (const [id, mark] of marks) {
      const accepted = next.decisions?.[id] === "accepted";
      setText(mark, accepted ? "✓" : "");
      mark.title = accepted ? "Accepted in the diff" : "";
    }
    refresh();
  }

  show(entry);
  return { el, update: show };
}
