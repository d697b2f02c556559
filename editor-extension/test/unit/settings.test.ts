import { describe, expect, it } from "vitest";
import { readSettings, serverCommandLine, threadStartParams } from "../../src/settings";

const config = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe("settings", () => {
  it("defaults: `tandem lsp`, nothing forced on threads", () => {
    const settings = readSettings(config({}));
    expect(serverCommandLine(settings)).toEqual({ command: "tandem", args: ["lsp"] });
    expect(threadStartParams(settings)).toEqual({});
    expect(settings.modalApprovals).toBe(false);
  });

  it("pythonPath wins over the command; extra args, then the provider and the thread settings", () => {
    const settings = readSettings(
      config({
        "server.command": ["/opt/tandem/bin/tandem", "lsp"],
        "server.pythonPath": "/work/main/.venv/bin/python",
        "server.args": ["--log-file", "/tmp/t.log"],
        provider: "ollama",
        model: "gpt-oss:20b",
        approvalPolicy: "untrusted",
        sandboxMode: "read-only",
      }),
    );
    expect(serverCommandLine(settings)).toEqual({
      command: "/work/main/.venv/bin/python",
      args: ["-m", "tandem.cli", "lsp", "--log-file", "/tmp/t.log", "--provider", "ollama", "--model", "gpt-oss:20b",
        "--approval-policy", "untrusted", "--sandbox", "read-only"],
    });
    expect(threadStartParams(settings, "/ws")).toEqual({
      cwd: "/ws",
      model: "gpt-oss:20b",
      approvalPolicy: "untrusted",
      sandboxMode: "read-only",
    });
  });

  it("uses tandem.server.command when no pythonPath is set", () => {
    const settings = readSettings(config({ "server.command": ["/opt/bin/tandem", "lsp"], provider: "lmstudio" }));
    expect(serverCommandLine(settings)).toEqual({ command: "/opt/bin/tandem", args: ["lsp", "--provider", "lmstudio"] });
  });

  it("ignores invalid values", () => {
    const settings = readSettings(
      config({ "server.command": [], approvalPolicy: "sometimes", sandboxMode: 3, "server.env": { A: "1", B: 2 }, "approvals.modal": "yes" }),
    );
    expect(settings.serverCommand).toEqual(["tandem", "lsp"]);
    expect(settings.approvalPolicy).toBe("");
    expect(settings.sandboxMode).toBe("");
    expect(settings.serverEnv).toEqual({ A: "1" });
    expect(settings.modalApprovals).toBe(false);
    expect(threadStartParams(settings)).toEqual({});
  });
});
