import { defineConfig } from "vitest/config";

// Real-VS-Code tests (code-server + Chromium): `npx vitest run -c vitest.vscode.config.ts`.
// Slow and stateful: one file at a time, in one process, with long timeouts.
export default defineConfig({
  test: {
    include: ["test/vscode/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/vscode/globalSetup.ts"],
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 240_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    retry: 0,
    reporters: ["default"],
  },
});
