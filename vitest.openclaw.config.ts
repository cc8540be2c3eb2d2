import { defineConfig } from "vitest/config";
import { luaText } from "./scripts/lua/vite-plugin.js";

/** `npm run test:openclaw`: our bundles against a real OpenClaw gateway (docs/testing.md). */
export default defineConfig({
  plugins: [luaText],
  test: {
    include: ["test/openclaw/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts", "test/openclaw/global-setup.ts"],
    // One gateway per run, and its replies take seconds: generous limits, one file at a time.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
  },
});
