/**
 * `GET /api/health?deep=1`: can this function reach Redis and OpenClaw right now? Each check has
 * its own short deadline and they run together, so the answer comes within DEEP_CHECK_MS however
 * the dependencies fail. It is unauthenticated, so one instance answers from its last result for
 * a few seconds instead of letting a loop of requests become a loop of upstream calls.
 */
import { loadConfig } from "../config.js";
import { ApiError } from "../errors.js";
import { fetchText, UpstreamTimeout } from "../net/http-client.js";
import { pingRedis } from "../redis/probe.js";

/** Longest a dependency check may take. */
export const DEEP_CHECK_MS = 2_000;
/** How long one instance reuses its last deep result. */
export const DEEP_REUSE_MS = 5_000;

export interface Check {
  ok: boolean;
  latencyMs: number;
  /** Why it failed, in words safe to show: no address, no secret. */
  problem?: string;
}

export interface DeepReport {
  redis: Check;
  openclaw: Check;
}

async function timed(run: () => Promise<void>): Promise<Check> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    await run();
    return { ok: true, latencyMs: latency() };
  } catch (e) {
    const problem =
      e instanceof UpstreamTimeout ? "no answer before the deadline" : e instanceof Error ? e.message : "failed";
    return { ok: false, latencyMs: latency(), problem };
  }
}

/** A variable of `read`'s group, or "not configured" (its value never reaches the report). */
function setting(read: () => string): string {
  try {
    return read();
  } catch {
    throw new Error("not configured");
  }
}

/** Any HTTP answer below 500 means the gateway is up and listening; 5xx means it is not well. */
async function reachOpenClaw(): Promise<void> {
  const base = setting(() => loadConfig(process.env, ["openclawOrigin"]).OPENCLAW_BASE_URL);
  const res = await fetchText(new URL("/", base), { method: "GET", timeoutMs: DEEP_CHECK_MS });
  if (res.status >= 500) throw new Error(`answered ${res.status}`);
}

async function reachRedis(): Promise<void> {
  await pingRedis(
    setting(() => loadConfig(process.env, ["redis"]).REDIS_URL),
    DEEP_CHECK_MS,
  );
}

let last: { at: number; report: DeepReport } | undefined;

export async function deepCheck(now = Date.now()): Promise<DeepReport> {
  if (last && now >= last.at && now - last.at < DEEP_REUSE_MS) return last.report;
  const [redis, openclaw] = await Promise.all([timed(reachRedis), timed(reachOpenClaw)]);
  const report = { redis, openclaw };
  last = { at: now, report };
  return report;
}

/** 503 with the report when a dependency fails, so monitors that read only the status see it. */
export function assertHealthy(report: DeepReport): void {
  if (report.redis.ok && report.openclaw.ok) return;
  throw new ApiError("unavailable", "A dependency is unreachable.", { body: { checks: report }, logLevel: "warn" });
}
