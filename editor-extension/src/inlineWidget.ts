/**
 * The inline ask's widget at the cursor: a comment thread of VS Code's comments API (controller
 * `tandem.inlineAsk`) with the prompt box, then the user's prompt and Tandem's answer, and — for a
 * change — the diff with **Accept** / **Discard** (command links in the answer and the thread's
 * title actions), while the editor marks the lines the change adds (green) or would remove (red).
 * This module only draws; inlineAsk.ts drives it.
 */
import * as vscode from "vscode";
import { changedLines, lineRuns } from "./changedLines";

export const INLINE_CONTROLLER_ID = "tandem.inlineAsk";

/** Command ids of the widget (package.json contributes them to the comment menus). */
export const INLINE_COMMANDS = {
  submit: "tandem.inlineAsk.submit",
  cancel: "tandem.inlineAsk.cancel",
  accept: "tandem.inlineAsk.accept",
  discard: "tandem.inlineAsk.discard",
  openInChat: "tandem.inlineAsk.openInChat",
  stop: "tandem.inlineAsk.stop",
  close: "tandem.inlineAsk.close",
} as const;

/**
 * Where a session is: `asking` (the prompt box), `working` (the turn runs), `proposal` (a change
 * waits for approval), `applied` (a change is in the buffer, not yet kept), `finished`.
 * The thread's `contextValue` is `tandem.ask.<phase>` (the menus' `when` clauses use it).
 */
export type InlinePhase = "asking" | "working" | "proposal" | "applied" | "finished";

/** One file's part of a change, as the widget shows it. */
export interface WidgetChange {
  path: string;
  diff: string;
}

/** The widget of one inline ask session. */
export class InlineWidget implements vscode.Disposable {
  private phaseValue: InlinePhase = "asking";
  private user: vscode.Comment | null = null;

  constructor(
    readonly id: string,
    readonly thread: vscode.CommentThread,
    private readonly marks: InlineMarks,
  ) {
    this.setPhase("asking");
  }

  get phase(): InlinePhase {
    return this.phaseValue;
  }

  get uri(): vscode.Uri {
    return this.thread.uri;
  }

  /** The prompt was sent: show it, then "Working…". */
  prompted(prompt: string): void {
    this.user = { body: prompt, mode: vscode.CommentMode.Preview, author: { name: "You" } };
    this.thread.canReply = false;
    this.working("");
  }

  /** The turn runs; `activity` is e.g. `$ pytest -q`. */
  working(activity: string): void {
    this.setPhase("working");
    this.say(`$(loading~spin) Working…${activity ? ` \`${activity.replace(/`/g, "'")}\`` : ""}`, [this.link("Stop", INLINE_COMMANDS.stop), this.link("Open in chat", INLINE_COMMANDS.openInChat)]);
    this.marks.clear(this);
  }

  /** A change waits for approval (`changes`: its files' diffs); Accept applies it, Discard declines. */
  proposal(changes: WidgetChange[]): void {
    this.setPhase("proposal");
    this.say(`Proposed change:\n\n${diffBlock(changes)}`, this.reviewLinks());
    this.marks.show(this, changes, "removed");
  }

  /** A change is in the buffer (`changes`); Accept keeps it, Discard reverts it. */
  applied(changes: WidgetChange[], note = "Changed the code:"): void {
    this.setPhase("applied");
    this.say(`${note}\n\n${diffBlock(changes)}`, this.reviewLinks());
    this.marks.show(this, changes, "added");
  }

  /** The session is over: `text` (the agent's answer, "Accepted.", an error…). */
  finished(text: string): void {
    this.setPhase("finished");
    this.say(text || "Done.", [this.link("Open in chat", INLINE_COMMANDS.openInChat), this.link("Close", INLINE_COMMANDS.close)]);
    this.marks.clear(this);
  }

  dispose(): void {
    this.marks.clear(this);
    this.thread.dispose();
  }

  private setPhase(phase: InlinePhase): void {
    this.phaseValue = phase;
    this.thread.contextValue = `tandem.ask.${phase}`;
    this.thread.label = phase === "asking" ? "Ask Tandem" : "Tandem";
  }

  private reviewLinks(): string[] {
    return [this.link("Accept", INLINE_COMMANDS.accept), this.link("Discard", INLINE_COMMANDS.discard), this.link("Open in chat", INLINE_COMMANDS.openInChat)];
  }

  private link(label: string, command: string): string {
    return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([this.id]))})`;
  }

  private say(markdown: string, links: string[]): void {
    const body = new vscode.MarkdownString(`${markdown}${links.length ? `\n\n${links.join(" · ")}` : ""}`, true);
    body.isTrusted = { enabledCommands: Object.values(INLINE_COMMANDS) };
    const agent: vscode.Comment = { body, mode: vscode.CommentMode.Preview, author: { name: "Tandem" }, contextValue: this.phaseValue };
    this.thread.comments = this.user ? [this.user, agent] : [agent];
  }
}

/** The change's files as fenced diffs (a long diff is cut: the editor shows the rest). */
function diffBlock(changes: WidgetChange[]): string {
  const MAX_LINES = 80;
  return changes.map((c) => {
    const lines = c.diff.replace(/\n$/, "").split("\n").filter((l) => !l.startsWith("--- ") && !l.startsWith("+++ "));
    const shown = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more lines`] : lines;
    return `\`${c.path}\`\n\n\`\`\`diff\n${shown.join("\n")}\n\`\`\``;
  }).join("\n\n");
}

/** The editor marks of the sessions: added lines (an applied change), lines a proposal removes. */
export class InlineMarks implements vscode.Disposable {
  private readonly added = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.insertedLineBackground"),
    overviewRulerColor: new vscode.ThemeColor("editorGutter.addedBackground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.removedLineBackground"),
    overviewRulerColor: new vscode.ThemeColor("editorGutter.deletedBackground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly shown = new Map<string, { uri: string; kind: "added" | "removed"; ranges: vscode.Range[] }>();
  private readonly subscription = vscode.window.onDidChangeVisibleTextEditors(() => this.paint());

  /** Mark the lines of `changes` in the widget's file (`added` in the new text, `removed` in the old). */
  show(widget: InlineWidget, changes: WidgetChange[], kind: "added" | "removed"): void {
    const file = widget.uri.path;
    const mine = changes.filter((c) => file === c.path || file.endsWith(`/${c.path.replace(/^\.?\//, "")}`));
    const lines = mine.flatMap((c) => changedLines(c.diff)[kind]).sort((a, b) => a - b);
    const ranges = lineRuns(lines).map(([from, to]) => new vscode.Range(from, 0, to, 0));
    this.shown.set(widget.id, { uri: widget.uri.toString(), kind, ranges });
    this.paint();
  }

  clear(widget: InlineWidget): void {
    if (this.shown.delete(widget.id)) this.paint();
  }

  /** The marked ranges of a widget (for tests and the extension API). */
  marked(widgetId: string): { kind: "added" | "removed"; lines: [number, number][] } | undefined {
    const entry = this.shown.get(widgetId);
    return entry && { kind: entry.kind, lines: entry.ranges.map((r) => [r.start.line, r.end.line]) };
  }

  dispose(): void {
    this.subscription.dispose();
    this.added.dispose();
    this.removed.dispose();
  }

  private paint(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      const entries = [...this.shown.values()].filter((e) => e.uri === uri);
      editor.setDecorations(this.added, entries.filter((e) => e.kind === "added").flatMap((e) => e.ranges));
      editor.setDecorations(this.removed, entries.filter((e) => e.kind === "removed").flatMap((e) => e.ranges));
    }
  }
}
