/**
 * The inline diff of applied changes, as Copilot's edits show them: in every visible editor of a
 * file the agent changed, the pending hunks' added lines are green (whole line, gutter bar,
 * overview ruler) and the lines they removed are shown in red after the line that replaced them
 * (inlineDiffModel.ts). The server's code lenses above each hunk say Keep / Undo; a navigator in
 * the status bar ("↑ Tandem change 1 of 3 ↓ · Keep · Undo") moves between hunks, across files, and
 * keeps or undoes the current one; the editor title has Keep File / Undo File.
 *
 * Everything drawn comes from the server: `tandem/change/hunks {uri}` locates the pending hunks
 * in the document's text now; it is asked again when the server reports a review state
 * (`tandem/change/updated`, `tandem/turn/undone`), when editors become visible and (debounced)
 * when a decorated document changes. Keep and undo are `tandem/change/accept|reject` with the
 * hunk ids; an undo's edit comes back as `workspace/applyEdit` and is saved (agentEdits.ts).
 */
import * as vscode from "vscode";
import type { ChangeStates } from "./changeStates";
import {
  adjacentHunk,
  byChange,
  currentHunk,
  hunkLines,
  inlineDecorations,
  navigatorText,
  sortHunks,
  type Direction,
  type InlineDecorations,
} from "./inlineDiffModel";
import type { NotificationRouter } from "./notifications";
import type { LocatedHunk, ReviewResult } from "./protocol/generated";
import { errorMessage, type DisposableLike, type TandemRpc } from "./rpc/connection";

/** The context key set while the active editor shows pending applied hunks (editor-title menus). */
export const APPLIED_CHANGES_CONTEXT = "tandem.hasAppliedChanges";

/** Keep (mark reviewed, the text stays) or undo (revert it). */
export type ReviewAction = "keep" | "undo";

/** What the extension API reports of one decorated document (for tests). */
export interface InlineDiffSnapshot {
  uri: string;
  hunks: LocatedHunk[];
  decorations: InlineDecorations;
}

const REFRESH_DEBOUNCE_MS = 250;

interface DocumentHunks {
  hunks: LocatedHunk[];
  generation: number;
}

export interface InlineDiffDeps {
  rpc: TandemRpc;
  router: NotificationRouter;
  states: ChangeStates;
  /** A path of a change (as its item shows it) of thread `threadId`, as a file URI. */
  resolve(threadId: string, path: string): vscode.Uri;
  /** Media folder of the extension (gutter icons). */
  media: vscode.Uri;
  running(): boolean;
}

/** Owns the decorations, the navigator and the keep / undo / next / previous of applied hunks. */
export class InlineDiff implements vscode.Disposable {
  private readonly docs = new Map<string, DocumentHunks>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly addedType: vscode.TextEditorDecorationType;
  private readonly removedType: vscode.TextEditorDecorationType;
  private readonly deletionType: vscode.TextEditorDecorationType;
  private readonly items: { prev: vscode.StatusBarItem; label: vscode.StatusBarItem; next: vscode.StatusBarItem; keep: vscode.StatusBarItem; undo: vscode.StatusBarItem };
  private generation = 0;

