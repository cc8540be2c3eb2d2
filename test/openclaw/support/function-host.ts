/**
 * One warm SCF instance of a built bundle: a Node process that loaded `index.js` alone and runs
 * `main_handler` for each event sent to it, one at a time, as SCF does. Each answer comes back
 * with the handler's own duration and the log lines it wrote meanwhile. Environment variables
 * may differ per invocation (functions read process.env each time).
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { isolatedBundle } from "../../support/bundles.js";
import { type LogLine, logLinesIn } from "../../support/logs.js";

export interface Invocation {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** Handler time inside the instance, in milliseconds. */
  ms: number;
  /** JSON log lines the handler wrote to stdout during this invocation. */
  logs: LogLine[];
}

const HOST = `
const { main_handler } = require("./index.js");
const base = { ...process.env };
process.on("disconnect", () => process.exit(0));
process.on("message", async ({ id, event, env }) => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, base, env);
  const out = [];
  const write = process.stdout.write;
  process.stdout.write = (chunk) => { out.push(String(chunk)); return true; };
  const started = performance.now();
  try {
    // SCF gives a string (a UUID); the same kind here.
    const response = await main_handler(event, { request_id: require("node:crypto").randomUUID() });
    process.send({ id, response, ms: performance.now() - started, stdout: out.join("") });
  } catch (e) {
    process.send({ id, error: String(e && e.stack || e), stdout: out.join("") });
  } finally {
    process.stdout.write = write;
  }
});
`;

interface Reply {
  id: number;
  response?: { statusCode: number; headers: Record<string, string>; body: string };
  ms?: number;
  error?: string;
  stdout: string;
}

export interface FunctionHost {
  invoke(event: unknown, env?: Record<string, string>): Promise<Invocation>;
  /** Every log line written so far, raw. */
  allLogs(): string;
  close(): void;
}

/** Builds `name`, copies its bundle alone into a fresh folder and starts an instance on it. */
export async function startFunctionHost(name: string, env: Record<string, string>): Promise<FunctionHost> {
  const dir = await isolatedBundle(name);
  const script = path.join(dir, "host.js");
  writeFileSync(script, HOST);
  const child: ChildProcess = fork(script, [], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let seq = 0;
  let everything = "";
  const pending = new Map<number, (reply: Reply) => void>();
  child.on("message", (reply: Reply) => {
    everything += reply.stdout;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  child.stdout?.on("data", (d) => {
    everything += d;
  });
  child.stderr?.on("data", (d) => {
    everything += d;
  });
  return {
    async invoke(event, perCall = {}) {
      const id = ++seq;
      const reply = await new Promise<Reply>((resolve, reject) => {
        pending.set(id, resolve);
        child.send({ id, event, env: perCall }, (e) => e && reject(e));
      });
      if (!reply.response || reply.ms === undefined) throw new Error(`${name} threw: ${reply.error}`);
      const logs = logLinesIn(reply.stdout);
      return { ...reply.response, ms: reply.ms, logs };
    },
    allLogs: () => everything,
    close: () => {
      child.kill("SIGKILL");
    },
  };
}
