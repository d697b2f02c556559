// Bundles the extension (Node, CommonJS, `vscode` external) and the chat webview (browser IIFE).
// The webview entries (webview/main.ts, webview/styles.css) are built when they exist, so the
// extension builds on its own too.
import { existsSync } from "node:fs";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning" };

await esbuild.build({
  ...common,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
});
if (existsSync("webview/main.ts")) {
  await esbuild.build({
    ...common,
    entryPoints: ["webview/main.ts"],
    outfile: "dist/webview.js",
    platform: "browser",
    format: "iife",
    target: "es2022",
  });
} else {
  console.warn("esbuild: webview/main.ts not found; skipping dist/webview.js");
}
if (existsSync("webview/styles.css")) {
  await esbuild.build({ ...common, entryPoints: ["webview/styles.css"], outfile: "dist/webview.css" });
} else if (existsSync("webview/main.ts")) {
  console.warn("esbuild: webview/styles.css not found; skipping dist/webview.css");
}
