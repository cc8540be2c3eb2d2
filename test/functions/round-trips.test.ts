/** Redis round trips per request, counted by the server (a private one: MONITOR sees all clients). */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { request_handler as chatStream } from "../../functions/chat-stream/index.js";
import { main_handler as login } from "../../functions/login/index.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { closeRedisClients } from "../../shared/redis/client.js";
import { ChatResponse, LoginResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "../support/events.js";
import { RedisCluster, RedisServer } from "../support/redis-server.js";
import { countRoundTrips, type RoundTripCounter } from "../support/round-trips.js";
import { setEnv, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";

const doLogin = async (code: string) => {
  const res = await login(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code } }));
  return bodyAs(res, LoginResponse).sessionKey;
};
const doChat = async (token: string, message: string, conversation_id: string | null, client_msg_id?: string) => {
  const res = await chat(
    urlEvent({
      method: "POST",
      path: "/api/chat",
      headers: { "x-wx-session": token },
      body: { message, conversation_id, client_msg_id },
    }),
  );
  expect(res.statusCode).toBe(200);
  return { id: bodyAs(res, ChatResponse).conversation_id, replayed: res.headers["Idempotent-Replayed"] === "true" };
};

interface Target {
  url: string;
  nodes: string[];
  stop(): Promise<void>;
}

const targets: Record<"standalone" | "cluster", () => Promise<Target>> = {
  standalone: async () => {
    const server = await RedisServer.start();
    return { url: server.url, nodes: [server.url], stop: () => server.stop() };
  },
  cluster: async () => {
    const cluster = await RedisCluster.start();
    return { url: cluster.url, nodes: cluster.ports.map((p) => `redis://127.0.0.1:${p}`), stop: () => cluster.stop() };
  },
};

describe.each(["standalone", "cluster"] as const)("Redis round trips on a warm instance (%s)", (mode) => {
  let target: Target;
  let wechat: WechatStandin;
  let openclaw: OpenClawStandin;
  let counter: RoundTripCounter;

  beforeAll(async () => {
    target = await targets[mode]();
    wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
    openclaw = await startOpenClawStandin();
    setEnv({
      REDIS_URL: target.url,
      REDIS_MODE: mode,
      REDIS_KEY_PREFIX: uniquePrefix(),
      WX_APPID: TEST_APPID,
      WX_SECRET: TEST_SECRET,
      WX_API_BASE: wechat.url,
      OPENCLAW_BASE_URL: openclaw.url,
      OPENCLAW_TOKEN: undefined,
    });
    counter = await countRoundTrips(target.nodes);
  }, 60_000);
  afterAll(async () => {
    counter.stop();
    await closeRedisClients();
    await Promise.all([wechat.close(), openclaw.close()]);
    await target.stop();
  });

  it("login costs 2: the limit script and the session MULTI", async () => {
    await doLogin("warm:0"); // loads the scripts into this server's cache
    const m = await counter.measure(() => doLogin("warm:1"));
    // On a cluster the source IP's counter and the user's keys may sit on different nodes.
    expect([...m.commands].sort()).toEqual(["evalsha", "exec", "expire", "expire", "hset", "multi", "sadd"]);
    expect(m.roundTrips).toBe(2);
  });

  it("chat costs 2 whether it starts or continues a conversation: the gate script, then the turn record", async () => {
    const token = await doLogin("warm:2");
    const { id } = await doChat(token, "warm-up", null);
    const started = await counter.measure(() => doChat(token, "new one", null));
    expect(started.commands).toEqual(["evalsha", "evalsha"]);
    expect(started.roundTrips).toBe(2);
    const continued = await counter.measure(() => doChat(token, "and again", id));
    expect(continued.commands).toEqual(["evalsha", "evalsha"]);
    expect(continued.roundTrips).toBe(2);
  });

  it("chat with a retry id costs 2 too, and its replay costs 1 read, not counted by the limiter", async () => {
    const token = await doLogin("warm:3");
    await doChat(token, "warm-up", null, "warm-id");
    const first = await counter.measure(() => doChat(token, "once", null, "rt-1"));
    expect(first.roundTrips).toBe(2);
    let replayed = false;
    const again = await counter.measure(async () => {
      replayed = (await doChat(token, "once", null, "rt-1")).replayed;
    });
    expect(replayed).toBe(true);
    expect(again.commands).toEqual(["evalsha"]);
  });

  it("with the global cap on, chat sends 4 calls in 2 pairs: gate and global read, record and global charge", async () => {
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "1000000" });
    try {
      const token = await doLogin("warm:4");
      await doChat(token, "warm-up", null);
      const m = await counter.measure(() => doChat(token, "capped", null));
      // Each pair is sent at once (one wait each): on a cluster its two calls go to two slots.
      expect(m.commands).toEqual(["evalsha", "evalsha", "evalsha", "evalsha"]);
    } finally {
      setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: undefined });
    }
  });

  it("a stream the client closes before done costs 2: the gate, then the cut turn's charge", async () => {
    setEnv({ DAILY_TOKEN_QUOTA: "1000000" });
    let handled: Promise<void> = Promise.resolve();
    const server = createServer((req, res) => {
      handled = chatStream(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const token = await doLogin("warm:5");
      await doChat(token, "warm-up", null);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat/stream`;
      const cut = async () => {
        openclaw.queue({ holdAfterDeltas: 1 });
        const controller = new AbortController();
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-wx-session": token },
          body: JSON.stringify({ message: "cut me off", conversation_id: null }),
          signal: controller.signal,
        });
        await res.body?.getReader().read();
        controller.abort();
        await handled;
      };
      await cut(); // loads the charge script into this server's cache
      const m = await counter.measure(cut);
      expect(m.commands).toEqual(["evalsha", "evalsha"]);
      expect(m.roundTrips).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
      setEnv({ DAILY_TOKEN_QUOTA: undefined });
    }
  });
});