  constructor(private readonly deps: InlineDiffDeps) {
    this.addedType = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor("diffEditor.insertedLineBackground"),
      overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      gutterIconPath: vscode.Uri.joinPath(deps.media, "review-added.svg"),
      gutterIconSize: "contain",
    });
    this.removedType = vscode.window.createTextEditorDecorationType({
      after: {
        color: new vscode.ThemeColor("gitDecoration.deletedResourceForeground"),
        backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
        margin: "0 0 0 2em",
        fontStyle: "italic",
      },
      overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.deletionType = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(deps.media, "review-removed.svg"),
      gutterIconSize: "contain",
    });
    const item = (priority: number, text: string, command: string, tooltip: string) => {
      const i = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, priority);
      i.text = text;
      i.command = command;
      i.tooltip = tooltip;
      i.name = `Tandem: ${tooltip}`;
      return i;
    };
    this.items = {
      prev: item(1004, "$(arrow-up)", "tandem.previousHunk", "Previous Tandem change"),
      label: item(1003, "", "tandem.nextHunk", "Next Tandem change"),
      next: item(1002, "$(arrow-down)", "tandem.nextHunk", "Next Tandem change"),
      keep: item(1001, "$(check) Keep", "tandem.keepHunk", "Keep this change"),
      undo: item(1000, "$(discard) Undo", "tandem.undoHunk", "Undo this change"),
    };
  }

  /** Start listening (notifications, editors, documents, selections). */
  register(): vscode.Disposable {
    const listen = (d: DisposableLike) => this.disposables.push(new vscode.Disposable(() => void d.dispose()));
    listen(this.deps.router.listen((n) => {
      if (n.method === "tandem/change/updated" || n.method === "tandem/turn/undone") this.refreshVisible();
    }));
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshVisible()),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateNavigator()),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) this.updateNavigator();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        if (this.docs.get(key)?.hunks.length) this.schedule(e.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.docs.delete(d.uri.toString())),
    );
    return this;
  }

  /** Ask the server again for every visible file editor's hunks. */
  refreshVisible(): void {
    const uris = new Map(vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme === "file").map((e) => [e.document.uri.toString(), e.document.uri]));
    for (const uri of uris.values()) void this.refresh(uri);
  }

  /** Forget every hunk (the server stopped: its change sets are gone). */
  clear(): void {
    this.docs.clear();
    this.redraw();
  }

  /** Fetch one document's hunks and redraw it. */
  async refresh(uri: vscode.Uri): Promise<LocatedHunk[]> {
    const key = uri.toString();
    const generation = ++this.generation;
    const entry = this.docs.get(key) ?? { hunks: [], generation };
    entry.generation = generation;
    this.docs.set(key, entry);
    let hunks: LocatedHunk[] = [];
    if (this.deps.running()) {
      try {
        hunks = sortHunks((await this.deps.rpc.request("tandem/change/hunks", { uri: key })).hunks);
      } catch {
        hunks = []; // an older server, or it stopped meanwhile: nothing to draw
      }
    }
    if (this.docs.get(key)?.generation !== generation) return this.docs.get(key)?.hunks ?? hunks;
    entry.hunks = hunks;
    this.redraw();
    return hunks;
  }

  /** The hunks last located in a document. */
  hunksOf(uri: vscode.Uri): LocatedHunk[] {
    return this.docs.get(uri.toString())?.hunks ?? [];
  }

  /** What is drawn, per document with hunks (extension API, tests). */
  snapshot(): InlineDiffSnapshot[] {
    const out: InlineDiffSnapshot[] = [];
    for (const [uri, entry] of this.docs) {
      if (entry.hunks.length === 0) continue;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      out.push({ uri, hunks: entry.hunks, decorations: inlineDecorations(entry.hunks, doc?.lineCount ?? 0) });
    }
    return out;
  }

  /** The navigator's label, or undefined while it is hidden. */
  navigator(): string | undefined {
    return this.visibleNavigator ? this.items.label.text.replace(/^\$\([^)]*\)\s*/, "") : undefined;
  }

  /** Keep or undo the current hunk of `editor` (the one at the cursor, else the next below); then go to the next one. */
  async reviewHunk(action: ReviewAction, editor = vscode.window.activeTextEditor): Promise<boolean> {
    if (!editor) return false;
    const hunks = this.hunksOf(editor.document.uri);
    const hunk = currentHunk(hunks, editor.selection.active.line, editor.document.lineCount);
    if (!hunk) return this.nothing();
    await this.send(action, [{ threadId: hunk.threadId, changeId: hunk.changeId, hunkIds: [hunk.hunkId] }]);
    const left = await this.refresh(editor.document.uri);
    const next = adjacentHunk(left, hunkLines(hunk, editor.document.lineCount).first - 1, editor.document.lineCount, "next") ?? left[0];
    if (next) reveal(editor, next);
    return true;
  }

  /** Keep or undo every pending hunk of the file in `editor`. */
  async reviewFile(action: ReviewAction, editor = vscode.window.activeTextEditor): Promise<boolean> {
    if (!editor) return false;
    const hunks = this.hunksOf(editor.document.uri);
    if (hunks.length === 0) return this.nothing();
    await this.send(action, byChange(hunks));
    await this.refresh(editor.document.uri);
    return true;
  }

  /** Keep or undo every pending hunk of every applied change the server told of. */
  async reviewAll(action: ReviewAction): Promise<boolean> {
    const pending = this.deps.states.pending();
    if (pending.length === 0) return this.nothing();
    await this.send(action, pending);
    this.refreshVisible();
    return true;
  }

  /** Go to the next (previous) hunk: in this file, then in the next file with pending hunks, then around. */
  async go(direction: Direction, editor = vscode.window.activeTextEditor): Promise<boolean> {
    const here = editor?.document.uri.scheme === "file" ? editor : undefined;
    const hunks = here ? this.hunksOf(here.document.uri) : [];
    if (here) {
      const target = adjacentHunk(hunks, here.selection.active.line, here.document.lineCount, direction);
      if (target) return reveal(here, target);
    }
    for (const uri of this.otherFiles(here?.document.uri)) {
      const doc = await vscode.workspace.openTextDocument(uri);
      const found = await this.refresh(uri);
      if (found.length === 0) continue;
      const shown = await vscode.window.showTextDocument(doc, { preview: false });
      return reveal(shown, direction === "next" ? found[0]! : found[found.length - 1]!);
    }
    if (here && hunks.length > 0) return reveal(here, direction === "next" ? hunks[0]! : hunks[hunks.length - 1]!);
    return this.nothing();
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const type of [this.addedType, this.removedType, this.deletionType]) type.dispose();
    for (const i of Object.values(this.items)) i.dispose();
  }

  private visibleNavigator = false;

  /** Files other than `current` with pending hunks, in the order the changes came. */
  private otherFiles(current: vscode.Uri | undefined): vscode.Uri[] {
    const seen = new Set([current?.toString()]);
    const out: vscode.Uri[] = [];
    for (const change of this.deps.states.pending()) {
      for (const path of change.paths) {
        const uri = this.deps.resolve(change.threadId, path);
        if (seen.has(uri.toString())) continue;
        seen.add(uri.toString());
        out.push(uri);
      }
    }
    return out;
  }

  private async send(action: ReviewAction, groups: { threadId: string; changeId: string; hunkIds: string[] }[]): Promise<void> {
    const method = action === "keep" ? "tandem/change/accept" : "tandem/change/reject";
    const kept: string[] = [];
    for (const group of groups) {
      let result: ReviewResult;
      try {
        result = await this.deps.rpc.request(method, { threadId: group.threadId, changeId: group.changeId, hunkIds: group.hunkIds });
      } catch (error) {
        void vscode.window.showErrorMessage(`Tandem: could not ${action} the change: ${errorMessage(error)}`);
        continue;
      }
      kept.push(...(result.kept ?? []));
    }
    if (kept.length > 0) {
      void vscode.window.showInformationMessage(`Tandem: left ${kept.length} hunk${kept.length === 1 ? "" : "s"} you edited since as they are.`);
    }
  }

  private nothing(): false {
    void vscode.window.showInformationMessage("Tandem: no change to review here.");
    return false;
  }

  private schedule(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.refresh(uri);
    }, REFRESH_DEBOUNCE_MS));
  }

  private redraw(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const hunks = this.docs.get(editor.document.uri.toString())?.hunks ?? [];
      const { added, removed } = inlineDecorations(hunks, editor.document.lineCount);
      editor.setDecorations(this.addedType, added.map((line) => new vscode.Range(line, 0, line, 0)));
      const end = (line: number) => editor.document.lineAt(line).range.end;
      editor.setDecorations(this.removedType, removed.map((note) => ({
        range: new vscode.Range(end(note.line), end(note.line)),
        renderOptions: { after: { contentText: note.text } },
        hoverMessage: removedHover(note.lines),
      })));
      editor.setDecorations(this.deletionType, removed.filter((n) => n.deletionOnly).map((n) => new vscode.Range(n.line, 0, n.line, 0)));
    }
    this.updateNavigator();
  }

  private updateNavigator(): void {
    const editor = vscode.window.activeTextEditor;
    const hunks = editor ? this.docs.get(editor.document.uri.toString())?.hunks ?? [] : [];
    const show = hunks.length > 0 && editor !== undefined;
    void vscode.commands.executeCommand("setContext", APPLIED_CHANGES_CONTEXT, show);
    this.visibleNavigator = show;
    if (!show) {
      for (const i of Object.values(this.items)) i.hide();
      return;
    }
    this.items.label.text = `$(diff) ${navigatorText(hunks, editor.selection.active.line, editor.document.lineCount)}`;
    for (const i of Object.values(this.items)) i.show();
  }
}

/** Put the cursor on a hunk's first line and scroll it into view. */
function reveal(editor: vscode.TextEditor, hunk: LocatedHunk): true {
  const { first } = hunkLines(hunk, editor.document.lineCount);
  const at = new vscode.Position(first, 0);
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return true;
}

/** The removed lines as a hover: a `diff` code block. */
function removedHover(lines: readonly string[]): vscode.MarkdownString {
  const hover = new vscode.MarkdownString();
  hover.appendMarkdown("**Removed by Tandem** (Undo brings it back)\n");
  hover.appendCodeblock(lines.map((l) => `- ${l}`).join("\n"), "diff");
  return hover;
}
