/**
 * Self-test of the harness, independent of the Tandem extension: a throwaway extension
 * (fixtures/hook-extension) carrying the same TANDEM_EXTENSION_TESTS hook runs a test module in
 * code-server's real extension host, started by opening the workbench in Chromium.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { extensionTestEnv, packageFixture, VSCodeSession, waitForResults } from "./harness";

const codeServer = inject("codeServer");
const skip = "skip" in codeServer ? codeServer.skip : undefined;
const HERE = path.dirname(new URL(import.meta.url).pathname);

describe.skipIf(skip)(skip ? `harness self-test (skipped: ${skip})` : "harness self-test", () => {
  let session: VSCodeSession | undefined;
  let work = "";
  afterAll(async () => {
    await session?.stop();
    if (work && !process.env.TANDEM_VSCODE_KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  it("runs a test module inside code-server's extension host", async () => {
    if (!("bin" in codeServer)) return;
    work = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "tandem-smoke-"));
    const vsix = packageFixture(path.join(HERE, "fixtures", "hook-extension"), work);
    const results = path.join(work, "results.json");
    session = await VSCodeSession.start({
      name: "smoke",
      codeServer: codeServer.bin,
      vsix: [vsix],
      script: { responses: [{ output: [{ type: "message", text: "unused" }] }] },
      env: extensionTestEnv(path.join(HERE, "integration", "smoke-suite.js"), results),
    });
    await session.openWorkbench();
    const outcome = await waitForResults(session, results, 90_000);
    await session.screenshot("00-smoke-workbench.png");
    expect(outcome.failed).toEqual([]);
    expect(outcome.passed.length).toBe(5);
  });
});
