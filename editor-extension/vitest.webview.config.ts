// The chat page in Chromium (playwright-core + /usr/bin/chromium): npx vitest run -c vitest.webview.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/webview/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
