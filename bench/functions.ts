/**
 * Per function: bundle size, the time to load the bundle in a fresh process (require time inside
 * the child, and the whole process's wall time), and peak RSS while serving a workload one
 * request at a time in a child process, as an SCF instance would.
 */
import { fork, spawn } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { median } from "./stats.js";

/** The line a child prints after loading a bundle. */
const LoadReport = z.object({ requireMs: z.number(), exportsHandler: z.boolean(), rss: z.number() });

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOAD_CHILD = path.join(HERE, "children", "load.cjs");
const SERVE_CHILD = path.join(HERE, "children", "serve.cjs");

export interface LoadResult {
  requireMs: number;
  wallMs: number;
  exportsHandler: boolean;
  loadedRss: number;
}

function loadOnce(file: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [LOAD_CHILD, file], {
      cwd: path.dirname(file),
      env: { PATH: process.env.PATH ?? "", PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`loading ${file} exited ${code}`));
      // A Web function's server may print its own "listening" line beside ours.
      const line = out.split("\n").find((l) => l.includes('"requireMs"')) ?? "{}";
      const r = LoadReport.parse(JSON.parse(line));
      resolve({ requireMs: r.requireMs, wallMs, exportsHandler: r.exportsHandler, loadedRss: r.rss });
    });
  });
}

/** A bare `node` process's wall time and RSS, the floor under every function. */
export async function bareNode(runs: number): Promise<{ wallMs: number; maxRss: number }> {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", "process.stdout.write(String(process.resourceUsage().maxRSS))"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.on("data", (d: Buffer) => {
        text += d.toString();
      });
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    walls.push(performance.now() - t0);
    rss.push(Number(out) * 1024);
  }
  return { wallMs: median(walls), maxRss: median(rss) };
}

export interface LoadSummary {
  name: string;
  bytes: number;
  requireMs: number;
  requireMin: number;
  wallMs: number;
  runs: number;
  exportsHandler: boolean;
}

/** Loads each bundle `runs` times, round-robin, so that machine noise spreads over all alike. */
export async function measureLoads(bundles: Record<string, string>, runs: number): Promise<LoadSummary[]> {
  const results = new Map<string, LoadResult[]>();
  for (let i = 0; i < runs; i++) {
    for (const [name, file] of Object.entries(bundles)) {
      const r = await loadOnce(file);
      results.set(name, [...(results.get(name) ?? []), r]);
    }
  }
  return Object.entries(bundles).map(([name, file]) => {
    const rs = results.get(name) ?? [];
    return {
      name,
      bytes: statSync(file).size,
      requireMs: median(rs.map((r) => r.requireMs)),
      requireMin: Math.min(...rs.map((r) => r.requireMs)),
      wallMs: median(rs.map((r) => r.wallMs)),
      runs: rs.length,
      exportsHandler: rs.every((r) => r.exportsHandler),
    };
  });
}

export interface ServeResult {
  bareRss: number;
  loadedRss: number;
  endRss: number;
  sampledPeak: number;
  maxRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  statuses: Record<string, number>;
  /** Median time per request in that child, to show what a memory setting costs in speed. */
  medianMs: number;
}

export interface MemoryVariant {
  name: string;
  /** Flags on the node command line (NODE_OPTIONS on a platform that honours it). */
  nodeFlags?: string[];
  /** V8 flags the child sets on itself with v8.setFlagsFromString before requiring the bundle. */
  setFlags?: string;
}

/** Serves `n` requests (cycling through `templates`) in a child run as `variant` says. */
export function serve(
  file: string,
  env: Record<string, string>,
  templates: unknown[],
  n: number,
  variant: MemoryVariant = { name: "default" },
): Promise<ServeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SERVE_CHILD, [file], {
      cwd: path.dirname(file),
      env: { PATH: process.env.PATH ?? "", ...env, ...(variant.setFlags ? { BENCH_SET_FLAGS: variant.setFlags } : {}) },
      execArgv: variant.nodeFlags ?? [],
      // Logs go to /dev/null: a real write per line, as on SCF, without flooding the report.
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve(m as ServeResult));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`serving ${file} exited ${code}`));
    });
    child.send({ n, templates });
  });
}
