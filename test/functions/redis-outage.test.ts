/** Redis going away and coming back, with a private server this file may stop and restart. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { main_handler as login } from "../../functions/login/index.js";
import { main_handler as logout } from "../../functions/logout/index.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { closeRedisClients } from "../../shared/redis/client.js";
import { LoginResponse } from "../../shared/schemas.js";
import { bodyAs, bodyOf, urlEvent } from "../support/events.js";
import { RedisCluster, RedisServer } from "../support/redis-server.js";
import { setEnv, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";

const loginEvent = () =>
  urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: `carol:${++n}-${Date.now()}` } });
let n = 0;

interface Target {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const targets: Record<"standalone" | "cluster", () => Promise<Target>> = {
  standalone: async () => {
    const server = await RedisServer.start();
    return { url: server.url, down: () => server.stop(), up: () => server.resume(), stop: () => server.stop() };
  },
  cluster: async () => {
    const cluster = await RedisCluster.start();
    return { url: cluster.url, down: () => cluster.kill(), up: () => cluster.resume(), stop: () => cluster.stop() };
  },
};

describe.each(["standalone", "cluster"] as const)("with Redis unreachable (%s)", (mode) => {
  let target: Target;
  let wechat: WechatStandin;
  let openclaw: OpenClawStandin;

  beforeAll(async () => {
    target = await targets[mode]();
    wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
    openclaw = await startOpenClawStandin();
    setEnv({
      OPENCLAW_BASE_URL: openclaw.url,
      OPENCLAW_TOKEN: undefined,
      REDIS_URL: target.url,
      REDIS_MODE: mode,
      REDIS_KEY_PREFIX: uniquePrefix(),
      WX_APPID: TEST_APPID,
      WX_SECRET: TEST_SECRET,
      WX_API_BASE: wechat.url,
    });
  }, 60_000);
  afterAll(async () => {
    await closeRedisClients();
    await Promise.all([wechat.close(), openclaw.close()]);
    await target.stop();
  });

  it("answers 503 within about a second, then recovers after a restart without reloading", async () => {
    const first = await login(loginEvent());
    expect(first.statusCode).toBe(200);
    const token = bodyAs(first, LoginResponse).sessionKey;
    const chatEvent = (t: string) =>
      urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": t }, body: { message: "ping" } });
    expect((await chat(chatEvent(token))).statusCode).toBe(200);
    const upstreamCalls = openclaw.calls.length;

    await target.down();
    for (const call of [
      () => login(loginEvent()),
      () => logout(urlEvent({ method: "POST", path: "/api/auth/logout", headers: { "x-wx-session": token } })),
      () => chat(chatEvent(token)),
    ]) {
      const t0 = performance.now();
      const res = await call();
      const elapsed = performance.now() - t0;
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res).code).toBe("unavailable");
      expect(elapsed).toBeLessThan(1200);
    }

    await target.up();
    expect(openclaw.calls.length).toBe(upstreamCalls);

    // The server came back empty (no persistence); the very next login and chat must work.
    const res = await login(loginEvent());
    expect(res.statusCode).toBe(200);
    expect((await chat(chatEvent(bodyAs(res, LoginResponse).sessionKey))).statusCode).toBe(200);
  }, 60_000);
});
