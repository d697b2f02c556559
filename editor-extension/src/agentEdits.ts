/**
 * The server's edits to open documents, saved once applied (setting `tandem.saveAgentEdits`,
 * default on), so the commands the agent or the user run next read them from disk.
 *
 * `tandem lsp` changes open documents with `workspace/applyEdit` (docs/architecture.md "The custom
 * LSP protocol"): the agent's patches, inline ask, undoing a hunk, a checkpoint undo or redo.
 * vscode-languageclient 9 has no middleware for that request, so {@link AgentEdits.register}
 * answers it in place of the client's own handler, the same way (the same document-version check,
 * the client's protocol-to-code conversion, `workspace.applyEdit`), and then saves every edited
 * document that had no unsaved changes before the edit. A document the user was in the middle of
 * editing stays unsaved (saving it would write the user's half-done edit too); the server tells
 * the model that the change is in the buffer only.
 */
import * as vscode from "vscode";
import type { DisposableLike } from "./rpc/connection";

/** The parts of LSP's `WorkspaceEdit` this module reads (vscode-languageserver-protocol's shape). */
export interface LspWorkspaceEdit {
  changes?: Record<string, unknown[]>;
  documentChanges?: (
    | { textDocument: { uri: string; version?: number | null }; edits: unknown[] }
    | { kind: "create"; uri: string }
    | { kind: "rename"; oldUri: string; newUri: string }
    | { kind: "delete"; uri: string }
  )[];
}

/** `workspace/applyEdit` params and result. */
export interface ApplyEditParams {
  label?: string;
  edit: LspWorkspaceEdit;
}
export interface ApplyEditResult {
  applied: boolean;
  failureReason?: string;
}

/** What the handler needs of the language client (`LanguageClient` fits). */
export interface EditClient {
  onRequest(method: string, handler: (params: ApplyEditParams) => Promise<ApplyEditResult>): DisposableLike;
  readonly protocol2CodeConverter: {
    asWorkspaceEdit(edit: never): Promise<vscode.WorkspaceEdit> | vscode.WorkspaceEdit;
    asUri(uri: string): vscode.Uri;
  };
}

/** The URIs whose text an edit changes or creates (a rename's new URI; deleted files are not kept), in order. */
export function editedUris(edit: LspWorkspaceEdit): string[] {
  const uris: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    if ("textDocument" in change) uris.push(change.textDocument.uri);
    else if (change.kind === "create") uris.push(change.uri);
    else if (change.kind === "rename") uris.push(change.newUri);
  }
  uris.push(...Object.keys(edit.changes ?? {}));
  return [...new Set(uris)];
}

/**
 * True when a text edit names a version an open document no longer has (as vscode-languageclient
 * checks: the server planned the edit against other text, so it must not be applied).
 *
 * @param versions the open documents' versions, by URI string (as `asUri(uri).toString()`).
 */
export function versionMismatch(edit: LspWorkspaceEdit, versions: ReadonlyMap<string, number>, asKey: (uri: string) => string): boolean {
  for (const change of edit.documentChanges ?? []) {
    if (!("textDocument" in change)) continue;
    const version = change.textDocument.version;
    if (typeof version !== "number" || version < 0) continue;
    const open = versions.get(asKey(change.textDocument.uri));
    if (open !== undefined && open !== version) return true;
  }
  return false;
}

/** Reads `tandem.saveAgentEdits` (default true) from the "tandem" configuration section. */
export function saveAgentEditsSetting(config: { get<T>(key: string): T | undefined }): boolean {
  return config.get<boolean>("saveAgentEdits") !== false;
}

/** Applies the server's `workspace/applyEdit` requests and saves what they changed. */
export class AgentEdits {
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param save read at each edit: whether to save the edited documents (`tandem.saveAgentEdits`).
   * @param log called with a document that could not be saved, and why.
   */
  constructor(
    private readonly save: () => boolean,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Answer `workspace/applyEdit` on `client` (replaces the client's own handler). */
  register(client: EditClient): DisposableLike {
    return client.onRequest("workspace/applyEdit", (params) => {
      // One edit at a time, in the order they came (the conversion is asynchronous).
      const next = this.queue.then(() => this.apply(client, params));
      this.queue = next.catch(() => undefined);
      return next;
    });
  }

  /** Apply one edit; then save the documents it changed that were saved before it. */
  async apply(client: EditClient, params: ApplyEditParams): Promise<ApplyEditResult> {
    const key = (uri: string) => client.protocol2CodeConverter.asUri(uri).toString();
    const open = () => new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const before = open();
    const versions = new Map([...before].map(([uri, doc]) => [uri, doc.version]));
    if (versionMismatch(params.edit, versions, key)) return { applied: false, failureReason: "the document changed since the edit was planned" };
    const converted = await client.protocol2CodeConverter.asWorkspaceEdit(params.edit as never);
    const targets = editedUris(params.edit).map(key);
    const userDirty = new Set(targets.filter((uri) => before.get(uri)?.isDirty));
    const applied = await vscode.workspace.applyEdit(converted);
    if (!applied || !this.save()) return { applied };
    const after = open();
    for (const uri of targets) {
      const doc = after.get(uri);
      if (!doc?.isDirty || userDirty.has(uri)) continue;
      try {
        if (!(await doc.save())) this.log(`could not save ${doc.uri.fsPath} after the agent's edit`);
      } catch (error) {
        this.log(`could not save ${doc.uri.fsPath} after the agent's edit: ${String(error)}`);
      }
    }
    return { applied };
  }
}
