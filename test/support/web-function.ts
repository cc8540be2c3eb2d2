/** A built SCF Web function (e.g. chat-stream), started as SCF starts it: its scf_bootstrap on PORT. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildFunction } from "../../scripts/build.js";
import { freePort } from "../../scripts/redis-server.js";

export interface WebFunction {
  url: string;
  /** The folder it runs from (server.js, scf_bootstrap, …). */
  dir: string;
  /** Everything the server wrote (its log lines). */
  logs(): string;
  /** The exit code once the process has exited (signal deaths are null), undefined while it runs. */
  exitCode(): number | null | undefined;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
  close(): void;
}

/** Runs the Web function built into `dir` with only `env` (and PATH) in its environment. */
export async function runWebFunction(dir: string, env: Record<string, string>): Promise<WebFunction> {
  const port = await freePort();
  const child = spawn(path.join(dir, "scf_bootstrap"), [], {
    env: { PATH: process.env.PATH ?? "", NODE_BIN: process.execPath, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (c) => {
      code = c;
      resolve(c);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      if (output.includes('"listening"')) resolve();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
    });
    child.once("exit", (code) => reject(new Error(`${dir}: scf_bootstrap exited with ${code}\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    logs: () => output,
    exitCode: () => code,
    exited,
    close: () => {
      child.kill("SIGKILL");
    },
  };
}

/** Builds `name` as a Web function (its functions/<name>/server.ts) into a fresh folder and runs it. */
export async function startWebFunction(name: string, env: Record<string, string>): Promise<WebFunction> {
  const report = await buildFunction(name, mkdtempSync(path.join(tmpdir(), "wxclaw-web-")), "web");
  return runWebFunction(path.dirname(report.file), env);
}
