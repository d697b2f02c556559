import { defineConfig } from "vitest/config";

// Protocol contract tests: the extension's handler modules against the real `tandem lsp` process.
export default defineConfig({
  test: {
    include: ["test/contract/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
