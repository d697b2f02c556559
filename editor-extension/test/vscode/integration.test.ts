/**
 * (a) The integration suite (integration/suite.ts) inside code-server's real extension host:
 * the packaged extension (dist/tandem.vsix) starts `tandem lsp` from the repo's venv against the
 * scripted model server, and the suite drives it through commands and the extension's API.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  bundleSuite,
  extensionTestEnv,
  VSCodeSession,
  waitForResults,
  type ExtensionTestResults,
} from "./harness";
import { integrationScript } from "./scripts";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;
const HERE = path.dirname(new URL(import.meta.url).pathname);

describe.skipIf(skip)(skip ? `extension-host integration (skipped: ${skip})` : "extension-host integration", () => {
  let session: VSCodeSession | undefined;
  let work = "";
  afterAll(async () => {
    await session?.stop();
    if (work && !process.env.TANDEM_VSCODE_KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  it("passes every test of integration/suite.ts in the real extension host", async () => {
    if (!("bin" in codeServer)) return;
    work = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "tandem-integration-"));
    if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
    const suite = await bundleSuite(path.join(HERE, "integration", "suite.ts"), work);
    const resultsFile = path.join(work, "results.json");
    session = await VSCodeSession.start({
      name: "integration",
      codeServer: codeServer.bin,
      vsix: [vsix.path],
      script: integrationScript(),
      env: extensionTestEnv(suite, resultsFile),
    });
    await session.openWorkbench();
    let results: ExtensionTestResults;
    try {
      results = await waitForResults(session, resultsFile, 5 * 60_000);
    } finally {
      await session.screenshot("integration-end.png").catch(() => undefined);
    }
    const report = results.failed.map((f) => `✗ ${f.name}\n${f.error}`).join("\n\n");
    expect(report, `passed: ${results.passed.join(", ")}`).toBe("");
    expect(results.passed).toHaveLength(6);
  });
});
