/**
 * The composer's choices for the next turn: model, reasoning effort and approval mode (Codex's
 * presets, src/shared/turnOptions.ts). A choice is the user's for this workspace (kept in
 * `workspaceState`) and goes with every `tandem/turn/start` as an override, which the server
 * applies to the thread from that turn on; an option never chosen shows what the thread (or the
 * server's configuration, from `tandem/model/list`) already uses. No `vscode` import.
 */
import type { ModelListResult, ThreadInfo, TurnStartParams } from "./protocol/generated";
import {
  approvalMode, approvalModeOf, type ApprovalModeId, type TurnOptionKind, type TurnOptionsView,
} from "./shared/turnOptions";

/** Where the choices are kept (VS Code's `Memento`, or a test double). */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** The user's choices; an absent field was never chosen. */
export interface TurnSelection {
  model?: string;
  effort?: string;
  approvalMode?: ApprovalModeId;
}

/** The `tandem/turn/start` fields the choices turn into. */
export type TurnOverrides = Pick<TurnStartParams, "model" | "effort" | "approvalPolicy" | "sandboxMode">;

export const SELECTION_KEY = "tandem.turnOptions";

function sanitize(value: unknown): TurnSelection {
  const raw = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const out: TurnSelection = {};
  if (typeof raw["model"] === "string" && raw["model"]) out.model = raw["model"];
  if (typeof raw["effort"] === "string" && raw["effort"]) out.effort = raw["effort"];
  const mode = typeof raw["approvalMode"] === "string" ? approvalMode(raw["approvalMode"]) : undefined;
  if (mode) out.approvalMode = mode.id;
  return out;
}

/** The choices, the model catalogue they are made from, and what they mean for a thread. */
export class TurnOptions {
  private selection: TurnSelection;
  private catalogue: ModelListResult | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly memento?: MementoLike) {
    this.selection = sanitize(memento?.get(SELECTION_KEY));
  }

  /** The user's choices so far. */
  get chosen(): Readonly<TurnSelection> {
    return this.selection;
  }

  /** The server's model catalogue (`tandem/model/list`; null: not known, e.g. while disconnected). */
  setCatalogue(result: ModelListResult | null): void {
    this.catalogue = result;
    this.changed();
  }

  /** Record a choice from the composer (an unknown approval mode is ignored). */
  choose(kind: TurnOptionKind, value: string): void {
    if (kind === "approvalMode") {
      const mode = approvalMode(value);
      if (!mode) return;
      this.selection = { ...this.selection, approvalMode: mode.id };
    } else if (kind === "model") {
      this.selection = { ...this.selection, model: value };
    } else {
      this.selection = { ...this.selection, effort: value };
    }
    void this.memento?.update(SELECTION_KEY, this.selection);
    this.changed();
  }

  /** What the composer shows for `thread` (null: no thread yet, the configuration applies). */
  view(thread: ThreadInfo | null): TurnOptionsView {
    const catalogue = this.catalogue;
    const model = this.selection.model ?? thread?.model ?? catalogue?.current ?? null;
    const efforts = this.effortsOf(model);
    const mode = this.selection.approvalMode
      ?? approvalModeOf(thread?.approvalPolicy ?? catalogue?.approvalPolicy, thread?.sandboxMode ?? catalogue?.sandboxMode);
    const policy = thread?.approvalPolicy ?? catalogue?.approvalPolicy ?? null;
    const sandbox = thread?.sandboxMode ?? catalogue?.sandboxMode ?? null;
    return {
      provider: thread?.modelProvider || catalogue?.provider || null,
      providerName: catalogue?.providerName ?? null,
      models: catalogue?.models ?? [],
      model,
      effort: efforts.length > 0 ? this.effortFor(model, thread, efforts) : null,
      efforts,
      approvalMode: mode,
      customApproval: mode === null && policy && sandbox ? `${policy}, ${sandbox}` : null,
    };
  }

  /** The overrides for the next `tandem/turn/start` of `thread`: the choices that apply to it. */
  overrides(thread: ThreadInfo | null): TurnOverrides {
    const out: TurnOverrides = {};
    const { model, effort } = this.selection;
    if (model) out.model = model;
    const efforts = this.effortsOf(model ?? thread?.model ?? this.catalogue?.current ?? null);
    if (effort && efforts.includes(effort)) out.effort = effort as NonNullable<TurnOverrides["effort"]>;
    const mode = this.selection.approvalMode ? approvalMode(this.selection.approvalMode) : undefined;
    if (mode) {
      out.approvalPolicy = mode.approvalPolicy;
      out.sandboxMode = mode.sandboxMode;
    }
    return out;
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private effortsOf(model: string | null): string[] {
    const info = this.catalogue?.models.find((m) => m.id === model);
    return info?.supportsReasoningEffort ? [...(info.efforts ?? [])] : [];
  }

  /** The chosen effort if the model takes it, else the thread's (or configuration's), else the model's default. */
  private effortFor(model: string | null, thread: ThreadInfo | null, efforts: string[]): string | null {
    const chosen = this.selection.effort;
    if (chosen && efforts.includes(chosen)) return chosen;
    const catalogue = this.catalogue;
    const current = thread && thread.model === model ? thread.reasoningEffort
      : catalogue?.current === model ? catalogue?.currentEffort : null;
    if (current && efforts.includes(current)) return current;
    return catalogue?.models.find((m) => m.id === model)?.defaultEffort ?? null;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
