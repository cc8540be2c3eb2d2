/**
 * The real serving path of a Web function: HTTP requests into a built server.js, in its own
 * process, measured from outside. The server's CPU time comes from the process itself (all its
 * threads, through a preloaded probe that answers only when asked), so the client's work is not
 * counted. The bare baseline runs the same way, and the two alternate in blocks (ABAB…).
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../scripts/redis-server.js";
import { call } from "./rpc.js";
import { median } from "./stats.js";

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "children", "cpu-probe.cjs");

export interface Probe {
  cpuUs: number;
  rss: number;
  maxRss: number;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  probe(): Promise<Probe>;
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `file` (a server.js) with `env` and PORT, on `nodeBin`; resolves once it answers HTTP. */
export async function startServer(
  file: string,
  env: Record<string, string>,
  nodeBin = process.execPath,
  nodeFlags: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const child = fork(file, [], {
    cwd: path.dirname(file),
    execPath: nodeBin,
    execArgv: [...nodeFlags, "--require", PROBE],
    env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port) },
    // Logs go to /dev/null: a real write per line, as on SCF, without flooding the report.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const req = http.get(`${url}/`, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
    });
    if (up) break;
    if (i > 300) throw new Error(`${file} did not start listening`);
    await sleep(20);
  }
  return {
    url,
    child,
    probe: () => call<Probe>(child, { op: "probe" }),
    stop: () => {
      child.kill("SIGKILL");
    },
  };
}

export interface ChatCall {
  token: string;
  conversationId: string | null;
  message: string;
}

/** One POST /api/chat as SCF's front end would forward it: its headers added. */
export function postChat(
  url: string,
  agent: http.Agent,
  input: ChatCall,
): Promise<{ status: number; ms: number; body: string }> {
  const body = JSON.stringify({ message: input.message, conversation_id: input.conversationId });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/chat`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-wx-session": input.token,
          "x-scf-request-id": randomUUID(),
          "x-scf-remote-addr": "203.0.113.7",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface PathBlock {
  /** Server CPU time per request in this block, ms. */
  cpuMs: number;
  latencies: number[];
}

export interface PathSummary {
  cpuPerRequest: number;
  blockCpu: number[];
  medianMs: number;
  p90Ms: number;
}

async function block(server: ServerProcess, agent: http.Agent, input: ChatCall, n: number): Promise<PathBlock> {
  const latencies: number[] = [];
  const before = await server.probe();
  for (let i = 0; i < n; i++) {
    const res = await postChat(server.url, agent, input);
    if (res.status !== 200) throw new Error(`${server.url}: ${res.status} ${res.body}`);
    latencies.push(res.ms);
  }
  const after = await server.probe();
  return { cpuMs: (after.cpuUs - before.cpuUs) / 1000 / n, latencies };
}

function summarise(blocks: PathBlock[]): PathSummary {
  const all = blocks.flatMap((b) => b.latencies).sort((a, b) => a - b);
  return {
    cpuPerRequest: median(blocks.map((b) => b.cpuMs)),
    blockCpu: blocks.map((b) => b.cpuMs),
    medianMs: median(all),
    p90Ms: all[Math.floor(all.length * 0.9)] ?? Number.NaN,
  };
}

/** Chat turns one at a time into each server over a kept-alive connection, interleaved. */
export async function measureWebPath(opts: {
  ours: ServerProcess;
  bare: ServerProcess;
  input: ChatCall;
  rounds: number;
  perBlock: number;
  warmup: number;
}): Promise<{ ours: PathSummary; bare: PathSummary }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 3; i++) {
      await block(opts.ours, agent, opts.input, Math.ceil(opts.warmup / 3));
      await block(opts.bare, agent, opts.input, Math.ceil(opts.warmup / 3));
    }
    const a: PathBlock[] = [];
    const b: PathBlock[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      a.push(await block(opts.ours, agent, opts.input, opts.perBlock));
      b.push(await block(opts.bare, agent, opts.input, opts.perBlock));
    }
    return { ours: summarise(a), bare: summarise(b) };
  } finally {
    agent.destroy();
  }
}
