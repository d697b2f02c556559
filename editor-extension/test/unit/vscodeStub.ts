/**
 * A small hand-written stand-in for the `vscode` module: just what the extension's modules use.
 * Tests install it with `vi.mock("vscode", () => import("./vscodeStub"))` and drive it through
 * `stub` (recorded calls, scripted answers, a reset between tests).
 */
import * as nodePath from "node:path";
import { vi } from "vitest";

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => unknown = () => undefined) {}
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string, readonly query = "") {}
  static file(p: string): Uri {
    return new Uri("file", p);
  }
  static from(c: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path ?? "", c.query ?? "");
  }
  static parse(value: string): Uri {
    const m = /^([a-z-]+):\/\/?([^?]*)(?:\?(.*))?$/.exec(value);
    return m ? new Uri(m[1]!, `/${m[2]!.replace(/^\/+/, "")}`, m[3] ?? "") : new Uri("file", value);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, nodePath.posix.join(base.path, ...parts), base.query);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ""}`;
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === "number" ? new Position(a, b as number) : a;
    this.end = typeof a === "number" ? new Position(c!, d!) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

export class Selection extends Range {}

export class CodeLens {
  constructor(readonly range: Range, readonly command?: { title: string; command: string; arguments?: unknown[] }) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class TabInputTextDiff {
  constructor(readonly original: Uri, readonly modified: Uri) {}
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

/** A text document double. */
export function textDocument(uri: Uri, text: string) {
  const lines = text.split("\n");
  return { uri, getText: () => text, lineAt: (line: number) => ({ text: lines[line] ?? "" }) };
}

/** Scripted answers and recorded calls; `reset()` before each test. */
export const stub = {
  config: {} as Record<string, unknown>,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { command: string; args: unknown[] }[],
  warnings: [] as { message: string; options: unknown; items: string[] }[],
  infos: [] as string[],
  errors: [] as string[],
  warningAnswer: undefined as Promise<string | undefined> | string | undefined,
  inputAnswer: undefined as string | undefined,
  quickPickAnswer: undefined as unknown,
  files: new Map<string, string>(),
  openDocuments: [] as ReturnType<typeof textDocument>[],
  tabs: [] as { input: unknown }[],
  closedTabs: [] as unknown[],
  progressReports: [] as unknown[],
  progressCancel: new EventEmitter<void>(),
  statusItems: [] as Record<string, unknown>[],
  workspaceRoot: "/ws" as string | undefined,
  findFilesResult: [] as Uri[],
  executeHandlers: new Map<string, (...args: unknown[]) => unknown>(),
  reset(): void {
    this.config = {};
    this.commands.clear();
    this.executed = [];
    this.warnings = [];
    this.infos = [];
    this.errors = [];
    this.warningAnswer = undefined;
    this.inputAnswer = undefined;
    this.quickPickAnswer = undefined;
    this.files.clear();
    this.openDocuments = [];
    this.tabs = [];
    this.closedTabs = [];
    this.progressReports = [];
    this.progressCancel = new EventEmitter<void>();
    this.statusItems = [];
    this.workspaceRoot = "/ws";
    this.findFilesResult = [];
    this.executeHandlers.clear();
    window.activeTextEditor = undefined;
  },
};

export const window = {
  activeTextEditor: undefined as unknown,
  showWarningMessage: vi.fn(async (message: string, options: unknown, ...items: string[]) => {
    stub.warnings.push({ message, options, items });
    return stub.warningAnswer;
  }),
  showInformationMessage: vi.fn(async (message: string) => {
    stub.infos.push(message);
    return undefined;
  }),
  showErrorMessage: vi.fn(async (message: string) => {
    stub.errors.push(message);
    return undefined;
  }),
  showInputBox: vi.fn(async () => stub.inputAnswer),
  showQuickPick: vi.fn(async () => stub.quickPickAnswer),
  showTextDocument: vi.fn(async () => undefined),
  withProgress: vi.fn(async (_options: unknown, task: (progress: unknown, token: unknown) => Promise<unknown>) =>
    task(
      { report: (value: unknown) => stub.progressReports.push(value) },
      { isCancellationRequested: false, onCancellationRequested: stub.progressCancel.event },
    ),
  ),
  createStatusBarItem: vi.fn(() => {
    const item: Record<string, unknown> = { show: vi.fn(), dispose: vi.fn(), text: "" };
    stub.statusItems.push(item);
    return item;
  }),
  createOutputChannel: vi.fn(() => ({ appendLine: vi.fn(), append: vi.fn(), show: vi.fn(), dispose: vi.fn() })),
  registerWebviewViewProvider: vi.fn(() => new Disposable()),
  tabGroups: {
    get all() {
      return [{ tabs: stub.tabs }];
    },
    close: vi.fn(async (tabs: unknown[]) => {
      stub.closedTabs.push(...tabs);
      stub.tabs = stub.tabs.filter((tab) => !tabs.includes(tab));
      return true;
    }),
  },
};

export const commands = {
  registerCommand: vi.fn((id: string, fn: (...args: unknown[]) => unknown) => {
    stub.commands.set(id, fn);
    return new Disposable(() => stub.commands.delete(id));
  }),
  executeCommand: vi.fn(async (command: string, ...args: unknown[]) => {
    stub.executed.push({ command, args });
    const handler = stub.executeHandlers.get(command) ?? stub.commands.get(command);
    return handler?.(...args);
  }),
};

export const workspace = {
  getConfiguration: vi.fn((section?: string) => ({
    get: <T>(key: string): T | undefined => stub.config[section ? `${section}.${key}` : key] as T | undefined,
  })),
  get workspaceFolders() {
    return stub.workspaceRoot ? [{ uri: Uri.file(stub.workspaceRoot), name: "ws", index: 0 }] : undefined;
  },
  get textDocuments() {
    return stub.openDocuments;
  },
  findFiles: vi.fn(async () => stub.findFilesResult),
  asRelativePath: vi.fn((uri: Uri | string) => {
    const p = typeof uri === "string" ? uri : uri.path;
    return stub.workspaceRoot && p.startsWith(`${stub.workspaceRoot}/`) ? p.slice(stub.workspaceRoot.length + 1) : p;
  }),
  openTextDocument: vi.fn(async (arg: Uri | { content: string }) =>
    arg instanceof Uri ? textDocument(arg, stub.files.get(arg.path) ?? "") : textDocument(Uri.from({ scheme: "untitled" }), arg.content),
  ),
  fs: {
    readFile: vi.fn(async (uri: Uri) => {
      const text = stub.files.get(uri.path);
      if (text === undefined) throw new Error(`ENOENT ${uri.path}`);
      return new TextEncoder().encode(text);
    }),
  },
  registerTextDocumentContentProvider: vi.fn(() => new Disposable()),
  onDidChangeConfiguration: vi.fn(() => new Disposable()),
};

export const languages = {
  registerCodeLensProvider: vi.fn(() => new Disposable()),
};
