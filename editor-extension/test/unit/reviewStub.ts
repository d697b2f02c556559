/**
 * The `vscode` stand-in of vscodeStub.ts plus what the review modules use (decorations, visible
 * editors, editor events, `workspace.applyEdit`, documents that can be dirty and saved). Tests
 * install it with `vi.mock("vscode", () => import("./reviewStub"))` and call `review.reset()` too.
 */
import { vi } from "vitest";
import * as base from "./vscodeStub";

export * from "./vscodeStub";

type Listener<T> = (e: T) => unknown;

/** VS Code's Selection: anchor, then active (the cursor). */
export class Selection extends base.Range {
  readonly anchor: base.Position;
  readonly active: base.Position;
  constructor(a: number | base.Position, b: number | base.Position, c?: number, d?: number) {
    const anchor = typeof a === "number" ? new base.Position(a, b as number) : a;
    const active = typeof a === "number" ? new base.Position(c!, d!) : (b as base.Position);
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
}

/** A text document that can be edited, made dirty and saved. */
export interface FakeDocument {
  uri: base.Uri;
  version: number;
  isDirty: boolean;
  lineCount: number;
  getText(): string;
  lineAt(line: number): { text: string; range: { end: base.Position } };
  save: ReturnType<typeof vi.fn>;
  setText(text: string): void;
}

export function fakeDocument(uri: base.Uri, text: string): FakeDocument {
  let lines = text.split("\n");
  const doc: FakeDocument = {
    uri,
    version: 1,
    isDirty: false,
    get lineCount() {
      return lines.length;
    },
    getText: () => lines.join("\n"),
    lineAt: (line: number) => ({ text: lines[line] ?? "", range: { end: new base.Position(line, (lines[line] ?? "").length) } }),
    save: vi.fn(async () => {
      doc.isDirty = false;
      review.saved.push(uri.toString());
      return true;
    }),
    setText(next: string) {
      lines = next.split("\n");
      doc.version += 1;
      doc.isDirty = true;
    },
  };
  return doc;
}

/** A text editor showing `doc`, recording its decorations by decoration type key. */
export function fakeEditor(doc: FakeDocument) {
  const decorations = new Map<string, unknown[]>();
  return {
    document: doc,
    selection: new Selection(0, 0, 0, 0),
    decorations,
    setDecorations: vi.fn((type: { key: string }, ranges: unknown[]) => decorations.set(type.key, ranges)),
    revealRange: vi.fn(),
  };
}

class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return new base.Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
}

export const review = {
  saved: [] as string[],
  contexts: new Map<string, unknown>(),
  applyEditResult: true as boolean,
  /** What `workspace.applyEdit` does to the documents (the test decides). */
  onApplyEdit: undefined as (() => void) | undefined,
  visibleEditorsChanged: new Emitter<unknown>(),
  activeEditorChanged: new Emitter<unknown>(),
  selectionChanged: new Emitter<{ textEditor: unknown }>(),
  documentChanged: new Emitter<{ document: FakeDocument }>(),
  documentClosed: new Emitter<FakeDocument>(),
  reset(): void {
    base.stub.reset();
    this.saved = [];
    this.contexts.clear();
    this.applyEditResult = true;
    this.onApplyEdit = undefined;
    window.visibleTextEditors = [];
    base.stub.executeHandlers.set("setContext", (key: unknown, value: unknown) => this.contexts.set(String(key), value));
  },
};

let decorationTypes = 0;
export const window = Object.assign(base.window, {
  visibleTextEditors: [] as ReturnType<typeof fakeEditor>[],
  createStatusBarItem: vi.fn(() => {
    const item: Record<string, unknown> = { text: "", visible: false, dispose: vi.fn() };
    item["show"] = vi.fn(() => (item["visible"] = true));
    item["hide"] = vi.fn(() => (item["visible"] = false));
    base.stub.statusItems.push(item);
    return item;
  }),
  createTextEditorDecorationType: vi.fn((options: unknown) => ({ key: `decoration-${++decorationTypes}`, options, dispose: vi.fn() })),
  onDidChangeVisibleTextEditors: review.visibleEditorsChanged.event,
  onDidChangeActiveTextEditor: review.activeEditorChanged.event,
  onDidChangeTextEditorSelection: review.selectionChanged.event,
});

export const workspace = Object.assign(base.workspace, {
  applyEdit: vi.fn(async () => {
    review.onApplyEdit?.();
    return review.applyEditResult;
  }),
  onDidChangeTextDocument: review.documentChanged.event,
  onDidCloseTextDocument: review.documentClosed.event,
});

export enum OverviewRulerLane {
  Left = 1,
  Center = 2,
  Right = 4,
  Full = 7,
}

export enum TextEditorRevealType {
  Default = 0,
  InCenter = 1,
  InCenterIfOutsideViewport = 2,
  AtTop = 3,
}

export class MarkdownString {
  value = "";
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendCodeblock(code: string, language = ""): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}
