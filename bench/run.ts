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
const HOT_ROUNDS = QUICK ? 2 : 12;
const HOT_PER_BLOCK = QUICK ? 50 : 250;
const HOT_WARMUP = QUICK ? 60 : 600;
const LOAD_RUNS = QUICK ? 3 : 15;
const SERVE_REQUESTS = QUICK ? 200 : 2000;
const COMMAND_SAMPLE = QUICK ? 10 : 50;

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildFunction, functionNames } from "../scripts/build.js";
import { findRedisServer, RedisServer } from "../scripts/redis-server.js";
import { startOpenClawStandin } from "../scripts/standins/openclaw.js";
import { startWechatStandin } from "../scripts/standins/wechat.js";
import { apiEvent } from "../test/support/events.js";
import { bareNode, measureLoads, type ServeResult, serve } from "./functions.js";
import { machineNotes } from "./machine.js";
import { type CommandCount, commandCounter } from "./redis-stats.js";
import { call } from "./rpc.js";
import { fmt, kb, mb, median, quantile } from "./stats.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = {
  ratio: 1.15,
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
}

function summarise(blocks: Block[]) {
  const perBlock = blocks.map((b) => median(b.samples));
  const all = blocks.flatMap((b) => b.samples);
  return {
    median: median(all),
    p90: quantile(all, 0.9),
    blockMedians: perBlock,
    throughput: median(blocks.map((b) => (b.samples.length / b.wallMs) * 1000)),
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
    for (const name of names) files[name] = (await buildFunction(name, out)).file;
    if (!files.chat || !files.login) throw new Error("the bench needs the chat and login functions");

    progress("hot path: chat bundle vs bare baseline, interleaved");
    worker = fork(path.join(HERE, "hot-path-worker.ts"), [], {
      execArgv: ["--import", "tsx"],
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

    progress("Redis commands per request");
    const counter = await commandCounter(redis.url);
    const counts: Record<string, CommandCount> = {};
    const w = worker;
    for (const kind of ["login", "chat-new", "chat-continue", "chat-continue-with-retry-id"]) {
      await call(w, { op: "traffic", kind, n: 3 });
      counts[kind] = await counter.count(COMMAND_SAMPLE, () => call(w, { op: "traffic", kind, n: COMMAND_SAMPLE }));
    }
    counter.stop();

    progress(`load time: ${LOAD_RUNS} fresh processes per function`);
    const node = await bareNode(LOAD_RUNS);
    const loads = await measureLoads(files, LOAD_RUNS);

    progress(`peak RSS: ${SERVE_REQUESTS} requests per function, one at a time`);
    const { tokens, token, conversationId } = await call<{
      tokens: string[];
      token: string;
      conversationId: string;
    }>(worker, { op: "sessions", n: SERVE_REQUESTS });
    const workloads: Record<string, { what: string; templates: unknown[] }> = {
      health: { what: "health checks", templates: [apiEvent({ path: "/api/health" })] },
      login: {
        what: "logins",
        templates: [
          { ...apiEvent({ method: "POST", path: "/api/auth/wx-login", body: {} }), perRequest: "login-code" },
        ],
      },
      chat: {
        what: "chats",
        templates: [
          apiEvent({
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
          apiEvent({ method: "POST", path: "/api/auth/logout", headers: { "x-wx-session": t } }),
        ),
      },
    };
    const flagRuns: Array<{ name: string; flags: string[] }> = [
      { name: "default", flags: [] },
      { name: "--max-semi-space-size=1", flags: ["--max-semi-space-size=1"] },
      {
        name: "--max-semi-space-size=1 --max-old-space-size=24",
        flags: ["--max-semi-space-size=1", "--max-old-space-size=24"],
      },
    ];
    const served: Array<{ name: string; what: string; flags: string; result: ServeResult }> = [];
    for (const name of names) {
      const work = workloads[name];
      const file = files[name];
      if (!work || !file) continue;
      const variants = name === "chat" ? flagRuns : flagRuns.slice(0, 1);
      for (const v of variants) {
        served.push({
          name,
          what: work.what,
          flags: v.name,
          result: await serve(file, env, work.templates, SERVE_REQUESTS, v.flags),
        });
      }
    }

    const report = render({
      notes,
      ours,
      bare,
      upstreamMs,
      ratio,
      pairRatios,
      counts,
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

type Summary = ReturnType<typeof summarise>;

interface ReportInput {
  notes: ReturnType<typeof machineNotes>;
  ours: Summary;
  bare: Summary;
  upstreamMs: number;
  ratio: number;
  pairRatios: number[];
  counts: Record<string, CommandCount>;
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
  L.push("| | median latency | p90 | median throughput (sequential) |", "|---|---:|---:|---:|");
  L.push(
    `| chat bundle | ${fmt(r.ours.median, 3)} ms | ${fmt(r.ours.p90, 3)} ms | ${fmt(r.ours.throughput, 0)} req/s |`,
  );
  L.push(
    `| bare baseline | ${fmt(r.bare.median, 3)} ms | ${fmt(r.bare.p90, 3)} ms | ${fmt(r.bare.throughput, 0)} req/s |`,
  );
  L.push(`| of which upstream POST (stand-in) | ${fmt(r.upstreamMs, 3)} ms | | |`, "");
  L.push(
    `**Ratio ${fmt(r.ratio, 3)}×** the baseline's median latency (target ≤ ${TARGETS.ratio}×: ${verdict(r.ratio <= TARGETS.ratio)}); ` +
      `per-round ratios ${fmt(Math.min(...r.pairRatios), 3)}–${fmt(Math.max(...r.pairRatios), 3)} ` +
      `(median ${fmt(median(r.pairRatios), 3)}).`,
    "",
  );

  L.push("## Redis commands per request", "");
  L.push(
    `From the server's INFO commandstats after CONFIG RESETSTAT, over ${COMMAND_SAMPLE} warm requests of each kind ` +
      "(scripts already cached). Redis 7 counts the commands inside scripts and MULTI too, so the round trips come from " +
      "the server's MONITOR feed at the same time: each script call, MULTI…EXEC block or standalone command is one.",
    "",
  );
  L.push(
    "| request | round trips | sent (per request) | executed by the server (per request) | target |",
    "|---|---:|---|---|---|",
  );
  for (const [kind, c] of Object.entries(r.counts)) {
    const executed = c.executed.map((e) => `${e.command} ×${fmt(e.perRequest, e.perRequest % 1 ? 2 : 0)}`).join(", ");
    const target = kind.startsWith("chat")
      ? `≤ ${TARGETS.chatRoundTrips}: ${verdict(c.roundTrips <= TARGETS.chatRoundTrips)}`
      : "";
    L.push(
      `| ${kind} | ${fmt(c.roundTrips, c.roundTrips % 1 ? 2 : 0)} | ${c.sent.join(" → ")} | ${executed} | ${target} |`,
    );
  }
  L.push("");

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
    "| function | workload | node flags | RSS before require | after require | peak RSS | end RSS | heap used at end | statuses | target < 60 MB |",
    "|---|---|---|---:|---:|---:|---:|---:|---|---|",
  );
  for (const s of r.served) {
    const x = s.result;
    const statuses = Object.entries(x.statuses)
      .map(([code, count]) => `${code}×${count}`)
      .join(" ");
    L.push(
      `| ${s.name} | ${SERVE_REQUESTS} ${s.what} | ${s.flags} | ${mb(x.bareRss)} | ${mb(x.loadedRss)} | ${mb(x.maxRss)} | ` +
        `${mb(x.endRss)} | ${mb(x.heapUsed)} | ${statuses} | ${verdict(x.maxRss < TARGETS.rssBytes)} |`,
    );
  }
  L.push("");

  L.push("## Cost per 1M chats", "");
  L.push(
    `Inputs (constants at the top of bench/run.ts): ${USD_PER_GBS} USD per GBs, ${USD_PER_10K_INVOCATIONS} USD per ` +
      `10,000 invocations, ${BILLING_GRANULARITY_MS} ms billing granularity (Tencent Cloud SCF list prices; source ` +
      "and date in bench/run.ts). Billed time is the configured memory × the handler's run time, rounded up to the " +
      "granularity; OpenClaw's reply time is billed too, since the function waits for it. The handler time is the " +
      "median measured above; free tier, packages, API Gateway and traffic are not included.",
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
