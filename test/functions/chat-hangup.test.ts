/**
 * A streamed turn the client closes before `done` still reached OpenClaw: it is charged (the
 * upstream's usage, or the estimate of prompt and text received), before the request ends, and
 * stores nothing; its retry id is free again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { request_handler } from "../../functions/chat-stream/index.js";
import { main_handler as conversations } from "../../functions/conversations/index.js";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { jsonHandler } from "../../shared/http/web-server.js";
import { estimateTokens } from "../../shared/limit/estimate.js";
import { quotaWindow } from "../../shared/limit/quota.js";
import type { RedisClient } from "../../shared/redis/client.js";
import { redisKeys } from "../../shared/redis/keys.js";
import { ErrorResponse, StreamDelta } from "../../shared/schemas.js";
import { bodyOf, urlEvent } from "../support/events.js";
import { jsonOf, parseAs } from "../support/json.js";
import { forbidInLogs } from "../support/log-guard.js";
import { type CapturedLogs, captureLogs } from "../support/logs.js";
import { readEvents } from "../support/sse.js";
import {
  inspector,
  keysOfToken,
  setEnv,
  TEST_APPID,
  TEST_OPENCLAW_TOKEN,
  TEST_SECRET,
  testRedisEnv,
  uniquePrefix,
} from "../support/stack.js";
import { loginAs } from "../support/users.js";

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let server: Server;
let redis: RedisClient;
let logs: CapturedLogs;
let base = "";
let prefix = "";
/** The last request's handler: it has returned once the request is over for the function. */
let handled: Promise<void> = Promise.resolve();

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin({ token: TEST_OPENCLAW_TOKEN, streamDelayMs: 5 });
  server = createServer((req, res) => {
    handled = request_handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redis = inspector();
  logs = captureLogs();
});
afterAll(async () => {
  logs.stop();
  redis.disconnect();
  server.closeAllConnections();
  server.close();
  await Promise.all([wechat.close(), openclaw.close()]);
});
beforeEach(() => {
  prefix = uniquePrefix();
  logs.clear();
  setEnv({
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: prefix,
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: TEST_OPENCLAW_TOKEN,
    OPENCLAW_TIMEOUT_MS: "3000",
    RATE_LIMIT_MAX: "20",
    HISTORY_ENABLED: "true",
    WX_MSG_SEC_CHECK: "false",
    DAILY_TOKEN_QUOTA: "400",
    GLOBAL_DAILY_TOKEN_QUOTA: "0",
  });
});

const pieces = (reply: string) => reply.match(/.{1,8}/gsu) ?? [reply];

/**
 * Streams a turn and closes the connection once `keep` characters of text have arrived; the
 * stand-in holds the rest back (as a model still writing), so the cut falls before `done`.
 */
