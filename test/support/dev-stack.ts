/** Runs `npm run dev` (scripts/dev.ts) as a user would, on a free port, with nothing configured. */
import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "../../scripts/build.js";
import { freePort } from "../../scripts/redis-server.js";

export interface DevStack {
  base: string;
  output(): string;
  /** Signals npm's own process (SIGINT, as Ctrl-C, by default) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  child: ChildProcess;
}

/** Spawns `npm run dev`; `env` may override or unset (undefined) variables. */
export function spawnDev(env: Record<string, string | undefined> = {}): { child: ChildProcess; output: () => string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DEV_NO_WATCH: "1" };
  for (const name of [
    "REDIS_URL",
    "REDIS_MODE",
    "WX_APPID",
    "WX_SECRET",
    "WX_API_BASE",
    "OPENCLAW_BASE_URL",
    "OPENCLAW_TOKEN",
    "HOST",
  ]) {
    delete childEnv[name];
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn("npm", ["run", "--silent", "dev"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out };
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
  });

export async function startDevStack(env: Record<string, string | undefined> = {}): Promise<DevStack> {
  const port = await freePort();
  const { child, output } = spawnDev({ PORT: String(port), ...env });
  const deadline = Date.now() + 35_000;
  // The curl session is printed last, once the API answers.
  while (!output().includes("OpenAPI: http")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`dev stack did not start:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    output,
    child,
    stop: (signal = "SIGINT") => {
      const done = exited(child);
      child.kill(signal);
      return done;
    },
  };
}
