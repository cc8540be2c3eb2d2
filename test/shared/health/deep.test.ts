import http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { main_handler } from "../../../functions/health/index.js";
import { freePort } from "../../../scripts/redis-server.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../../scripts/standins/openclaw.js";
import { DEEP_CHECK_MS, DEEP_REUSE_MS, deepCheck } from "../../../shared/health/deep.js";
import { HealthResponse } from "../../../shared/schemas.js";
import { bodyAs, bodyOf, scfContext, urlEvent } from "../../support/events.js";
import { setEnv, testRedisEnv } from "../../support/stack.js";

let openclaw: OpenClawStandin;
/** A server that accepts connections and never answers: the worst kind of dependency. */
let silent: http.Server;
let silentUrl = "";
/** Each call a moment far from the last, so none reuses an earlier report. */
let clock = 1_000_000_000_000;
const later = () => (clock += DEEP_REUSE_MS * 10);

beforeAll(async () => {
  openclaw = await startOpenClawStandin({});
  silent = http.createServer(() => {});
  silent.listen(0, "127.0.0.1");
  await new Promise((r) => silent.once("listening", r));
  const address = silent.address();
  silentUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  silent.close();
  await openclaw.close();
});

describe("GET /api/health?deep=1", () => {
  it("reports Redis and OpenClaw reachable, with their latency", async () => {
    setEnv({ ...testRedisEnv(), OPENCLAW_BASE_URL: openclaw.url });
    const report = await deepCheck(later());
    expect(report.redis).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(report.openclaw).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
  });

  it("answers 200 with the checks through the function, and a static 200 without deep", async () => {
    setEnv({ ...testRedisEnv(), OPENCLAW_BASE_URL: openclaw.url });
    const deep = await main_handler(urlEvent({ path: "/api/health", query: { deep: "1" } }), scfContext());
    expect(deep.statusCode).toBe(200);
    expect(bodyAs(deep, HealthResponse).checks?.redis.ok).toBe(true);
    const plain = await main_handler(urlEvent({ path: "/api/health" }), scfContext());
    expect(bodyOf(plain)).toEqual({ status: "ok", timestamp: expect.any(Number) });
  });

  it("fails each check within its deadline when a dependency is down or silent, saying why without the address", async () => {
    const closed = await freePort();
    setEnv({ REDIS_URL: `redis://127.0.0.1:${closed}`, OPENCLAW_BASE_URL: silentUrl });
    const started = Date.now();
    const report = await deepCheck(later());
    expect(Date.now() - started).toBeLessThan(DEEP_CHECK_MS * 3);
    expect(report.redis).toMatchObject({ ok: false, problem: "ECONNREFUSED" });
    expect(report.openclaw).toMatchObject({ ok: false, problem: "no answer before the deadline" });
    expect(JSON.stringify(report)).not.toContain(String(closed));
  });

  it("never shows the Redis password, even when the server refuses it", async () => {
    const secret = "s3cret-pa55word-xyz";
    const url = new URL(inject("redisUrl"));
    url.password = secret;
    setEnv({ REDIS_URL: url.toString(), OPENCLAW_BASE_URL: openclaw.url });
    const report = await deepCheck(later());
    expect(report.redis.ok).toBe(false);
    expect(JSON.stringify(report)).not.toContain(secret);
  });

  it("reports an unconfigured dependency as such, and answers 503 unavailable with the checks", async () => {
    setEnv({ REDIS_URL: undefined, OPENCLAW_BASE_URL: undefined });
    const report = await deepCheck(later());
    expect(report.redis).toMatchObject({ ok: false, problem: "not configured" });
    expect(report.openclaw).toMatchObject({ ok: false, problem: "not configured" });
    const res = await main_handler(urlEvent({ path: "/api/health", query: { deep: "1" } }), scfContext());
    // The function's own clock is real time: it may reuse the report above or make its own; both fail.
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toMatchObject({
      code: "unavailable",
      error: expect.any(String),
      checks: { redis: { ok: false } },
    });
  });

  it("reuses one instance's report for a few seconds, so a loop of requests is not a loop of upstream calls", async () => {
    setEnv({ ...testRedisEnv(), OPENCLAW_BASE_URL: openclaw.url });
    const at = later();
    const first = await deepCheck(at);
    setEnv({ REDIS_URL: undefined });
    expect(await deepCheck(at + DEEP_REUSE_MS - 1)).toBe(first);
    expect((await deepCheck(at + DEEP_REUSE_MS)).redis.ok).toBe(false);
  });
});
