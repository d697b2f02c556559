/**
 * A static server on 127.0.0.1 for the page tests: `/?theme=light|dark` is a harness page that sets
 * VS Code's theme variables and a webview-like Content-Security-Policy, then loads the built page
 * (`/webview.css`, `/webview.js` from the build directory).
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { THEMES, type ThemeName } from "./themes";

export interface Harness {
  url: string;
  close(): Promise<void>;
}

function harnessHtml(theme: ThemeName, origin: string): string {
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `  ${k}: ${v};`).join("\n");
  const nonce = "tandemtestnonce";
  const csp = [
    "default-src 'none'",
    `img-src ${origin} data:`,
    `style-src ${origin} 'nonce-${nonce}'`,
    `font-src ${origin}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en" data-theme="${theme}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem chat (${theme})</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
:root {
${vars}
}
</style>
<link rel="stylesheet" href="/webview.css">
</head>
<body class="vscode-${theme}">
<div id="app"></div>
<script nonce="${nonce}" src="/webview.js"></script>
</body>
</html>
`;
}

export async function startHarness(buildDir: string): Promise<Harness> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
      try {
        if (url.pathname === "/" || url.pathname === "/index.html") {
          const theme = url.searchParams.get("theme") === "light" ? "light" : "dark";
          res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
          res.end(harnessHtml(theme, origin));
          return;
        }
        const files: Record<string, string> = { "/webview.js": "text/javascript", "/webview.css": "text/css" };
        const type = files[url.pathname];
        if (!type) {
          res.writeHead(404).end();
          return;
        }
        const body = await readFile(join(buildDir, url.pathname.slice(1)));
        res.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
        res.end(body);
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
