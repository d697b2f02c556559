/**
 * The `vscode` stand-in of vscodeStub.ts plus what the feedback modules use: closable progress
 * notifications (each kept with its reports and whether it closed), the comments API, decorations,
 * the clipboard, `env.openExternal` and `commands.getCommands`. Install with
 * `vi.mock("vscode", () => import("./vscodeStubFeedback"))`; reset with `feedbackStub.reset()`.
 */
import { vi } from "vitest";
import * as base from "./vscodeStub";

export * from "./vscodeStub";

/** One `withProgress` notification: its options, its reports, and whether its task finished (it closed). */
export interface ProgressRecord {
  options: { location: number; title?: string; cancellable?: boolean };
  reports: { message?: string }[];
  closed: boolean;
}

/** A comment thread double (the fields the widget sets). */
export interface ThreadRecord {
  uri: base.Uri;
  range: base.Range;
  comments: { body: string | MarkdownString; author: { name: string }; mode: number; contextValue?: string }[];
  collapsibleState?: number;
  canReply?: boolean;
  contextValue?: string;
  label?: string;
  disposed: boolean;
  dispose(): void;
}

export const feedbackStub = {
  progress: [] as ProgressRecord[],
  threads: [] as ThreadRecord[],
  decorations: [] as { editor: unknown; type: unknown; ranges: base.Range[] }[],
  clipboard: "",
  opened: [] as string[],
  commandList: [] as string[],
  visibleEditors: [] as unknown[],
  reset(): void {
    base.stub.reset();
    this.progress = [];
    this.threads = [];
    this.decorations = [];
    this.clipboard = "";
    this.opened = [];
    this.commandList = [];
    this.visibleEditors = [];
  },
};

export class MarkdownString {
  isTrusted: boolean | { enabledCommands: readonly string[] } = false;
  constructor(public value = "", public supportThemeIcons = false) {}
}

export enum CommentMode { Editing = 0, Preview = 1 }
export enum CommentThreadCollapsibleState { Collapsed = 0, Expanded = 1 }
export enum OverviewRulerLane { Left = 1, Center = 2, Right = 4, Full = 7 }

export const window = Object.assign(Object.create(base.window) as typeof base.window, {
  withProgress: vi.fn(async (options: ProgressRecord["options"], task: (progress: unknown, token: unknown) => Promise<unknown>) => {
    const record: ProgressRecord = { options, reports: [], closed: false };
    feedbackStub.progress.push(record);
    try {
      return await task(
        { report: (value: { message?: string }) => record.reports.push(value) },
        { isCancellationRequested: false, onCancellationRequested: base.stub.progressCancel.event },
      );
    } finally {
      record.closed = true;
    }
  }),
  createTextEditorDecorationType: vi.fn((options: unknown) => ({ options, dispose: vi.fn() })),
  onDidChangeVisibleTextEditors: vi.fn(() => new base.Disposable()),
  onDidChangeActiveTextEditor: vi.fn(() => new base.Disposable()),
  get visibleTextEditors() {
    return feedbackStub.visibleEditors;
  },
});

export const comments = {
  createCommentController: vi.fn((id: string, label: string) => ({
    id,
    label,
    options: undefined as unknown,
    createCommentThread: (uri: base.Uri, range: base.Range, comments: ThreadRecord["comments"]) => {
      const thread: ThreadRecord = {
        uri, range, comments, disposed: false,
        dispose() {
          this.disposed = true;
        },
      };
      feedbackStub.threads.push(thread);
      return thread;
    },
    dispose: vi.fn(),
  })),
};

export const env = {
  clipboard: {
    writeText: vi.fn(async (text: string) => {
      feedbackStub.clipboard = text;
    }),
    readText: vi.fn(async () => feedbackStub.clipboard),
  },
  openExternal: vi.fn(async (uri: base.Uri) => {
    feedbackStub.opened.push(uri.toString());
    return true;
  }),
};

export const commands = Object.assign(Object.create(base.commands) as typeof base.commands, {
  getCommands: vi.fn(async () => [...feedbackStub.commandList, ...base.stub.commands.keys()]),
});
