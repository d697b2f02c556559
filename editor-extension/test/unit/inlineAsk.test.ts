import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { Selection, stub, textDocument, Uri } from "./vscodeStub";
import { askArguments, InlineAsk, waitForTurn } from "../../src/inlineAsk";
import { NotificationRouter } from "../../src/notifications";
import { ThreadStore } from "../../src/threads";
import { fakeRpc } from "./helpers";

const doc = textDocument(Uri.file("/ws/src/app.py"), "import os\n\ndef main():\n    return 1\n");
const editor = (selection: Selection) => ({ document: doc, selection });

beforeEach(() => stub.reset());

describe("inline ask", () => {
  it("uses the selection as the range", () => {
    expect(askArguments(editor(new Selection(2, 0, 3, 12)) as never, "  add types ")).toEqual({
      uri: "file:///ws/src/app.py",
      range: { start: { line: 2, character: 0 }, end: { line: 3, character: 12 } },
      prompt: "add types",
    });
  });

  it("uses the cursor's whole line when nothing is selected", () => {
    expect(askArguments(editor(new Selection(2, 4, 2, 4)) as never, "rename").range).toEqual({
      start: { line: 2, character: 0 },
      end: { line: 2, character: "def main():".length },
    });
  });

  it("runs tandem.ask with {uri, range, prompt}, shows progress, interrupts on cancel, reports failures", async () => {
    const router = new NotificationRouter();
    const store = new ThreadStore();
    router.listen((n) => store.apply(n));
    const { rpc, requests } = fakeRpc({
      "command:tandem.ask": () => {
        // The turn runs while the command's reply is on its way.
        setTimeout(() => {
          router.dispatch("tandem/item/started", { threadId: "t1", turnId: "u1", item: { type: "commandExecution", id: "c1", command: "pytest -q", cwd: "/ws" } });
          stub.progressCancel.fire();
          router.dispatch("tandem/turn/completed", { threadId: "t1", turn: { id: "u1", status: "failed", error: { message: "model unavailable" } } });
        }, 0);
        return { threadId: "t1", turnId: "u1" };
      },
      "tandem/turn/interrupt": () => ({}),
    });
    stub.inputAnswer = "make it faster";
    await new InlineAsk(rpc, router, store, async () => undefined).run(editor(new Selection(2, 0, 3, 0)) as never);
    expect(requests[0]).toEqual({
      method: "command:tandem.ask",
      params: { args: [{ uri: "file:///ws/src/app.py", range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, prompt: "make it faster" }] },
    });
    expect(stub.progressReports).toEqual([{ message: "$ pytest -q" }]);
    expect(requests[1]).toEqual({ method: "tandem/turn/interrupt", params: { threadId: "t1", turnId: "u1" } });
    expect(stub.errors).toEqual(["Tandem: model unavailable"]);
  });

  it("does nothing when the prompt is cancelled", async () => {
    const { rpc, requests } = fakeRpc();
    stub.inputAnswer = undefined;
    await new InlineAsk(rpc, new NotificationRouter(), new ThreadStore(), async () => undefined).run(editor(new Selection(0, 0, 0, 0)) as never);
    expect(requests).toEqual([]);
  });

  it("waitForTurn resolves at once for a turn that already completed", async () => {
    const store = new ThreadStore();
    store.turnStarted("t", { id: "u", status: "completed" });
    const outcome = await waitForTurn(new NotificationRouter(), store, "u", () => undefined);
    expect(outcome.turn.status).toBe("completed");
  });
});
