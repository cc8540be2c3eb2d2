/**
 * `npm run bench`: the numbers teams pay by, measured side by side on this machine, printed as
 * one markdown report and written to bench/RESULTS.md. Not part of `npm test`.
 */

// ── Price inputs (change here) ──────────────────────────────────────────────────────────────
// Tencent Cloud SCF list prices, pay-as-you-go, same for event and web functions. Source:
// Tencent Cloud "SCF Billing Overview" (intl.cloud.tencent.com/document/product/583/17299, page
// last updated 2021-07-13, read 2026-11-25): resource usage 0.0000167 USD/GBs, invocations
// 0.002 USD per 10,000; outbound traffic 0.12 USD/GB in the Chinese mainland (not used here).
// Duration: "Billing Mode" (tencentcloud.com/document/product/583/12285) bills the actual
// execution time instead of rounding up to 100 ms (its example bills 37 ms as 37 ms), i.e. 1 ms.
// Free tier and monthly packages are left out: these are marginal prices.
const USD_PER_GBS = 0.0000167;
const USD_PER_10K_INVOCATIONS = 0.002;
const BILLING_GRANULARITY_MS = 1;
/** A typical model reply time, for the cost rows that include OpenClaw's share (an assumption). */
const MODEL_REPLY_MS = 2000;
// ── Workload sizes (BENCH_QUICK=1 shrinks them, to try the bench itself out) ────────────────
const QUICK = process.env.BENCH_QUICK === "1";
const HOT_ROUNDS = QUICK ? 2 : 20;
const HOT_PER_BLOCK = QUICK ? 50 : 250;
const HOT_WARMUP = QUICK ? 60 : 600;
const LOAD_RUNS = QUICK ? 3 : 15;
const SERVE_REQUESTS = QUICK ? 200 : 2000;
const COMMAND_SAMPLE = QUICK ? 10 : 50;
/** Memory model: how long the upstream holds each turn, the reply's size, waves per level. */
const HOLD_MS = QUICK ? 1000 : 3000;
const REPLY_CHARS = 3000;
const MEMORY_WAVES = QUICK ? 1 : 3;
/** Cost model: arrival rates (chats/s), reply times (s), simulated chats per case. */
const COST_RATES = [1, 10, 100];
const COST_REPLIES_S = [2, 10];
const COST_CHATS = QUICK ? 5000 : 50_000;
/** Turns slower than the claim's renewal interval (2 s), to count the renewals. */
const RENEW_SAMPLE = 3;
const SLOW_UPSTREAM_MS = 4_500;

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLE_OPTIONS, buildFunction, functionNames, ROOT } from "../scripts/build.js";
import { findRedisServer, RedisCluster, RedisServer } from "../scripts/redis-server.js";
import { startOpenClawStandin } from "../scripts/standins/openclaw.js";
import { startWechatStandin } from "../scripts/standins/wechat.js";
import { functions } from "../shared/functions.js";
import { type RouteDef, routes } from "../shared/routes.js";
import { urlEvent } from "../test/support/events.js";
import { simulate } from "./cost-model.js";
import { bareNode, type MemoryVariant, measureLoads, type ServeResult, serve } from "./functions.js";
import { machineNotes } from "./machine.js";
import {
  chooseSetting,
  IN_FLIGHT_LEVELS,
  MARGIN,
  type MemoryPoint,
  measureMemory,
  memoryClassFor,
} from "./memory-model.js";
import { ensureNode18, NODE18_VERSION } from "./node18.js";
import { type CommandCount, commandCounter } from "./redis-stats.js";
import { call } from "./rpc.js";
import { fmt, kb, mb, median, quantile } from "./stats.js";
import { measureWebPath, type PathSummary, startServer } from "./web-path.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = {
  ratio: 1.15,
  webCpuRatio: 1.3,
  concurrencyCostRatio: 8,
  chatRoundTrips: 2,
  bundleBytes: { health: 50 * 1024, other: 250 * 1024 },
  loadMs: 25,
  rssBytes: 60 * 1024 * 1024,
};

const verdict = (ok: boolean) => (ok ? "✅" : "❌ over");
const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

interface Block {
  samples: number[];
  wallMs: number;
  cpuMs: number;
}

function summarise(blocks: Block[]) {
  const perBlock = blocks.map((b) => median(b.samples));
  const all = blocks.flatMap((b) => b.samples);
  return {
    median: median(all),
    p90: quantile(all, 0.9),
    blockMedians: perBlock,
    throughput: median(blocks.map((b) => (b.samples.length / b.wallMs) * 1000)),
    cpuPerRequest: median(blocks.map((b) => b.cpuMs / b.samples.length)),
  };
}

