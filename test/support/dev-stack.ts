/** Runs `npm run dev` (scripts/dev.ts) as a user would, on a free port, with nothing configured. */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "../../scripts/build.js";
import { freePort } from "../../scripts/redis-server.js";

export interface DevStack {
  base: string;
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

/** Starts the dev stack; `env` may override or unset (undefined) variables. */
export async function startDevStack(env: Record<string, string | undefined> = {}): Promise<DevStack> {
  const port = await freePort();
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEV_NO_WATCH: "1" };
  for (const name of [
    "REDIS_URL",
    "REDIS_MODE",
    "WX_APPID",
    "WX_SECRET",
    "WX_API_BASE",
    "OPENCLAW_BASE_URL",
    "OPENCLAW_TOKEN",
  ]) {
    delete childEnv[name];
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(
    process.execPath,
    [tsxCli, "--import", "./scripts/lua/register.mjs", path.join("scripts", "dev.ts")],
    {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes("[dev] API listening")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`dev stack did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGINT");
      }),
  };
}
