/**
 * Once per run: install code-server (no-op when present) and build + package the extension.
 * Tests read the outcome with `inject("codeServer")` / `inject("vsix")`; when code-server cannot be
 * installed here (not root and packages missing, or no node 20) they skip and say why.
 * TANDEM_VSIX=path uses a prebuilt .vsix instead of building one.
 */
import type { TestProject } from "vitest/node";
import { buildVsix, ensureCodeServer, type CodeServerStatus } from "./harness";

declare module "vitest" {
  export interface ProvidedContext {
    codeServer: CodeServerStatus;
    vsix: string;
  }
}

export default function setup(project: TestProject): void {
  const codeServer = ensureCodeServer();
  project.provide("codeServer", codeServer);
  if ("skip" in codeServer) {
    console.warn(`\n[vscode tests] SKIPPED: ${codeServer.skip}\n`);
    project.provide("vsix", "");
    return;
  }
  project.provide("vsix", process.env.TANDEM_VSIX ?? buildVsix());
}
