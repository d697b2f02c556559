// Bundles only the chat page (webview/main.ts + webview/styles.css) for the page tests, into
// test-artifacts/webview-build/{webview.js,webview.css}; independent of the extension host's code.
//   node test/webview/build.mjs
import * as esbuild from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const outDir = join(root, "test-artifacts", "webview-build");

export async function buildWebview() {
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, sourcemap: "inline", logLevel: "warning", absWorkingDir: root };
  await esbuild.build({
    ...common,
    entryPoints: ["webview/main.ts"],
    outfile: join(outDir, "webview.js"),
    platform: "browser",
    format: "iife",
    target: "es2022",
  });
  await esbuild.build({ ...common, entryPoints: ["webview/styles.css"], outfile: join(outDir, "webview.css") });
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWebview();
  console.log(`built ${outDir}`);
}
