import { configDefaults, defineConfig } from "vitest/config";
import { luaText } from "./scripts/lua/vite-plugin.js";

export default defineConfig({
  plugins: [luaText],
  test: {
    include: ["test/**/*.test.ts"],
    // Against a real OpenClaw gateway: `npm run test:openclaw` (vitest.openclaw.config.ts).
    exclude: [...configDefaults.exclude, "test/openclaw/**"],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/log-guard.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: suites that stop and start their own Redis must not starve each other.
    maxWorkers: 2,
  },
});
