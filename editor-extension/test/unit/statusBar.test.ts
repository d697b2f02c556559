import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscodeStub"));

import { stub } from "./vscodeStub";
import { formatTokens, statusText, TandemStatusBar, type StatusInput } from "../../src/statusBar";

const base: StatusInput = { connected: true, model: "gpt-5.5", running: false, pendingApprovals: 0, usedTokens: null, contextWindow: null };

beforeEach(() => stub.reset());

describe("status bar", () => {
  it("idle, with the model", () => {
    expect(statusText(base).text).toBe("$(sparkle) gpt-5.5 · idle");
  });

  it("working, with token usage and the context window", () => {
    expect(statusText({ ...base, running: true, usedTokens: 12_345, contextWindow: 272_000 }).text).toBe(
      "$(loading~spin) gpt-5.5 · working · 12k/272k",
    );
  });

  it("the context used of the window, not the cumulative tokens; the total in the tooltip", () => {
    const view = statusText({ ...base, usedTokens: 39_000, contextWindow: 20_000, contextTokens: 17_200 });
    expect(view.text).toBe("$(sparkle) gpt-5.5 · idle · 17k/20k");
    expect(view.tooltip).toContain("Context: 17200 of 20000 tokens");
    expect(view.tooltip).toContain("Tokens used: 39000 in this thread");
  });

  it("awaiting approval wins over working; usage without a context window", () => {
    const view = statusText({ ...base, running: true, pendingApprovals: 2, usedTokens: 950 });
    expect(view.text).toBe("$(bell-dot) gpt-5.5 · awaiting approval · 950 tokens");
    expect(view.state).toBe("awaitingApproval");
    expect(view.tooltip).toContain("2 approval(s) waiting");
  });

  it("stopped when the server is not running; no model -> Tandem", () => {
    expect(statusText({ ...base, connected: false, model: null }).text).toBe("$(debug-disconnect) Tandem · stopped");
  });

  it("formats token counts", () => {
    expect([0, 999, 1000, 1234, 12_345, 272_000, 1_500_000].map(formatTokens)).toEqual(["0", "999", "1k", "1.2k", "12k", "272k", "1.5M"]);
  });

  it("updates the VS Code item (text, tooltip, warning background, click opens the chat)", () => {
    const bar = new TandemStatusBar("tandem.openChat");
    bar.update({ ...base, pendingApprovals: 1 });
    const item = stub.statusItems[0]!;
    expect(item.command).toBe("tandem.openChat");
    expect(item.text).toBe("$(bell-dot) gpt-5.5 · awaiting approval");
    expect(item.backgroundColor).toMatchObject({ id: "statusBarItem.warningBackground" });
    bar.update(base);
    expect(item.backgroundColor).toBeUndefined();
    expect(bar.text).toBe("$(sparkle) gpt-5.5 · idle");
  });
});
