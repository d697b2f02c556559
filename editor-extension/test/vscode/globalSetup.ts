/**
 * Once per run: install code-server (no-op when present) and build + package the extension.
 * Tests read the outcome with `inject("codeServer")` / `inject("vsix")`. When code-server cannot be
 * installed here (not root and packages missing, or no node 20) they skip and say why; a build
 * failure fails the tests that need the extension (the harness self-test still runs).
 * TANDEM_VSIX=path uses a prebuilt .vsix instead of building one.
 */
import type { TestProject } from "vitest/node";
import { buildVsix, ensureCodeServer, type CodeServerStatus } from "./harness";

export type VsixStatus = { path: string } | { error: string };

declare module "vitest" {
  export interface ProvidedContext {
    codeServer: CodeServerStatus;
    vsix: VsixStatus;
  }
}

export default function setup(project: TestProject): void {
  const started = Date.now();
  const codeServer = ensureCodeServer();
  project.provide("codeServer", codeServer);
  if ("skip" in codeServer) {
    console.warn(`\n[vscode tests] SKIPPED: ${codeServer.skip}\n`);
    project.provide("vsix", { error: "code-server is not installed" });
    return;
  }
  let vsix: VsixStatus;
  try {
    vsix = { path: process.env.TANDEM_VSIX ?? buildVsix() };
  } catch (err) {
    vsix = { error: err instanceof Error ? err.message : String(err) };
  }
  project.provide("vsix", vsix);
  console.log(`[vscode tests] code-server ready, extension ${"path" in vsix ? "packaged" : "NOT built"} in ${Date.now() - started} ms`);
}
