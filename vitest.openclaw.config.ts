import { defineConfig } from "vitest/config";

/** `npm run test:openclaw`: our bundles against a real OpenClaw gateway (see README). */
export default defineConfig({
  test: {
    include: ["test/openclaw/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts", "test/openclaw/global-setup.ts"],
    // One gateway per run, and its replies take seconds: generous limits, one file at a time.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
  },
});
