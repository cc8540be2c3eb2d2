/** Redis round trips per request, counted by the server (a private one: MONITOR sees all clients). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { main_handler as login } from "../../functions/login/index.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { bodyOf, urlEvent } from "../support/events.js";
import { RedisServer } from "../support/redis-server.js";
import { countRoundTrips, type RoundTripCounter } from "../support/round-trips.js";
import { setEnv, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";

let server: RedisServer;
let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let counter: RoundTripCounter;

beforeAll(async () => {
  server = await RedisServer.start();
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin();
  setEnv({
    REDIS_URL: server.url,
    REDIS_KEY_PREFIX: uniquePrefix(),
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: undefined,
  });
  counter = await countRoundTrips(server.url);
});
afterAll(async () => {
  counter.stop();
  await Promise.all([wechat.close(), openclaw.close()]);
  await server.stop();
});

const doLogin = async (code: string) => {
  const res = await login(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code } }));
  return String(bodyOf(res).sessionKey);
};
const doChat = async (token: string, message: string, conversation_id: string | null) => {
  const res = await chat(
    urlEvent({
      method: "POST",
      path: "/api/chat",
      headers: { "x-wx-session": token },
      body: { message, conversation_id },
    }),
  );
  expect(res.statusCode).toBe(200);
  return String(bodyOf(res).conversation_id);
};

describe("Redis round trips on a warm instance", () => {
  it("login costs 2: the limit script and the session MULTI", async () => {
    await doLogin("warm:0"); // loads the scripts into this server's cache
    const m = await counter.measure(() => doLogin("warm:1"));
    expect(m.commands).toEqual(["evalsha", "multi", "hset", "expire", "sadd", "expire", "exec"]);
    expect(m.roundTrips).toBe(2);
  });

  it("chat costs 2 whether it starts or continues a conversation: the gate script, then the turn record", async () => {
    const token = await doLogin("warm:2");
    const id = await doChat(token, "warm-up", null);
    const started = await counter.measure(() => doChat(token, "new one", null));
    expect(started.commands).toEqual(["evalsha", "evalsha"]);
    expect(started.roundTrips).toBe(2);
    const continued = await counter.measure(() => doChat(token, "and again", id));
    expect(continued.commands).toEqual(["evalsha", "evalsha"]);
    expect(continued.roundTrips).toBe(2);
  });
});
