/**
 * Built bundles, exercised as SCF runs them: copied alone into an empty folder (no node_modules
 * anywhere above it) and loaded by a fresh Node process.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as z from "zod/mini";
import { buildFunction } from "../../scripts/build.js";
import { parseAs } from "./json.js";

const run = promisify(execFile);

/**
 * Builds `name`'s event bundle (main_handler; chat's Web server wraps the same one) and copies it
 * into a fresh folder; returns the folder.
 */
export async function isolatedBundle(name: string): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), "wxclaw-build-"));
  const report = await buildFunction(name, out, "event");
  const dir = mkdtempSync(path.join(tmpdir(), `wxclaw-${name}-`));
  copyFileSync(report.file, path.join(dir, "index.js"));
  writeFileSync(path.join(dir, "package.json"), '{ "type": "commonjs" }\n');
  return dir;
}

/** What main_handler returns (CONTRACT §3), as the fresh process reports it. */
const FunctionResponse = z.object({
  statusCode: z.number(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

/** Requires the bundle in a new process and returns what main_handler answered to each event. */
export async function invokeInFreshProcess(
  dir: string,
  events: unknown[],
  env: Record<string, string> = {},
): Promise<{ responses: z.infer<typeof FunctionResponse>[]; stdout: string }> {
  const script = `
    const { main_handler } = require("./index.js");
    const events = JSON.parse(process.env.EVENTS);
    (async () => {
      const out = [];
      for (const e of events) out.push(await main_handler(e, { request_id: "scf-test" }));
      process.stderr.write(JSON.stringify(out));
      process.exit(0);
    })();`;
  const { stdout, stderr } = await run(process.execPath, ["-e", script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", EVENTS: JSON.stringify(events), ...env },
  });
  return { responses: parseAs(z.array(FunctionResponse), stderr), stdout };
}
