import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./reviewStub"));

import { fakeDocument, review, stub, Uri, workspace } from "./reviewStub";
import { AgentEdits, editedUris, saveAgentEditsSetting, versionMismatch, type EditClient, type LspWorkspaceEdit } from "../../src/agentEdits";

const A = "file:///ws/a.py";
const B = "file:///ws/b.py";
/** What the server sends for an agent edit of the open a.py (version 1) and b.py (server/tandem/lsp/editor.py). */
const EDIT: LspWorkspaceEdit = {
  documentChanges: [
    { textDocument: { uri: A, version: 1 }, edits: [] },
    { textDocument: { uri: B, version: 1 }, edits: [] },
    { kind: "create", uri: "file:///ws/new.py" },
    { kind: "rename", oldUri: B, newUri: "file:///ws/c.py" },
    { kind: "delete", uri: "file:///ws/gone.py" },
  ],
};

function client() {
  const handlers = new Map<string, (params: never) => Promise<unknown>>();
  const fake: EditClient = {
    onRequest: vi.fn((method: string, handler: (params: never) => Promise<unknown>) => {
      handlers.set(method, handler);
      return { dispose: () => handlers.delete(method) };
    }) as EditClient["onRequest"],
    protocol2CodeConverter: { asWorkspaceEdit: async (edit: never) => ({ converted: edit }) as never, asUri: (uri: string) => Uri.parse(uri) as never },
  };
  return { fake, handlers };
}

beforeEach(() => {
  review.reset();
  vi.mocked(workspace.applyEdit).mockClear();
});

describe("agent edits", () => {
  it("editedUris: the documents an edit writes (a rename's new name; not a deletion)", () => {
    expect(editedUris(EDIT)).toEqual([A, B, "file:///ws/new.py", "file:///ws/c.py"]);
    expect(editedUris({ changes: { [A]: [] } })).toEqual([A]);
  });

  it("versionMismatch: a text edit planned against another version of an open document", () => {
    const key = (u: string) => u;
    expect(versionMismatch(EDIT, new Map([[A, 1]]), key)).toBe(false);
    expect(versionMismatch(EDIT, new Map([[A, 2]]), key)).toBe(true);
    expect(versionMismatch({ documentChanges: [{ textDocument: { uri: A, version: null }, edits: [] }] }, new Map([[A, 9]]), key)).toBe(false);
  });

  it("saveAgentEditsSetting defaults to true", () => {
    expect(saveAgentEditsSetting({ get: () => undefined })).toBe(true);
    expect(saveAgentEditsSetting({ get: <T>() => false as T })).toBe(false);
  });

  it("applies the edit, then saves the documents it changed that had no unsaved edits of the user", async () => {
    const a = fakeDocument(Uri.parse(A), "a\n");
    const b = fakeDocument(Uri.parse(B), "b\n");
    b.isDirty = true; // the user is typing in b.py
    stub.openDocuments = [a, b] as never;
    review.onApplyEdit = () => {
      a.setText("a2\n");
      b.setText("b2\n");
    };
    const { fake, handlers } = client();
    new AgentEdits(() => true).register(fake);
    const result = await handlers.get("workspace/applyEdit")!({ edit: EDIT } as never);
    expect(result).toEqual({ applied: true });
    expect(workspace.applyEdit).toHaveBeenCalledWith({ converted: EDIT });
    expect(review.saved).toEqual([A]);
    expect(b.isDirty).toBe(true);
  });

  it("saves nothing with tandem.saveAgentEdits off, or when the edit was refused", async () => {
    const a = fakeDocument(Uri.parse(A), "a\n");
    stub.openDocuments = [a] as never;
    review.onApplyEdit = () => a.setText("a2\n");
    const { fake } = client();
    expect(await new AgentEdits(() => false).apply(fake, { edit: EDIT })).toEqual({ applied: true });
    a.version = 1;
    review.applyEditResult = false;
    expect(await new AgentEdits(() => true).apply(fake, { edit: EDIT })).toEqual({ applied: false });
    expect(review.saved).toEqual([]);
  });

  it("refuses an edit planned against an older version (never applied)", async () => {
    const a = fakeDocument(Uri.parse(A), "a\n");
    a.version = 3;
    stub.openDocuments = [a] as never;
    const { fake } = client();
    const result = await new AgentEdits(() => true).apply(fake, { edit: EDIT });
    expect(result.applied).toBe(false);
    expect(workspace.applyEdit).not.toHaveBeenCalled();
  });

  it("answers edits one at a time, in order", async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = new Promise<void>((r) => (release = r));
    const { fake, handlers } = client();
    fake.protocol2CodeConverter.asWorkspaceEdit = (async (edit: LspWorkspaceEdit & { label?: string }) => {
      if (edit.label === "one") await first;
      order.push(edit.label ?? "");
      return {} as never;
    }) as never;
    new AgentEdits(() => false).register(fake);
    const handle = handlers.get("workspace/applyEdit")!;
    const one = handle({ edit: { label: "one" } } as never);
    const two = handle({ edit: { label: "two" } } as never);
    release();
    await Promise.all([one, two]);
    expect(order).toEqual(["one", "two"]);
  });
});