async function main(): Promise<void> {
  const notes = machineNotes(findRedisServer());
  progress(`machine: ${notes.cpu}, ${notes.cores} cores, node ${notes.node}, load ${notes.loadAverage}`);

  const appid = "wx-bench-app";
  const secret = `bench-${randomBytes(8).toString("hex")}`;
  const openclawToken = `oc-bench-${randomBytes(8).toString("hex")}`;
  const redis = await RedisServer.start();
  const wechat = await startWechatStandin({ appid, secret });
  const openclaw = await startOpenClawStandin({ token: openclawToken });
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: "bench:",
    WX_APPID: appid,
    WX_SECRET: secret,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: openclawToken,
    RATE_LIMIT_MAX: "1000000",
    LOGIN_RATE_LIMIT_MAX: "1000000",
    LOG_LEVEL: "info",
  };
  let worker: ChildProcess | undefined;
  try {
    progress("building bundles");
    const names = functionNames();
    const files: Record<string, string> = {};
    // Built outside the repository, so that no node_modules is within reach of `require`.
    const out = mkdtempSync(path.join(tmpdir(), "wxclaw-bench-"));
    // The event bundle of every function with a main_handler (chat's Web server wraps the same
    // one; "Chat over HTTP" below measures it behind that server): these measures call main_handler.
    const kindFor = (name: (typeof names)[number]) =>
      functions[name].routes.some((r) => (routes[r] as RouteDef).stream) ? "web" : "event";
    for (const name of names) files[name] = (await buildFunction(name, out, kindFor(name))).file;
    const reference = await referenceBundle(out);
    if (!files.chat || !files.login) throw new Error("the bench needs the chat and login functions");

    progress("hot path: chat bundle vs bare baseline, interleaved");
    worker = fork(path.join(HERE, "hot-path-worker.ts"), [], {
      execArgv: ["--import", "tsx", "--import", path.join(HERE, "..", "scripts", "lua", "register.mjs")],
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    await call(worker, { op: "setup", chatFile: files.chat, loginFile: files.login });
    const hot = await call<{ a: Block[]; b: Block[]; upstream: number[] }>(worker, {
      op: "measure",
      rounds: HOT_ROUNDS,
      perBlock: HOT_PER_BLOCK,
      warmup: HOT_WARMUP,
    });
    const ours = summarise(hot.a);
    const bare = summarise(hot.b);
    const upstreamMs = median(hot.upstream);
    const ratio = ours.median / bare.median;
    const pairRatios = ours.blockMedians.map((m, i) => m / (bare.blockMedians[i] ?? Number.NaN));

    progress("web path: HTTP into the chat Web function vs a bare node:http server, interleaved");
    const webOut = mkdtempSync(path.join(tmpdir(), "wxclaw-bench-web-"));
    const chatServer = (await buildFunction("chat", webOut, "web")).file;
    const bareServer = await bareServerBundle(webOut);
    const session = await call<{ token: string; conversationId: string }>(worker, { op: "sessions", n: 0 });
    const oursProcess = await startServer(chatServer, env);
    const bareProcess = await startServer(bareServer, env).catch((e: unknown) => {
      oursProcess.stop();
      throw e;
    });
    let webPath: { ours: PathSummary; bare: PathSummary };
    try {
      webPath = await measureWebPath({
        ours: oursProcess,
        bare: bareProcess,
        input: {
          token: session.token,
          conversationId: session.conversationId,
          message: "How long is a piece of string?",
        },
        rounds: HOT_ROUNDS,
        perBlock: HOT_PER_BLOCK,
        warmup: HOT_WARMUP,
      });
    } finally {
      oursProcess.stop();
      bareProcess.stop();
    }

    progress(`memory model: ${IN_FLIGHT_LEVELS.join(", ")} turns in flight, each held ${HOLD_MS} ms`);
    const node18 = await ensureNode18(progress);
    const held = await startOpenClawStandin({
      token: openclawToken,
      replyDelayMs: HOLD_MS,
      replyMinChars: REPLY_CHARS,
    });
    let memory: MemoryPoint[];
    try {
      const { tokens: memoryTokens } = await call<{ tokens: string[] }>(worker, { op: "sessions", n: 100 });
      memory = await measureMemory({
        serverFile: chatServer,
        nodeBin: node18 ?? process.execPath,
        env: { ...env, OPENCLAW_BASE_URL: held.url },
        tokens: memoryTokens,
        waves: MEMORY_WAVES,
      });
    } finally {
      await held.close();
    }
    const memoryNode = node18 ? NODE18_VERSION : `${process.version.slice(1)} (Node 18 not available here)`;

    progress("Redis commands per request");
    const counter = await commandCounter(redis.url);
    const w = worker;
    const counts = await countKinds(w, counter);
    // A turn longer than the renewal interval renews its retry claim: counted apart from the chat's own 2.
    openclaw.queue(...Array.from({ length: RENEW_SAMPLE }, () => ({ delayMs: SLOW_UPSTREAM_MS })));
    counts[`chat-with-retry-id, upstream ${SLOW_UPSTREAM_MS / 1000} s (with renewals)`] = await counter.count(
      RENEW_SAMPLE,
      () => call(w, { op: "traffic", kind: "chat-continue-with-retry-id", n: RENEW_SAMPLE }),
    );
    counter.stop();

    progress("Redis commands per request on a Redis Cluster (3 masters)");
    const cluster = await RedisCluster.start();
    let clusterWorker: ChildProcess | undefined;
    let clusterCounts: Record<string, CommandCount>;
    try {
      clusterWorker = fork(path.join(HERE, "hot-path-worker.ts"), [], {
        execArgv: ["--import", "tsx", "--import", path.join(HERE, "..", "scripts", "lua", "register.mjs")],
        env: { ...process.env, ...env, REDIS_URL: cluster.url, REDIS_MODE: "cluster" },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      await call(clusterWorker, { op: "setup", chatFile: files.chat, loginFile: files.login });
      const nodes = await commandCounter(cluster.ports.map((p) => `redis://127.0.0.1:${p}`));
      clusterCounts = await countKinds(clusterWorker, nodes);
      nodes.stop();
    } finally {
      clusterWorker?.kill();
      await cluster.stop();
    }

    progress(`load time: ${LOAD_RUNS} fresh processes per function`);
    const node = await bareNode(LOAD_RUNS);
    const loads = await measureLoads({ ...files, [REFERENCE]: reference }, LOAD_RUNS);

    progress(`peak RSS: ${SERVE_REQUESTS} requests per function, one at a time`);
    const { tokens, token, conversationId } = await call<{
      tokens: string[];
      token: string;
      conversationId: string;
    }>(worker, { op: "sessions", n: SERVE_REQUESTS });
    const workloads: Record<string, { what: string; templates: unknown[] }> = {
      health: { what: "health checks", templates: [urlEvent({ path: "/api/health" })] },
      login: {
        what: "logins",
        templates: [
          { ...urlEvent({ method: "POST", path: "/api/auth/wx-login", body: {} }), perRequest: "login-code" },
        ],
      },
      chat: {
        what: "chats",
        templates: [
          urlEvent({
            method: "POST",
            path: "/api/chat",
            headers: { "x-wx-session": token },
            body: { message: "How long is a piece of string?", conversation_id: conversationId },
          }),
        ],
      },
      logout: {
        what: "logouts",
        templates: tokens.map((t) =>
          urlEvent({ method: "POST", path: "/api/auth/logout", headers: { "x-wx-session": t } }),
        ),
      },
    };
    const variants: MemoryVariant[] = [
      { name: "default" },
      { name: "node --max-semi-space-size=1", nodeFlags: ["--max-semi-space-size=1"] },
      {
        name: "node --max-semi-space-size=1 --max-old-space-size=32",
        nodeFlags: ["--max-semi-space-size=1", "--max-old-space-size=32"],
      },
      {
        name: "node --max-semi-space-size=1 --max-old-space-size=32 --lite-mode",
        nodeFlags: ["--max-semi-space-size=1", "--max-old-space-size=32", "--lite-mode"],
      },
      {
        name: "in code: v8.setFlagsFromString('--semi-space-growth-factor=1')",
        setFlags: "--semi-space-growth-factor=1",
      },
    ];
    const served: Array<{ name: string; what: string; flags: string; result: ServeResult }> = [];
    for (const name of names) {
      const work = workloads[name];
      const file = files[name];
      if (!work || !file) continue;
      for (const v of name === "chat" || name === "login" ? variants : variants.slice(0, 1)) {
        served.push({
          name,
          what: work.what,
          flags: v.name,
          result: await serve(file, env, work.templates, SERVE_REQUESTS, v),
        });
      }
    }

    const report = render({
      notes,
      webPath,
      memory,
      memoryNode,
      ours,
      bare,
      upstreamMs,
      ratio,
      pairRatios,
      counts,
      clusterCounts,
      node,
      loads,
      served,
    });
    process.stdout.write(report);
    writeFileSync(path.join(HERE, "RESULTS.md"), report);
    progress("written to bench/RESULTS.md");
  } finally {
    worker?.kill();
    await Promise.all([wechat.close(), openclaw.close()]);
    await redis.stop();
  }
}

/** The bare baseline's HTTP server (bench/bare-server.ts), bundled as a function is. */
async function bareServerBundle(outRoot: string): Promise<string> {
  const outfile = path.join(outRoot, "bare-server", "server.js");
  await build({
    entryPoints: [path.join(HERE, "bare-server.ts")],
    outfile,
    ...BUNDLE_OPTIONS,
  });
  writeFileSync(path.join(outRoot, "bare-server", "package.json"), '{ "type": "commonjs" }\n');
  return outfile;
}

const COMMAND_KINDS = ["login", "chat-new", "chat-continue", "chat-continue-with-retry-id", "chat-replay"];

/** Commands and round trips per request of each kind, warm (each kind run a few times first). */
async function countKinds(
  w: ChildProcess,
  counter: Awaited<ReturnType<typeof commandCounter>>,
): Promise<Record<string, CommandCount>> {
  const counts: Record<string, CommandCount> = {};
  for (const kind of COMMAND_KINDS) {
    await call(w, { op: "traffic", kind, n: 3 });
    counts[kind] = await counter.count(COMMAND_SAMPLE, () => call(w, { op: "traffic", kind, n: COMMAND_SAMPLE }));
  }
  return counts;
}

/** Name of the reference row: the Redis client alone, bundled the same way, to show its share. */
const REFERENCE = "(reference: ioredis alone)";

async function referenceBundle(outRoot: string): Promise<string> {
  const outfile = path.join(outRoot, "reference-ioredis", "index.js");
  await build({
    stdin: { contents: 'module.exports = require("ioredis");', resolveDir: ROOT, loader: "js" },
    outfile,
    ...BUNDLE_OPTIONS,
  });
  writeFileSync(path.join(outRoot, "reference-ioredis", "package.json"), '{ "type": "commonjs" }\n');
  return outfile;
}

type Summary = ReturnType<typeof summarise>;

interface ReportInput {
  notes: ReturnType<typeof machineNotes>;
  webPath: { ours: PathSummary; bare: PathSummary };
  memory: MemoryPoint[];
  memoryNode: string;
  ours: Summary;
  bare: Summary;
  upstreamMs: number;
  ratio: number;
  pairRatios: number[];
  counts: Record<string, CommandCount>;
  clusterCounts: Record<string, CommandCount>;
  node: { wallMs: number; maxRss: number };
  loads: Awaited<ReturnType<typeof measureLoads>>;
  served: Array<{ name: string; what: string; flags: string; result: ServeResult }>;
}

function costRows(handlerMs: number, upstreamMs: number) {
  const ourMs = Math.max(0, handlerMs - upstreamMs);
  const scenarios = [
    { label: "our code only (handler − upstream)", ms: ourMs },
    { label: "handler incl. instant stand-in upstream", ms: handlerMs },
    { label: `handler + a ${MODEL_REPLY_MS / 1000} s model reply`, ms: ourMs + MODEL_REPLY_MS },
  ];
  const rows: string[] = [];
  for (const s of scenarios) {
    const billedMs = Math.ceil(s.ms / BILLING_GRANULARITY_MS) * BILLING_GRANULARITY_MS;
    for (const memMb of [64, 128]) {
      const gbs = (memMb / 1024) * (billedMs / 1000);
      const resource = gbs * USD_PER_GBS * 1e6;
      const invocations = USD_PER_10K_INVOCATIONS * 100;
      rows.push(
        `| ${s.label} | ${fmt(s.ms)} → ${billedMs} ms | ${memMb} MB | ${gbs.toExponential(3)} | ${fmt(resource, 3)} | ${fmt(invocations, 3)} | ${fmt(resource + invocations, 3)} |`,
      );
    }
  }
  return rows;
}

/** What dominates the numbers that miss their targets, and what would bring them under. */
function analysis(r: ReportInput): string[] {
  const L: string[] = ["## What dominates, and what it would take", ""];
  const load = (name: string) => r.loads.find((l) => l.name === name);
  const chatLoad = load("chat");
  const ioredis = load(REFERENCE);
  const health = load("health");
  if (chatLoad && ioredis && health) {
    L.push(
      `- **Load time.** The Redis client alone takes ${fmt(ioredis.requireMs, 1)} ms to require (${kb(ioredis.bytes)}), ` +
        `of the chat bundle's ${fmt(chatLoad.requireMs, 1)} ms; health, which bundles no Redis client, loads in ` +
        `${fmt(health.requireMs, 1)} ms. ioredis defines a method per Redis command (several hundred) and pulls in ` +
        "tls, dns and its Cluster/Sentinel code at load. Getting every Redis function under 25 ms on this machine " +
        "would take a smaller client (the functions use EVALSHA/EVAL, MULTI/EXEC and a handful of plain commands: a " +
        "RESP client of a few hundred lines), which the project has not chosen to hand-write; lazy-requiring the " +
        "client would only move the same cost into the first invocation. SCF's own cold start (fetching the code, " +
        `starting the runtime) comes on top; a bare \`node\` here takes ${fmt(r.node.wallMs, 1)} ms wall.`,
    );
  }
  for (const fn of ["chat", "login"]) {
    const runs = r.served.filter((s) => s.name === fn);
    const base = runs.find((s) => s.flags === "default")?.result;
    if (!base) continue;
    const under = runs.find((s) => s.result.maxRss < TARGETS.rssBytes);
    L.push(
      `- **Memory (${fn}).** A bare node process peaks at ${mb(r.node.maxRss)}; requiring the bundle brings the ` +
        `process to ${mb(base.loadedRss)}; serving ${SERVE_REQUESTS} ${fn === "chat" ? "chats" : "logins"} one at a time ` +
        `peaks at ${mb(base.maxRss)} although only ${mb(base.heapUsed)} of heap is in use at the end. What grows is ` +
        "V8's, not ours: the young generation's semi-spaces (up to 16 MB each by default), an old space that the " +
        "collector lets grow lazily, and the optimising compiler's code and working memory. Settings tried: " +
        runs
          .map((s) => `${s.flags} → peak ${mb(s.result.maxRss)} at ${fmt(s.result.medianMs, 3)} ms/request`)
          .join("; ") +
        ". " +
        (under
          ? `The lightest setting under 60 MB here: **${under.flags}**. `
          : "None of the settings tried brings the peak under 60 MB on its own. ") +
        "On SCF that means NODE_OPTIONS in the function's environment (Node accepts these flags there; whether SCF's " +
        "Node 18 runtime passes NODE_OPTIONS through was not verifiable offline); the in-code line is the fallback " +
        "where it does not (V8 calls changing flags after start-up unsupported, so it too needs a check on SCF).",
    );
  }
  L.push(
    `- **Hot path.** The chat bundle does, beyond the baseline: two Lua scripts instead of a plain read and write ` +
      "(session + limit + ownership + quota in one, the turn record + history + index in the other), zod parsing of " +
      "the body, one JSON log line written per request, the quota and retry bookkeeping when enabled, and hashing the token and " +
      "openid. Profiling the warm path showed no single hot spot after the configuration cache (the environment was " +
      "parsed with zod on every invocation: 0.1–0.2 ms, now parsed once per value change); what remains is spread " +
      "over those steps and the extra socket writes, each a syscall that competes with redis-server and the " +
      "stand-in for this machine's two cores. Over a real network, where each round trip costs what the baseline " +
      "pays too, the ratio shrinks toward 1.",
  );
  return L;
}

function webPathSection(w: { ours: PathSummary; bare: PathSummary }): string[] {
  const ratio = w.ours.cpuPerRequest / w.bare.cpuPerRequest;
  const pairs = w.ours.blockCpu.map((c, i) => c / (w.bare.blockCpu[i] ?? Number.NaN));
  return [
    "## Chat over HTTP: the chat Web function vs a bare node:http server",
    "",
    "The real serving path: `POST /api/chat` over a kept-alive HTTP connection, one request at a time, into the " +
      "built chat Web function (`server.js`, shared/http/web-server.ts) in its own process, and likewise into a " +
      "bare node:http server doing the baseline's turn (bench/bare-server.ts, bundled the same way). CPU time is the " +
      "server process's own (all threads, from process.cpuUsage() inside it), so the client's work is not counted. " +
      `${HOT_ROUNDS} interleaved rounds (ABAB…) of ${HOT_PER_BLOCK} requests, after ${HOT_WARMUP} warm-up requests per side.`,
    "",
    "| | server CPU per chat (median of rounds) | median latency | p90 |",
    "|---|---:|---:|---:|",
    `| chat Web function | ${fmt(w.ours.cpuPerRequest, 3)} ms | ${fmt(w.ours.medianMs, 3)} ms | ${fmt(w.ours.p90Ms, 3)} ms |`,
    `| bare node:http baseline | ${fmt(w.bare.cpuPerRequest, 3)} ms | ${fmt(w.bare.medianMs, 3)} ms | ${fmt(w.bare.p90Ms, 3)} ms |`,
    "",
    `**CPU ratio ${fmt(ratio, 3)}×** the baseline's (target ≤ ${TARGETS.webCpuRatio}×: ${verdict(ratio <= TARGETS.webCpuRatio)}); ` +
      `per-round ratios ${fmt(Math.min(...pairs), 3)}–${fmt(Math.max(...pairs), 3)} (median ${fmt(median(pairs), 3)}). ` +
      `Latency ratio ${fmt(w.ours.medianMs / w.bare.medianMs, 3)}×.`,
  ];
}

function memorySection(points: MemoryPoint[], node: string): string[] {
  const chosen = chooseSetting(points);
  const L = [
    "## Memory model: one chat Web function with N turns in flight (an estimate)",
    "",
    `The built chat \`server.js\` on Node ${node} (SCF's runtime is Nodejs18.15), a fresh process per level; ` +
      `the OpenClaw stand-in holds every turn ${HOLD_MS / 1000} s and answers about ${REPLY_CHARS / 1000} KB; ` +
      `${MEMORY_WAVES} wave(s) of N turns at once by distinct sessions. Peak RSS is the process's high-water mark ` +
      "(getrusage maxRSS). It is an estimate: SCF's own accounting of an instance's memory (its runtime and " +
      `bootstrap included) is not visible from here. Memory class: the smallest of 64/128/256/512 MB that leaves ` +
      `${MARGIN * 100}% of it over the peak.`,
    "",
    "| turns in flight | RSS idle | peak RSS | statuses | smallest class with margin |",
    "|---:|---:|---:|---|---|",
  ];
  for (const p of points) {
    const statuses = Object.entries(p.statuses)
      .map(([code, n]) => `${code}×${n}`)
      .join(" ");
    const cls = memoryClassFor(p.peakRss);
    L.push(`| ${p.inFlight} | ${mb(p.idleRss)} | ${mb(p.peakRss)} | ${statuses} | ${cls ? `${cls} MB` : "> 512 MB"} |`);
  }
  L.push(
    "",
    `**Chosen default: concurrency ${chosen.concurrency} at ${chosen.memoryMB} MB** (the highest level measured that ` +
      `answered every turn and fits ${chosen.memoryMB} MB with ${MARGIN * 100}% margin; a fuller instance of the same ` +
      "class bills less per chat).",
  );
  return L;
}

function concurrencyCostSection(points: MemoryPoint[]): string[] {
  const chosen = chooseSetting(points);
  const prices = { usdPerGbs: USD_PER_GBS, usdPer10kInvocations: USD_PER_10K_INVOCATIONS };
  const single = memoryClassFor(points[0]?.peakRss ?? 0) ?? 128;
  const settings = [
    { label: "JSON, one request per instance", concurrency: 1, memoryMB: Math.max(single, 128) },
    { label: `JSON, concurrency ${chosen.concurrency}`, concurrency: chosen.concurrency, memoryMB: chosen.memoryMB },
    { label: "streaming (chat-stream), concurrency 1", concurrency: 1, memoryMB: 128 },
  ];
  const L = [
    "## Cost model: chat under request multi-concurrency",
    "",
    `Poisson arrivals (${COST_CHATS.toLocaleString("en")} simulated chats per case, fixed seed), every reply taking the ` +
      `same time; prices as in the last section. With request concurrency on, the time during which an instance's ` +
      "requests overlap is billed once (SCF document 583/123892); each request is still one invocation. SCF documents " +
      "only that up to the limit of requests go to one instance (583/47183), so two packings bound it: **best**, a request " +
      "joins the busiest instance with room; **worst**, it joins the least busy of the warm instances the peak needed. " +
      "Instances: the most in use at once (best) or kept warm (worst); each one beyond what is needed is a cold start " +
      "avoided. An SSE connection holds its instance for the whole reply (583/90617), so streaming gains nothing from " +
      "concurrency.",
    "",
    "| chats/s | reply | setting | memory | packing | GB-s per chat | USD per 1M chats | instances | vs one per instance |",
    "|---:|---:|---|---:|---|---:|---:|---:|---:|",
  ];
  const targets: string[] = [];
  for (const rate of COST_RATES) {
    for (const replyS of COST_REPLIES_S) {
      let baseline = Number.NaN;
      let baseInstances = 0;
      for (const s of settings) {
        for (const packing of s.concurrency === 1 ? (["best"] as const) : (["best", "worst"] as const)) {
          const r = simulate(
            {
              ratePerS: rate,
              replyS,
              concurrency: s.concurrency,
              memoryMB: s.memoryMB,
              packing,
              chats: COST_CHATS,
              seed: 7,
            },
            prices,
          );
          if (Number.isNaN(baseline)) {
            baseline = r.usdPer1M;
            baseInstances = r.instances;
          }
          const ratio = baseline / r.usdPer1M;
          const saved = baseInstances - r.instances;
          L.push(
            `| ${rate} | ${replyS} s | ${s.label} | ${s.memoryMB} MB | ${s.concurrency === 1 ? "—" : packing} | ` +
              `${r.gbsPerChat.toExponential(3)} | ${fmt(r.usdPer1M, 3)} | ${r.instances}${saved > 0 ? ` (${saved} fewer)` : ""} | ${fmt(ratio, 1)}× |`,
          );
          if (rate === 10 && replyS === 2 && s.concurrency > 1) {
            targets.push(`${packing} packing ${fmt(ratio, 1)}× (${verdict(ratio >= TARGETS.concurrencyCostRatio)})`);
          }
        }
      }
    }
  }
  L.push(
    "",
    `**At 10 chats/s with 2 s replies, the JSON path at concurrency ${chosen.concurrency} is cheaper than one request per ` +
      `instance by ${targets.join(", ")}** (target ≥ ${TARGETS.concurrencyCostRatio}×). The floor is the invocation fee ` +
      `alone: ${fmt(USD_PER_10K_INVOCATIONS * 100, 2)} USD per 1M chats.`,
  );
  return L;
}

function render(r: ReportInput): string {
  const L: string[] = [];
  const n = r.notes;
  L.push("# Benchmark results", "");
  L.push(
    `Measured by \`npm run bench\` on ${n.date.slice(0, 10)} (${n.date}). Machine: ${n.cpu}, ${n.cores} cores, ` +
      `${n.memoryGiB} GiB, ${n.os}; Node ${n.node}; redis-server ${n.redis}; load average at start ${n.loadAverage}. ` +
      "Everything runs on this one machine over loopback (a private redis-server, the local OpenClaw and WeChat " +
      "stand-ins answering at once), so the numbers are our own overhead, not network latency.",
    "",
  );

  L.push("## Chat hot path: built bundle vs bare baseline", "");
  L.push(
    `The chat bundle's \`main_handler\` in-process against the bare baseline (one Redis read, one POST to OpenClaw ` +
      `over a kept-alive socket, one Redis write), continuing one conversation, one request at a time. ` +
      `${HOT_ROUNDS} interleaved rounds (ABAB…) of ${HOT_PER_BLOCK} requests each, after ${HOT_WARMUP} warm-up ` +
      "requests per side; logs written to /dev/null as on an instance.",
    "",
  );
  L.push(
    "| | median latency | p90 | median throughput (sequential) | CPU time of the measuring process per request |",
    "|---|---:|---:|---:|---:|",
  );
  for (const [label, x] of [
    ["chat bundle", r.ours],
    ["bare baseline", r.bare],
  ] as const) {
    L.push(
      `| ${label} | ${fmt(x.median, 3)} ms | ${fmt(x.p90, 3)} ms | ${fmt(x.throughput, 0)} req/s | ${fmt(x.cpuPerRequest, 3)} ms |`,
    );
  }
  L.push(`| of which upstream POST (stand-in) | ${fmt(r.upstreamMs, 3)} ms | | | |`, "");
  L.push(
    `**Ratio ${fmt(r.ratio, 3)}×** the baseline's median latency (target ≤ ${TARGETS.ratio}×: ${verdict(r.ratio <= TARGETS.ratio)}); ` +
      `per-round ratios ${fmt(Math.min(...r.pairRatios), 3)}–${fmt(Math.max(...r.pairRatios), 3)} ` +
      `(median ${fmt(median(r.pairRatios), 3)}). CPU time per request, which other load on the machine sways less: ` +
      `${fmt(r.ours.cpuPerRequest / r.bare.cpuPerRequest, 2)}× the baseline's.`,
    "",
  );

  L.push(...webPathSection(r.webPath), "");
  L.push(...memorySection(r.memory, r.memoryNode), "");
  L.push(...concurrencyCostSection(r.memory), "");

  L.push("## Redis commands per request", "");
  L.push(
    `From the server's INFO commandstats after CONFIG RESETSTAT, over ${COMMAND_SAMPLE} warm requests of each kind ` +
      "(scripts already cached). Redis 7 counts the commands inside scripts and MULTI too, so the round trips come from " +
      "the server's MONITOR feed at the same time: each script call, MULTI…EXEC block or standalone command is one.",
    "",
  );
  const table = (counts: Record<string, CommandCount>) => {
    L.push(
      "| request | round trips | sent (per request) | executed by the server (per request) | target |",
      "|---|---:|---|---|---|",
    );
    for (const [kind, c] of Object.entries(counts)) {
      const executed = c.executed.map((e) => `${e.command} ×${fmt(e.perRequest, e.perRequest % 1 ? 2 : 0)}`).join(", ");
      const target =
        kind.startsWith("chat") && !kind.includes("renewals")
          ? `≤ ${TARGETS.chatRoundTrips}: ${verdict(c.roundTrips <= TARGETS.chatRoundTrips)}`
          : "";
      L.push(
        `| ${kind} | ${fmt(c.roundTrips, c.roundTrips % 1 ? 2 : 0)} | ${c.sent.join(" → ")} | ${executed} | ${target} |`,
      );
    }
    L.push("");
  };
  L.push("### Standalone Redis", "");
  table(r.counts);
  L.push(
    `The slow row's turns run ${SLOW_UPSTREAM_MS / 1000} s upstream; the claim on the retry id is renewed every 2 s ` +
      "while they run, so what it shows beyond the chat's own 2 round trips is renewals.",
    "",
  );
  L.push("### Redis Cluster (3 masters, REDIS_MODE=cluster), every node counted", "");
  table(r.clusterCounts);

  L.push("## Per function: size, load time, memory", "");
  L.push(
    `Load: \`require\` of the bundle alone in a fresh \`node\` (no node_modules), timed inside the child with ` +
      `process.hrtime; median of ${LOAD_RUNS} (and the fastest), plus the whole process's wall time (spawn to exit). ` +
      `A bare \`node\` process takes ${fmt(r.node.wallMs, 1)} ms wall and ${mb(r.node.maxRss)} peak RSS here.`,
    "",
  );
  L.push(
    "| function | minified bundle | target | require (median / min) | target | process wall time |",
    "|---|---:|---|---:|---|---:|",
  );
  for (const l of r.loads) {
    if (l.name === REFERENCE) {
      L.push(
        `| ${l.name} | ${kb(l.bytes)} | | ${fmt(l.requireMs, 1)} / ${fmt(l.requireMin, 1)} ms | | ${fmt(l.wallMs, 1)} ms |`,
      );
      continue;
    }
    const budget = l.name === "health" ? TARGETS.bundleBytes.health : TARGETS.bundleBytes.other;
    L.push(
      `| ${l.name} | ${kb(l.bytes)} | < ${kb(budget)} ${verdict(l.bytes < budget)} | ${fmt(l.requireMs, 1)} / ${fmt(l.requireMin, 1)} ms | ` +
        `< ${TARGETS.loadMs} ms ${verdict(l.requireMs < TARGETS.loadMs)} | ${fmt(l.wallMs, 1)} ms |`,
    );
  }
  L.push("");
  L.push(
    `Memory: each function in a child process serving ${SERVE_REQUESTS} requests one at a time; peak RSS is ` +
      "process.resourceUsage().maxRSS (the kernel's high-water mark), with RSS sampled every 50 requests beside it.",
    "",
  );
  L.push(
    "| function | workload | run as | RSS before require | after require | peak RSS | end RSS | heap used at end | median per request | statuses | target < 60 MB |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|",
  );
  for (const s of r.served) {
    const x = s.result;
    const statuses = Object.entries(x.statuses)
      .map(([code, count]) => `${code}×${count}`)
      .join(" ");
    L.push(
      `| ${s.name} | ${SERVE_REQUESTS} ${s.what} | ${s.flags} | ${mb(x.bareRss)} | ${mb(x.loadedRss)} | ${mb(x.maxRss)} | ` +
        `${mb(x.endRss)} | ${mb(x.heapUsed)} | ${fmt(x.medianMs, 3)} ms | ${statuses} | ${verdict(x.maxRss < TARGETS.rssBytes)} |`,
    );
  }
  L.push("");

  L.push(...analysis(r), "");

  L.push("## Cost per 1M chats", "");
  L.push(
    `Inputs (constants at the top of bench/run.ts): ${USD_PER_GBS} USD per GBs, ${USD_PER_10K_INVOCATIONS} USD per ` +
      `10,000 invocations, ${BILLING_GRANULARITY_MS} ms billing granularity (Tencent Cloud SCF list prices; source ` +
      "and date in bench/run.ts). Billed time is the configured memory × the handler's run time, rounded up to the " +
      "granularity; OpenClaw's reply time is billed too, since the function waits for it. The handler time is the " +
      "median measured above; free tier, packages and traffic are not included.",
    "",
  );
  L.push(
    "| billed time | duration | memory | GBs per chat | resource USD / 1M | invocations USD / 1M | total USD / 1M |",
    "|---|---:|---|---:|---:|---:|---:|",
  );
  L.push(...costRows(r.ours.median, r.upstreamMs), "");
  return `${L.join("\n")}\n`;
}

await main();