async function streamAndHangUp(
  token: string,
  body: Record<string, unknown>,
  keep: number,
  beforeHangUp: () => Promise<void> = async () => {},
): Promise<string> {
  forbidInLogs(String(body.message));
  const controller = new AbortController();
  const res = await fetch(`${base}/api/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wx-session": token },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let raw = "";
  while (text.length < keep) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    raw += decoder.decode(chunk.value, { stream: true });
    text = [...raw.matchAll(/^data: (\{"text".*\})$/gm)].map((m) => parseAs(StreamDelta, m[1] ?? "").text).join("");
  }
  expect(raw).not.toContain("event: done");
  await beforeHangUp();
  controller.abort();
  // The request is over for the function once its handler returns.
  await handled;
  return text;
}

const quotaCounter = async (token: string) =>
  Number((await redis.get(keysOfToken(prefix, token).quota(quotaWindow().day))) ?? 0);

describe("a stream closed before done", () => {
  it("is charged the prompt plus the text received, before the request ends, while the limiter counts it", async () => {
    const token = await loginAs("cut");
    let expected = 0;
    for (let turn = 1; turn <= 5; turn++) {
      const message = `Tell me a story about a cut turn, number ${turn}`;
      const reply = standinReply(message, 1);
      const sent = pieces(reply).slice(0, -1).join("");
      openclaw.queue({ holdAfterDeltas: pieces(reply).length - 1 });
      const seen = await streamAndHangUp(token, { message, conversation_id: null }, sent.length);
      expect(seen).toBe(sent);
      expected += estimateTokens(message) + estimateTokens(sent);
      // Read right after the handler returned: no waiting for a write that comes later.
      expect(await quotaCounter(token)).toBe(expected);
    }
    expect(Number(await redis.get(keysOfToken(prefix, token).rate))).toBe(5);
    // Nothing was stored: no conversation.
    const list = await conversations(urlEvent({ path: "/api/conversations", headers: { "x-wx-session": token } }));
    expect(bodyOf(list).conversations).toEqual([]);
    const charged = logs.lines.filter((l) => l.msg === "cut turn charged");
    expect(charged).toHaveLength(5);
    expect(charged[0]).toMatchObject({ level: "info", cause: "client hung up", estimated: true });
    expect(logs.lines.filter((l) => l.level === "error")).toEqual([]);
  });

  it("is charged the upstream's usage when it arrived before the hang-up, to the global counter too", async () => {
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "1000000" });
    const token = await loginAs("cut-usage");
    const message = "All of the reply, and its usage, then no end";
    const reply = standinReply(message, 1);
    openclaw.queue({ holdBeforeDone: true });
    await streamAndHangUp(token, { message, conversation_id: null }, reply.length, async () => {
      // Everything up to the usage chunk is written before the stand-in holds.
      await expect.poll(() => openclaw.holding).toBe(1);
    });
    // The stand-in's usage: a quarter token per character of prompt and reply, rounded up each.
    expect(await quotaCounter(token)).toBe(Math.ceil(message.length / 4) + Math.ceil(reply.length / 4));
    expect(await redis.get(redisKeys(prefix).globalQuota(quotaWindow().day))).toBe(String(await quotaCounter(token)));
    expect(logs.lines.find((l) => l.msg === "cut turn charged")).toMatchObject({ estimated: false });
  });

  it("frees its retry id: the same request runs again, in full, and is stored once", async () => {
    const token = await loginAs("cut-retry");
    const message = "Retry me after the cut";
    const body = { message, conversation_id: null, client_msg_id: "cut-1" };
    openclaw.queue({ holdAfterDeltas: 1 });
    await streamAndHangUp(token, body, 1);
    const again = await fetch(`${base}/api/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": token },
      body: JSON.stringify(body),
    });
    expect(again.status).toBe(200);
    const events = await readEvents(again);
    expect(events.at(-1)?.event).toBe("done");
    const list = await conversations(urlEvent({ path: "/api/conversations", headers: { "x-wx-session": token } }));
    expect(bodyOf(list).conversations).toHaveLength(1);
  });

  it("uses up the quota like a finished turn: the next request is refused", async () => {
    const token = await loginAs("cut-spend");
    const message = "long ".repeat(330);
    openclaw.queue({ holdAfterDeltas: 2 });
    await streamAndHangUp(token, { message, conversation_id: null }, 16);
    expect(await quotaCounter(token)).toBeGreaterThanOrEqual(400);
    const refused = await fetch(`${base}/api/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": token },
      body: JSON.stringify({ message: "and now?", conversation_id: null }),
    });
    expect(refused.status).toBe(429);
    expect((await jsonOf(refused, ErrorResponse)).code).toBe("quota_exceeded");
  });
});

describe("a stream closed before its first piece", () => {
  it("is charged the prompt's estimate and logged at info with its reason, never as an error", async () => {
    const token = await loginAs("early-leaver");
    const message = "never mind, I am off";
    forbidInLogs(message);
    const calls = openclaw.calls.length;
    openclaw.queue({ hang: true });
    const client = new AbortController();
    const res = fetch(`${base}/api/chat/stream`, {
      method: "POST",
      signal: client.signal,
      headers: { "content-type": "application/json", "x-wx-session": token },
      body: JSON.stringify({ message, conversation_id: null }),
    });
    await expect.poll(() => openclaw.calls.length).toBe(calls + 1);
    client.abort();
    await expect(res).rejects.toThrow();
    await expect.poll(() => logs.lines.some((l) => l.msg === "client hung up")).toBe(true);
    await handled;
    expect(await quotaCounter(token)).toBe(estimateTokens(message));
    expect(logs.lines.find((l) => l.msg === "client hung up")).toMatchObject({
      level: "info",
      reason: "closed before the reply",
      status: 499,
    });
    expect(logs.lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
  });
});

describe("a JSON chat (Web function) whose client left mid-turn", () => {
  it("runs to its end: recorded and charged OpenClaw's usage, as if the client had stayed", async () => {
    const web = jsonHandler(chat);
    let done: Promise<unknown> = Promise.resolve();
    const jsonServer = createServer((req, res) => {
      // The Web server logs what this rejects with (ClientGone) as a hang-up at info.
      done = web(req, res).catch((e: unknown) => e);
    });
    await new Promise<void>((r) => jsonServer.listen(0, "127.0.0.1", r));
    try {
      const token = await loginAs("json-leaver");
      const message = "a question whose asker will not wait";
      forbidInLogs(message);
      const calls = openclaw.calls.length;
      openclaw.queue({ delayMs: 300 });
      const client = new AbortController();
      const res = fetch(`http://127.0.0.1:${(jsonServer.address() as AddressInfo).port}/api/chat`, {
        method: "POST",
        signal: client.signal,
        headers: { "content-type": "application/json", "x-wx-session": token },
        body: JSON.stringify({ message, conversation_id: null }),
      });
      await expect.poll(() => openclaw.calls.length).toBe(calls + 1);
      client.abort();
      await expect(res).rejects.toThrow();
      expect(String(await done)).toContain("client hung up");
      const reply = standinReply(message, 1);
      expect(await quotaCounter(token)).toBe(Math.ceil(message.length / 4) + Math.ceil(reply.length / 4));
      const list = await conversations(urlEvent({ path: "/api/conversations", headers: { "x-wx-session": token } }));
      expect(bodyOf(list).conversations).toHaveLength(1);
    } finally {
      jsonServer.closeAllConnections();
      jsonServer.close();
    }
  });
});
