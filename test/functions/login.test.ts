import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main_handler as login } from "../../functions/login/index.js";
import { main_handler as logout } from "../../functions/logout/index.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import type { RedisClient } from "../../shared/redis/client.js";
import { ErrorResponse, LoginResponse } from "../../shared/schemas.js";
import { bodyAs, bodyOf, urlEvent } from "../support/events.js";
import { forbidInLogs } from "../support/log-guard.js";
import {
  inspector,
  keysOfToken,
  setEnv,
  storedKeys,
  TEST_APPID,
  TEST_SECRET,
  testRedisEnv,
  uniquePrefix,
} from "../support/stack.js";

let wechat: WechatStandin;
let redis: RedisClient;
let prefix = "";
let codeSeq = 0;

const freshCode = (user = "alice") => `${user}:code-${++codeSeq}-${Math.random().toString(36).slice(2)}`;
const loginEvent = (body: unknown, remoteAddr: string | null = "198.51.100.1", headers: Record<string, string> = {}) =>
  urlEvent({ method: "POST", path: "/api/auth/wx-login", body, remoteAddr, headers });

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  redis = inspector();
  forbidInLogs(TEST_SECRET);
});
afterAll(async () => {
  await wechat.close();
  redis.disconnect();
});
beforeEach(() => {
  prefix = uniquePrefix();
  wechat.delayMs = 0;
  setEnv({
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: prefix,
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    WX_TIMEOUT_MS: "1000",
    LOGIN_RATE_LIMIT_MAX: "60",
    RATE_LIMIT_WINDOW_S: "60",
    SESSION_TTL_S: "3600",
  });
});

async function loginOk(code = freshCode()) {
  forbidInLogs(code);
  const res = await login(loginEvent({ code }));
  expect(res.statusCode).toBe(200);
  const body = bodyAs(res, LoginResponse);
  forbidInLogs(body.sessionKey);
  return body;
}

