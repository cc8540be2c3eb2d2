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
import { freePort } from "../../scripts/redis-server.js";
import { type Running, serveOn } from "../../scripts/standins/http.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { devRedis } from "./support/dev-redis";
import { installWx, type WxStandin } from "./support/wx";

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

function phone(chatTimeoutMs = 10_000): { wx: WxStandin; api: ReturnType<typeof createApiClient> } {
  const wx = installWx({ domains: { [API_BASE_URL]: dev.base } });
  const api = createApiClient({
    baseUrl: API_BASE_URL,
    chatTimeoutMs,
    loginTimeoutMs: 10_000,
    storageKey: SESSION_STORAGE_KEY,
  });
  return { wx, api };
}

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

  // Last: it stalls the dev stack's Redis for a few seconds.
  it("says the service is unavailable when the backend's Redis is (503)", async () => {
    const { api } = phone();
    const first = await api.chat({ message: "before", conversation_id: null });
    await redis.call("CLIENT", "PAUSE", "3000", "ALL");
    const err = await failure(api.chat({ message: "during", conversation_id: first.conversation_id }));
    expect(err).toMatchObject({ kind: "unavailable", status: 503, message: MESSAGES.unavailable });
  });
});
