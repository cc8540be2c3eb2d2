/**
 * The Mini Program's API client, run in Node with a `wx` stand-in doing real HTTP against the
 * dev stack (`npm run dev` with nothing configured: private Redis, WeChat and OpenClaw stand-ins).
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientError } from "../../miniprogram/api/errors";
import { API_BASE_URL, SESSION_STORAGE_KEY } from "../../miniprogram/config";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { conversationKeyOf, devRedis, sessionKeyOf } from "./support/dev-redis";
import { captureApp } from "./support/page";
import { newPhone, type Phone } from "./support/phone";
import { startProxy } from "./support/proxy";
import { installWx, storedToken } from "./support/wx";

let dev: DevStack;
let redis: Redis;

beforeAll(async () => {
  dev = await startDevStack();
  redis = devRedis(dev);
}, 40_000);
afterAll(async () => {
  redis?.disconnect();
  await dev?.stop();
});

const phone = (): Phone => newPhone(dev.base);

describe("the Mini Program client against npm run dev", () => {
  it("logs in on the first chat, keeps the session in storage, and returns the reply", async () => {
    const { wx, api } = phone();
    const res = await api.chat({ message: "Hello", conversation_id: null });
    expect(res.reply).toBe("(turn 1) You said: Hello");
    expect(res.conversation_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(res.tokens_used).toBeGreaterThan(0);
    expect(wx.logins).toHaveLength(1);
    expect(wx.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /api/auth/wx-login 200",
      "POST /api/chat 200",
    ]);
    const token = storedToken(wx);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(wx.requestsTo("/api/chat")[0]?.session).toBe(token);
    // The backend's output (its logs) never carries the token.
    expect(dev.output()).not.toContain(token);
  });

  it("continues the conversation on the second turn, without logging in again", async () => {
    const { wx, api } = phone();
    const first = await api.chat({ message: "One", conversation_id: null });
    const second = await api.chat({ message: "Two", conversation_id: first.conversation_id });
    expect(second).toMatchObject({ conversation_id: first.conversation_id, reply: "(turn 2) You said: Two" });
    expect(wx.logins).toHaveLength(1);
  });

  it("renews an expired session transparently: 401, one login, the same turn retried once", async () => {
    const { wx, api } = phone();
    const first = await api.chat({ message: "Before", conversation_id: null });
    const expired = storedToken(wx);
    expect(await redis.del(sessionKeyOf(expired))).toBe(1);

    const second = await api.chat({ message: "After", conversation_id: first.conversation_id });
    expect(second).toMatchObject({ conversation_id: first.conversation_id, reply: "(turn 2) You said: After" });
    expect(wx.logins).toHaveLength(2);
    expect(wx.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      "/api/auth/wx-login 200",
      "/api/chat 200",
      "/api/chat 401",
      "/api/auth/wx-login 200",
      "/api/chat 200",
    ]);
    const renewed = storedToken(wx);
    expect(renewed).not.toBe(expired);
    expect(wx.requestsTo("/api/chat").map((r) => r.session)).toEqual([expired, expired, renewed]);
  });

  it("gives up after one retry when the new session is refused too, and forgets it", async () => {
    // The real backend behind a proxy that deletes the caller's session before each chat request.
    const proxy = await startProxy(dev.base, async ({ path, headers }) => {
      const token = headers["x-wx-session"];
      if (path === "/api/chat" && typeof token === "string") await redis.del(sessionKeyOf(token));
    });
    try {
      const { wx, api } = phone();
      wx.domains[API_BASE_URL] = proxy.url;
      const err = await api.chat({ message: "Hi", conversation_id: null }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ kind: "unauthorized", status: 401, code: "unauthorized" });
      expect(wx.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
        "/api/auth/wx-login 200",
        "/api/chat 401",
        "/api/auth/wx-login 200",
        "/api/chat 401",
      ]);
      // The refused token is not kept: the next attempt starts with a fresh login.
      expect(wx.storage.has(SESSION_STORAGE_KEY)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("shares one login between two concurrent first calls", async () => {
    const { wx, api } = phone();
    const [a, b] = await Promise.all([
      api.chat({ message: "A", conversation_id: null }),
      api.chat({ message: "B", conversation_id: null }),
    ]);
    expect([a.reply, b.reply].sort()).toEqual(["(turn 1) You said: A", "(turn 1) You said: B"]);
    expect(a.conversation_id).not.toBe(b.conversation_id);
    expect(wx.logins).toHaveLength(1);
    expect(wx.requestsTo("/api/auth/wx-login")).toHaveLength(1);
  });

  it("shares one login between two concurrent calls that both find their session expired", async () => {
    const { wx, api } = phone();
    const first = await api.chat({ message: "Start", conversation_id: null });
    await redis.del(sessionKeyOf(storedToken(wx)));
    const [a, b] = await Promise.all([
      api.chat({ message: "X", conversation_id: first.conversation_id }),
      api.chat({ message: "Y", conversation_id: null }),
    ]);
    expect(a.conversation_id).toBe(first.conversation_id);
    expect(b.reply).toBe("(turn 1) You said: Y");
    expect(wx.logins).toHaveLength(2);
    expect(wx.requestsTo("/api/chat").filter((r) => r.status === 401)).toHaveLength(2);
  });

  it("reports a conversation the backend no longer has as not_found", async () => {
    const { api } = phone();
    const first = await api.chat({ message: "Remember me", conversation_id: null });
    expect(await redis.del(await conversationKeyOf(redis, first.conversation_id))).toBe(1);
    await expect(api.chat({ message: "Still there?", conversation_id: first.conversation_id })).rejects.toMatchObject({
      kind: "not_found",
      status: 404,
      code: "not_found",
    });
  });

  it("signs in at app launch, and the first message shares that login instead of starting another", async () => {
    const wx = installWx({ domains: { [API_BASE_URL]: dev.base } });
    const app = await captureApp<{ onLaunch(): void }>(() => import("../../miniprogram/app"));
    const { api } = await import("../../miniprogram/api/index");
    app.onLaunch();
    expect(wx.logins).toHaveLength(1);
    // Sent while that login is still in flight.
    const res = await api.chat({ message: "First words", conversation_id: null });
    expect(res.reply).toBe("(turn 1) You said: First words");
    expect(wx.logins).toHaveLength(1);
    expect(wx.requests.map((r) => r.path)).toEqual(["/api/auth/wx-login", "/api/chat"]);
  });

  it("passes on the backend's sentence when it refuses a message", async () => {
    const { api } = phone();
    const err = await api.chat({ message: "   ", conversation_id: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ kind: "rejected", status: 400, code: "invalid_request" });
    expect((err as ClientError).message).toMatch(/message/);
  });
});
