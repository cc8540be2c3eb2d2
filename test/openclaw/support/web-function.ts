/** A built SCF Web function (e.g. chat-stream), started as SCF starts it: its scf_bootstrap on PORT. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildFunction } from "../../../scripts/build.js";
import { freePort } from "../../../scripts/redis-server.js";

export interface WebFunction {
  url: string;
  /** Everything the server wrote (its log lines). */
  logs(): string;
  close(): void;
}

export async function startWebFunction(name: string, env: Record<string, string>): Promise<WebFunction> {
  const report = await buildFunction(name, mkdtempSync(path.join(tmpdir(), "wxclaw-web-")));
  const port = await freePort();
  const child = spawn(path.join(path.dirname(report.file), "scf_bootstrap"), [], {
    env: { PATH: process.env.PATH ?? "", NODE_BIN: process.execPath, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      if (output.includes('"listening"')) resolve();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
    });
    child.once("exit", (code) => reject(new Error(`${name}: scf_bootstrap exited with ${code}\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => output,
    close: () => {
      child.kill("SIGKILL");
    },
  };
}
