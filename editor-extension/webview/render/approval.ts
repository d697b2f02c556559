/**
 * An approval prompt inline in the transcript: the command, or each file's hunks with checkboxes
 * (all checked), and Accept / Accept for session / Decline / Cancel turn. A checkbox is the
 * host's hunk decision (src/review.ts, shared with the proposal diff's lenses): unchecking posts
 * `decideHunk` "rejected", checking it "pending", and `hunkDecisions` from the host sets them; an
 * accept is answered by the host with the hunks not rejected. The card stays (disabled) until
 * `approvalResolved` removes it.
 */
import type { ApprovalDecision } from "../../src/shared/protocolTypes";
import type { ApprovalMessage } from "../../src/shared/webviewMessages";
import { h, setText, uid } from "../dom";
import type { ApprovalEntry } from "../state";
import { type Card, kindBadge, pathLink, relativeDir, type RenderContext } from "./common";
import { diffView } from "./diffView";

const TITLES: Record<ApprovalMessage["kind"], string> = {
  command: "Run this command?",
  fileChange: "Apply these changes?",
  network: "Allow network access?",
};

interface DecisionButton { decision: ApprovalDecision; label: string; cls: string; needsHunks: boolean; title?: string }

function decisions(r: ApprovalMessage): DecisionButton[] {
  const list: DecisionButton[] = [
    { decision: "accept", label: "Accept", cls: "primary", needsHunks: true },
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
    { decision: "decline", label: "Decline", cls: "secondary", needsHunks: false },
    { decision: "cancel", label: "Cancel turn", cls: "secondary danger", needsHunks: false },
  );
  return list;
}

const ANSWERED: Record<ApprovalDecision, string> = {
  accept: "Accepted",
  acceptForSession: "Accepted for this session",
  acceptWithPrefixRule: "Accepted, and remembered",
  decline: "Declined",
  cancel: "Cancelling the turn",
};

export function approvalCard(entry: ApprovalEntry, ctx: RenderContext): Card<ApprovalEntry> {
  const r = entry.request;
  const titleId = uid("approval-title");
  const el = h("section", { class: "entry card approval", role: "group", "aria-labelledby": titleId });
  el.append(h("header", { class: "card-head" },
    h("span", { class: "card-icon", "aria-hidden": "true" }, "?"),
    h("span", { class: "title", id: titleId }, TITLES[r.kind] ?? "Approval needed")));
  if (r.reason) el.append(h("p", { class: "reason" }, r.reason));
  if (r.command) {
    el.append(h("pre", { class: "approval-command" }, h("span", { class: "prompt", "aria-hidden": "true" }, "$ "), r.command));
  }
  const dir = r.cwd ? relativeDir(r.cwd, ctx.cwd()) : null;
  if (dir) el.append(h("div", { class: "cwd", title: r.cwd ?? "" }, `in ${dir}`));

  const boxes: HTMLInputElement[] = [];
  for (const change of r.changes ?? []) {
    const path = change.movePath ?? change.path;
    const fs = h("fieldset", { class: "approval-file" },
      h("legend", {}, kindBadge(change.kind), pathLink(ctx, path)));
    if (change.hunks.length === 0) {
      if (change.diff) fs.append(diffView(change.diff, `Diff of ${path}`));
    }
    change.hunks.forEach((hunk, i) => {
      const box = h("input", { type: "checkbox", checked: entry.decisions?.[hunk.id] !== "rejected", "data-hunk-id": hunk.id });
      box.addEventListener("change", () => {
        ctx.post({ type: "decideHunk", requestId: r.requestId, hunkId: hunk.id, decision: box.checked ? "pending" : "rejected" });
        refresh();
      });
      boxes.push(box);
      const body = hunk.diff.startsWith(hunk.header) ? hunk.diff.slice(hunk.header.length).replace(/^\n/, "") : hunk.diff;
      fs.append(h("div", { class: "hunk" },
        h("label", { class: "hunk-label" }, box,
          h("span", {}, `Apply hunk ${i + 1} of ${change.hunks.length} `),
          h("code", { class: "hunk-header" }, hunk.header)),
        diffView(body, `Hunk ${i + 1} of ${path}`)));
    });
    el.append(fs);
  }

  const hint = h("p", { class: "hint", role: "status" });
  const choices = decisions(r);
  const buttons = choices.map((d) => h("button", {
    class: d.cls, type: "button", "data-decision": d.decision, title: d.title,
    onclick: () => answer(d.decision),
  }, d.label));
  el.append(hint, h("div", { class: "actions", role: "group", "aria-label": "Decision" }, ...buttons));

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
    if (none) setText(hint, "No hunk selected: decline instead, or select a hunk.");
    else if (boxes.length > 0 && checked < boxes.length) setText(hint, `${checked} of ${boxes.length} hunks selected.`);
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

  /** The host's decisions changed (e.g. a hunk rejected in the proposal diff). */
  function update(next: ApprovalEntry): void {
    for (const box of boxes) box.checked = next.decisions?.[box.dataset["hunkId"] ?? ""] !== "rejected";
    refresh();
  }

  refresh();
  return { el, update };
}