describe("POST /api/auth/wx-login", () => {
  it("exchanges a code for a 64-hex session token valid for SESSION_TTL_S", async () => {
    const body = await loginOk();
    expect(body.sessionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(body.expiresIn).toBe(3600);
  });

  it("stores only the token's hash, with the openid and a TTL, and nothing of session_key", async () => {
    const code = freshCode("bob");
    const { sessionKey } = await loginOk(code);
    const hash = createHash("sha256").update(sessionKey).digest("hex");
    const stored = await storedKeys(redis, prefix);
    const session = stored.find((k) => k.key === keysOfToken(prefix, sessionKey).session(hash));
    expect(session).toBeDefined();
    expect(JSON.parse(session?.dump ?? "{}")).toMatchObject({ openid: wechat.openidFor(code) });
    expect(session?.dump).not.toContain("session_key");
    for (const k of stored) {
      expect(k.key).not.toContain(sessionKey);
      expect(k.dump).not.toContain(sessionKey);
      expect(k.ttlMs, k.key).toBeGreaterThan(0);
    }
    expect(session?.ttlMs).toBeLessThanOrEqual(3600_000);
  });

  it("rejects a reused login code with 401 invalid_code", async () => {
    const code = freshCode();
    await loginOk(code);
    const again = await login(loginEvent({ code }));
    expect(again.statusCode).toBe(401);
    expect(bodyOf(again).code).toBe("invalid_code");
  });

  it.each([
    [40029, 401, "invalid_code"],
    [40163, 401, "invalid_code"],
    [40226, 403, "user_blocked"],
    [45011, 429, "rate_limited"],
    [40125, 502, "upstream_error"],
  ])("maps WeChat errcode %i to %i %s", async (errcode, status, code) => {
    wechat.queue({ errcode });
    const res = await login(loginEvent({ code: freshCode() }));
    expect(res.statusCode).toBe(status);
    expect(bodyOf(res).code).toBe(code);
    if (status === 429) expect(res.headers["Retry-After"]).toBe("60");
  });

  it("retries once when WeChat is busy (-1), then succeeds", async () => {
    const before = wechat.calls.length;
    wechat.queue({ errcode: -1 });
    await loginOk();
    expect(wechat.calls.length - before).toBe(2);
  });

  it("answers 502 when WeChat is busy twice", async () => {
    wechat.queue({ errcode: -1 }, { errcode: -1 });
    const res = await login(loginEvent({ code: freshCode() }));
    expect(res.statusCode).toBe(502);
    expect(bodyOf(res).code).toBe("upstream_error");
  });

  it("answers 502 to WeChat garbage, 5xx and a missing openid", async () => {
    wechat.queue({ raw: "<html>oops</html>" }, { raw: "{}", status: 503 }, { raw: '{"session_key":"x"}' });
    for (let i = 0; i < 3; i++) {
      const res = await login(loginEvent({ code: freshCode() }));
      expect(res.statusCode).toBe(502);
    }
  });

  it("answers 502 within its timeout when WeChat is slow or unreachable", async () => {
    setEnv({ WX_TIMEOUT_MS: "300" });
    wechat.queue({ hang: true });
    let t0 = performance.now();
    const slow = await login(loginEvent({ code: freshCode() }));
    expect(slow.statusCode).toBe(502);
    expect(performance.now() - t0).toBeLessThan(1000);

    setEnv({ WX_API_BASE: "http://127.0.0.1:9" });
    t0 = performance.now();
    const down = await login(loginEvent({ code: freshCode() }));
    expect(down.statusCode).toBe(502);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it.each([
    ["missing code", {}],
    ["empty code", { code: "" }],
    ["blank code", { code: "   " }],
    ["non-string code", { code: 42 }],
    ["broken JSON", '{"code": '],
    ["a JSON array", "[]"],
  ])("answers 400 to %s and stores nothing", async (_, body) => {
    const before = wechat.calls.length;
    const res = await login(loginEvent(body));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({ error: expect.any(String), code: "invalid_request" });
    const said = bodyAs(res, ErrorResponse).error;
    if (typeof body === "object") expect(said).toBe("code must be the string wx.login() returned (1–256 characters)");
    else expect(said).toMatch(/JSON/);
    expect(wechat.calls.length).toBe(before);
    expect(await storedKeys(redis, prefix)).toEqual([]);
  });

  it("limits attempts per source IP, counting failures too, with Retry-After and rate-limit headers", async () => {
    setEnv({ LOGIN_RATE_LIMIT_MAX: "3" });
    wechat.queue({ errcode: 40029 });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof login>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await login(loginEvent({ code: freshCode() }, "192.0.2.50"));
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([401, 200, 200, 429]);
    expect(bodyOf(last ?? { body: "{}" }).code).toBe("rate_limited");
    expect(Number(last?.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(last?.headers["RateLimit-Remaining"]).toBe("0");
    expect(last?.headers["RateLimit-Limit"]).toBe("3");
    // Another address is not affected.
    expect((await login(loginEvent({ code: freshCode() }, "192.0.2.51"))).statusCode).toBe(200);
  });

  it("counts by x-scf-remote-addr alone: rotating forwarding headers or requestContext earns no fresh allowance", async () => {
    setEnv({ LOGIN_RATE_LIMIT_MAX: "2" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const spoofed = {
        ...loginEvent({ code: freshCode() }, "198.51.100.77", {
          "X-Forwarded-For": `203.0.113.${i}, 10.0.0.1`,
          "X-Real-IP": `203.0.113.${100 + i}`,
          Forwarded: `for=203.0.113.${200 + i}`,
        }),
        requestContext: { sourceIp: `192.0.2.${i}`, requestId: `rc-${i}` },
      };
      statuses.push((await login(spoofed)).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it("puts requests without a readable client address in one shared bucket", async () => {
    setEnv({ LOGIN_RATE_LIMIT_MAX: "2" });
    const statuses: number[] = [];
    for (const addr of [null, "", "not-an-ip", "1.2.3.4, 5.6.7.8"]) {
      statuses.push((await login(loginEvent({ code: freshCode() }, addr))).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it("counts one client once whatever form its address takes: port, IPv4-mapped IPv6, and an IPv6 /64", async () => {
    setEnv({ LOGIN_RATE_LIMIT_MAX: "2" });
    const v4 = ["198.51.100.88:50123", "::ffff:198.51.100.88", "[::ffff:c633:6458]:443"];
    const v4Statuses = [];
    for (const addr of v4) v4Statuses.push((await login(loginEvent({ code: freshCode() }, addr))).statusCode);
    expect(v4Statuses).toEqual([200, 200, 429]);
    const v6 = ["2001:db8:aa:1::1", "2001:db8:aa:1:ffff:1:2:3", "[2001:db8:aa:1::9]:8080"];
    const v6Statuses = [];
    for (const addr of v6) v6Statuses.push((await login(loginEvent({ code: freshCode() }, addr))).statusCode);
    expect(v6Statuses).toEqual([200, 200, 429]);
    // The next /64 is another subscriber.
    expect((await login(loginEvent({ code: freshCode() }, "2001:db8:aa:2::1"))).statusCode).toBe(200);
  });

  it("is exact under concurrency: 100 parallel attempts at a limit of 10 let exactly 10 through", async () => {
    setEnv({ LOGIN_RATE_LIMIT_MAX: "10" });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => login(loginEvent({ code: freshCode() }, "192.0.2.99"))),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(90);
    for (const k of await storedKeys(redis, prefix)) expect(k.ttlMs, k.key).toBeGreaterThan(0);
  });
});

describe("POST /api/auth/logout", () => {
  const logoutEvent = (token?: string) =>
    urlEvent({ method: "POST", path: "/api/auth/logout", headers: token ? { "x-wx-session": token } : {} });

  it("revokes the token at once: 204, then 401 for that token", async () => {
    const { sessionKey } = await loginOk();
    const other = await loginOk();
    const res = await logout(logoutEvent(sessionKey));
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe("");
    expect((await logout(logoutEvent(sessionKey))).statusCode).toBe(401);
    // Other sessions of the same user stay valid.
    expect((await logout(logoutEvent(other.sessionKey))).statusCode).toBe(204);
  });

  it("answers 401 to a missing or malformed token without touching Redis", async () => {
    for (const token of [undefined, "nope", "g".repeat(64)]) {
      const res = await logout(logoutEvent(token));
      expect(res.statusCode).toBe(401);
      expect(bodyOf(res).code).toBe("unauthorized");
    }
  });
});
