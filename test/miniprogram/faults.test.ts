/**
 * What the client tells the user when things go wrong, against the dev stack started with a
 * limit of 2 chat requests per user and an OpenClaw stand-in this test controls.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../miniprogram/api/client";
import { ClientError, MESSAGES } from "../../miniprogram/api/errors";
import { API_BASE_URL, SESSION_STORAGE_KEY } from "../../miniprogram/config";
import { chatPage } from "../../miniprogram/pages/chat/controller";
import { freePort } from "../../scripts/redis-server.js";
import { type Running, serveOn } from "../../scripts/standins/http.js";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { devRedis } from "./support/dev-redis";
import { instantiate } from "./support/page";
import { newPhone, type Phone } from "./support/phone";
import { chatRequestOf } from "./support/wx";

const OPENCLAW_TOKEN = randomBytes(16).toString("hex");
let openclaw: OpenClawStandin;
let dev: DevStack;
let redis: Redis;
let silent: Running;

beforeAll(async () => {
  openclaw = await startOpenClawStandin({ token: OPENCLAW_TOKEN });
  dev = await startDevStack({
    RATE_LIMIT_MAX: "2",
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN,
    OPENCLAW_TIMEOUT_MS: "1000",
  });
  redis = devRedis(dev);
  // Accepts connections and never answers.
  silent = await serveOn(http.createServer(() => undefined));
}, 40_000);
afterAll(async () => {
  redis?.disconnect();
  await dev?.stop();
  await Promise.all([openclaw?.close(), silent?.close()]);
});

const phone = (chatTimeoutMs = 10_000): Phone => newPhone(dev.base, chatTimeoutMs);

const failure = (p: Promise<unknown>): Promise<ClientError> =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(ClientError);
      return e as ClientError;
    },
  );

describe("the Mini Program client when things go wrong", () => {
  it("says how long to wait when the backend rate-limits (429 with Retry-After)", async () => {
    const { wx, api } = phone();
    const first = await api.chat({ message: "one", conversation_id: null });
    await api.chat({ message: "two", conversation_id: first.conversation_id });
    const err = await failure(api.chat({ message: "three", conversation_id: first.conversation_id }));
    expect(err).toMatchObject({ kind: "rate_limited", status: 429, code: "rate_limited" });
    expect(err.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(err.retryAfterS).toBeLessThanOrEqual(60);
    expect(err.retryAfterS).toBe(Number(wx.requestsTo("/api/chat")[2]?.headers?.["retry-after"]));
    const wait = err.retryAfterS ?? 0;
    expect(err.message).toBe(`Too many requests. Please try again in ${wait < 60 ? `${wait} s` : "1 min"}.`);
    // A 429 is not a session problem: no second login, no retry.
    expect(wx.logins).toHaveLength(1);
    expect(wx.requestsTo("/api/chat")).toHaveLength(3);
  });

  it("says the assistant failed when OpenClaw does (502)", async () => {
    const { api } = phone();
    openclaw.queue({ status: 502, error: { message: "provider exploded", type: "api_error" } });
    const err = await failure(api.chat({ message: "hello", conversation_id: null }));
    expect(err).toMatchObject({ kind: "upstream", status: 502, message: MESSAGES.upstream });
  });

  it("says the assistant took too long when OpenClaw misses the backend's deadline (504)", async () => {
    const { api } = phone();
    openclaw.queue({ hang: true });
    const err = await failure(api.chat({ message: "slow", conversation_id: null }));
    expect(err).toMatchObject({ kind: "upstream_timeout", status: 504, message: MESSAGES.upstream_timeout });
  });

  it("says the server cannot be reached when nothing listens on the domain", async () => {
    const { wx, api } = phone();
    await api.chat({ message: "while up", conversation_id: null });
    wx.domains[API_BASE_URL] = `http://127.0.0.1:${await freePort()}`;
    const err = await failure(api.chat({ message: "while down", conversation_id: null }));
    expect(err).toMatchObject({ kind: "network", message: MESSAGES.network });
    expect(err.status).toBeUndefined();
  });

  it("says the same when the backend is down before the first login", async () => {
    const { wx, api } = phone();
    wx.domains[API_BASE_URL] = `http://127.0.0.1:${await freePort()}`;
    const err = await failure(api.chat({ message: "hello?", conversation_id: null }));
    expect(err).toMatchObject({ kind: "network", message: MESSAGES.network });
    expect(wx.logins).toHaveLength(1);
    expect(wx.requestsTo("/api/chat")).toHaveLength(0);
  });

  it("gives up at its own deadline when the server never answers", async () => {
    const { wx, api } = phone(300);
    await api.chat({ message: "warm", conversation_id: null });
    wx.domains[API_BASE_URL] = silent.url;
    const started = Date.now();
    const err = await failure(api.chat({ message: "anyone?", conversation_id: null }));
    expect(err).toMatchObject({ kind: "timeout", message: MESSAGES.timeout });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("gets the first reply, not a second turn, when it resends a message that timed out on the phone", async () => {
    const { wx, api: impatient } = phone(300);
    await impatient.chat({ message: "warm", conversation_id: null });
    const patient = createApiClient({
      baseUrl: API_BASE_URL,
      chatTimeoutMs: 10_000,
      loginTimeoutMs: 10_000,
      storageKey: SESSION_STORAGE_KEY,
    });
    const upstreamCalls = openclaw.calls.length;
    openclaw.queue({ delayMs: 800 });
    const request = { message: "slow one", conversation_id: null, client_msg_id: "retry-test-1" };
    const err = await failure(impatient.chat(request));
    expect(err.kind).toBe("timeout");
    const again = await patient.chat(request);
    expect(again.reply).toBe("(turn 1) You said: slow one");
    expect(openclaw.calls.length).toBe(upstreamCalls + 1);
    expect(wx.requestsTo("/api/chat").at(-1)?.headers?.["idempotent-replayed"]).toBe("true");
  });

  it("refuses to send anywhere but a registered domain, as WeChat does", async () => {
    const { wx } = phone();
    const api = createApiClient({
      baseUrl: "https://203.0.113.7",
      chatTimeoutMs: 1000,
      loginTimeoutMs: 1000,
      storageKey: SESSION_STORAGE_KEY,
    });
    const err = await failure(api.chat({ message: "hi", conversation_id: null }));
    expect(err).toMatchObject({ kind: "network", cause: "request:fail url not in domain list" });
    expect(wx.requests).toHaveLength(0);
  });

  it("says the assistant failed when OpenClaw fails in the middle of a streamed reply (event: error)", async () => {
    const { api } = phone();
    openclaw.queue({ failAfterDeltas: 1 });
    const deltas: string[] = [];
    const err = await failure(api.chatStream("tell me more", null, { onDelta: (t) => deltas.push(t) }));
    expect(err).toMatchObject({ kind: "upstream", status: 200, code: "upstream_error", message: MESSAGES.upstream });
    // The piece that had arrived was handed over; the failure came after it.
    expect(deltas).toEqual([standinReply("tell me more", 1).slice(0, 8)]);
  });

  it("on the chat page, marks a reply that failed halfway, keeps what had arrived, and resends as a retry", async () => {
    const { wx, api } = phone();
    const toasts: string[] = [];
    const page = instantiate(
      chatPage({
        chat: api.chat,
        chatStream: api.chatStream,
        loadMessages: api.loadMessages,
        toast: (t) => toasts.push(t),
        navigate: () => undefined,
      }),
    );
    openclaw.queue({ failAfterDeltas: 1 });
    page.onInput({ detail: { value: "half an answer" } } as WechatMiniprogram.Input);
    await page.onSend();
    const partial = standinReply("half an answer", 1).slice(0, 8);
    expect(page.data.messages).toMatchObject([
      { role: "user", text: "half an answer", failed: false },
      { role: "assistant", text: partial, streaming: false, failed: true, error: MESSAGES.upstream },
    ]);
    expect(page.data).toMatchObject({ sending: false, streamingId: "", draft: "half an answer" });
    expect(toasts).toEqual([MESSAGES.upstream]);

    // One tap resends it, with the same client_msg_id: the failed attempt released it, so it runs again.
    await page.onSend();
    expect(page.data.messages.map((m) => m.text).slice(2)).toEqual([
      "half an answer",
      standinReply("half an answer", 1),
    ]);
    const ids = wx.requestsTo("/api/chat/stream").map((r) => chatRequestOf(r).client_msg_id);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it("says how long to wait when a streamed turn is rate-limited before its stream starts", async () => {
    const { wx, api } = phone();
    const onDelta = () => undefined;
    const first = await api.chatStream("one", null, { onDelta });
    await api.chatStream("two", first.conversation_id, { onDelta });
    const err = await failure(api.chatStream("three", first.conversation_id, { onDelta }));
    expect(err).toMatchObject({ kind: "rate_limited", status: 429, code: "rate_limited" });
    expect(err.retryAfterS).toBe(Number(wx.requestsTo("/api/chat/stream")[2]?.headers?.["retry-after"]));
  });

  it("says the assistant took too long when OpenClaw sends nothing before the backend's deadline (504)", async () => {
    const { api } = phone();
    openclaw.queue({ hang: true });
    const err = await failure(api.chatStream("slow", null, { onDelta: () => undefined }));
    expect(err).toMatchObject({ kind: "upstream_timeout", status: 504, message: MESSAGES.upstream_timeout });
  });

  it("says the reply was cut off when the stream ends without its last event", async () => {
    // Passes the backend's answer on up to the end of its first event, then ends it cleanly.
    const cutter = await serveOn(
      http.createServer((req, res) => {
        const upstream = http.request(new URL(req.url ?? "/", dev.base), { method: req.method, headers: req.headers });
        upstream.on("response", (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          let seen = "";
          up.on("data", (chunk: Buffer) => {
            seen += chunk.toString("utf8");
            const end = seen.indexOf("\n\n");
            if (end === -1 || res.writableEnded) return;
            res.end(seen.slice(0, end + 2));
            up.destroy();
          });
        });
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      }),
    );
    try {
      const { wx, api } = phone();
      await api.login();
      wx.domains[API_BASE_URL] = cutter.url;
      const deltas: string[] = [];
      const err = await failure(api.chatStream("cut me off", null, { onDelta: (t) => deltas.push(t) }));
      expect(err).toMatchObject({ kind: "interrupted", message: MESSAGES.interrupted });
      expect(deltas).toHaveLength(1);
    } finally {
      await cutter.close();
    }
  });

  it("does not take an HTML page with status 200 for a reply", async () => {
    const page = await serveOn(
      http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html><body>Welcome to nginx!</body></html>");
      }),
    );
    try {
      const { wx, api } = phone();
      await api.login();
      wx.domains[API_BASE_URL] = page.url;
      const err = await failure(api.chatStream("hello?", null, { onDelta: () => undefined }));
      expect(err).toMatchObject({ kind: "bad_response", status: 200 });
    } finally {
      await page.close();
    }
  });

  // Last: it stalls the dev stack's Redis for a few seconds.
  it("says the service is unavailable when the backend's Redis is (503)", async () => {
    const { api } = phone();
    const first = await api.chat({ message: "before", conversation_id: null });
    await redis.call("CLIENT", "PAUSE", "3000", "ALL");
    const err = await failure(api.chat({ message: "during", conversation_id: first.conversation_id }));
    expect(err).toMatchObject({ kind: "unavailable", status: 503, message: MESSAGES.unavailable });
  });
});
