/**
 * Streamed replies and conversation history through the Mini Program's client, in Node with the
 * wx stand-in doing real chunked HTTP against the dev stack (its OpenClaw stand-in streams a
 * reply in 8-character pieces, 40 ms apart, so one reply arrives in several chunks).
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createApiClient } from "../../miniprogram/api/client";
import { ClientError } from "../../miniprogram/api/errors";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { conversationKeyOf, devRedis, sessionKeyOf } from "./support/dev-redis";
import { newPhone, type Phone } from "./support/phone";
import { type ChunkedBody, chatRequestOf, storedToken, type WxStandin } from "./support/wx";

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

const STREAM = "/api/chat/stream";
const CONVERSATION_ID = /^[A-Za-z0-9_-]{22}$/;

const phone = (): Phone => newPhone(dev.base);

/** One streamed turn, with every piece as it came and whether the response was still open then. */
async function streamed(
  wx: WxStandin,
  api: ReturnType<typeof createApiClient>,
  message: string,
  conversationId: string | null,
  clientMsgId?: string,
) {
  const deltas: string[] = [];
  const whileOpen: boolean[] = [];
  const res = await api.chatStream(message, conversationId, {
    clientMsgId,
    onDelta: (text) => {
      deltas.push(text);
      // The wx stand-in sets a request's status only once its response has ended.
      whileOpen.push(wx.requestsTo(STREAM).at(-1)?.status === undefined);
    },
  });
  return { res, deltas, whileOpen };
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

describe("chatStream against npm run dev", () => {
  it("hands over the reply piece by piece while it arrives, and resolves with it whole on done", async () => {
    const { wx, api } = phone();
    const { res, deltas, whileOpen } = await streamed(wx, api, "Hello there, how are you?", null);
    expect(res.reply).toBe(standinReply("Hello there, how are you?", 1));
    expect(deltas.join("")).toBe(res.reply);
    // The stand-in sends 8-character pieces; each is one `delta` event.
    expect(deltas).toEqual(res.reply.match(/.{1,8}/gsu));
    expect(res.conversation_id).toMatch(CONVERSATION_ID);
    expect(res.tokens_used).toBeGreaterThan(0);
    // Streamed, not buffered: the pieces came while the response was still open, in several chunks.
    expect(whileOpen.every(Boolean)).toBe(true);
    await wx.settled();
    const [request] = wx.requestsTo(STREAM);
    expect(request?.chunks).toBeGreaterThan(1);
    expect(request?.headers?.["content-type"]).toMatch(/^text\/event-stream/);
    expect(wx.logins).toHaveLength(1);
  });

  it("continues the conversation on the second turn", async () => {
    const { wx, api } = phone();
    const first = await streamed(wx, api, "One", null);
    const second = await streamed(wx, api, "Two", first.res.conversation_id);
    expect(second.res).toMatchObject({
      conversation_id: first.res.conversation_id,
      reply: standinReply("Two", 2),
    });
    expect(second.deltas.join("")).toBe(second.res.reply);
    expect(wx.logins).toHaveLength(1);
  });

  it("carries Chinese, emoji and ZWJ sequences intact, whatever pieces they arrive in", async () => {
    const { wx, api } = phone();
    const message = "你好，世界！😀 👨‍👩‍👧‍👦 🇨🇳 𠀋";
    const { res, deltas } = await streamed(wx, api, message, null);
    expect(res.reply).toBe(standinReply(message, 1));
    expect(deltas.join("")).toBe(res.reply);
    expect(deltas.join("")).not.toContain("\uFFFD");
  });

  for (const [body, withoutStatus] of [
    ["chunks", true],
    ["data", false],
    ["both", false],
  ] as [ChunkedBody, boolean][]) {
    it(`reads the reply and the backend's errors with the body in ${body}${withoutStatus ? ", headers without a status (DevTools)" : ""}`, async () => {
      const { wx, api } = phone();
      wx.chunkedBody = body;
      wx.headersWithoutStatus = withoutStatus;
      const { res, deltas, whileOpen } = await streamed(wx, api, "Where does the body go?", null);
      expect(res.reply).toBe(standinReply("Where does the body go?", 1));
      expect(deltas.join("")).toBe(res.reply);
      // Without chunk events the reply can only come once the response is complete.
      expect(whileOpen.every((open) => open === (body !== "data"))).toBe(true);

      // A JSON error before the stream: its sentence and code, wherever the platform put the body.
      const err = await failure(api.chatStream("   ", null, { onDelta: () => undefined }));
      expect(err).toMatchObject({ kind: "rejected", status: 400, code: "invalid_request" });
      expect(err.message).toMatch(/message/);
    });
  }

  it("renews an expired session: 401 before the stream, one login, the turn sent again", async () => {
    const { wx, api } = phone();
    const first = await streamed(wx, api, "Before", null);
    const expired = storedToken(wx);
    expect(await redis.del(sessionKeyOf(expired))).toBe(1);

    const second = await streamed(wx, api, "After", first.res.conversation_id);
    expect(second.res).toMatchObject({ conversation_id: first.res.conversation_id, reply: standinReply("After", 2) });
    expect(second.deltas.join("")).toBe(second.res.reply);
    expect(wx.logins).toHaveLength(2);
    await wx.settled();
    expect(wx.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      "/api/auth/wx-login 200",
      `${STREAM} 200`,
      `${STREAM} 401`,
      "/api/auth/wx-login 200",
      `${STREAM} 200`,
    ]);
    // The retry is the same message: the same client_msg_id.
    const [, refused, retried] = wx.requestsTo(STREAM).map((r) => chatRequestOf(r).client_msg_id);
    expect(refused).toMatch(/^[0-9a-z]+-[0-9a-z]{8}$/);
    expect(retried).toBe(refused);
  });

  it("sends the client_msg_id it is given, and a resend with it gets the first reply, not a second turn", async () => {
    const { wx, api } = phone();
    const first = await streamed(wx, api, "Exactly once", null, "stream-once-1");
    const again = await streamed(wx, api, "Exactly once", null, "stream-once-1");
    expect(again.res).toEqual(first.res);
    expect(again.deltas.join("")).toBe(first.res.reply);
    expect(wx.requestsTo(STREAM).map((r) => chatRequestOf(r).client_msg_id)).toEqual([
      "stream-once-1",
      "stream-once-1",
    ]);
    expect(await api.loadMessages(first.res.conversation_id)).toHaveLength(2);
  });

  it("reports a conversation the backend no longer has as not_found, before any piece", async () => {
    const { wx, api } = phone();
    const first = await streamed(wx, api, "Remember me", null);
    expect(await redis.del(await conversationKeyOf(redis, first.res.conversation_id))).toBe(1);
    const deltas: string[] = [];
    const err = await failure(
      api.chatStream("Still there?", first.res.conversation_id, { onDelta: (t) => deltas.push(t) }),
    );
    expect(err).toMatchObject({ kind: "not_found", status: 404, code: "not_found" });
    expect(deltas).toEqual([]);
  });

  it("shows its first piece well before the whole reply (time to first delta vs total, medians of 7)", async () => {
    const { wx, api } = phone();
    await api.login();
    const message = "Please tell me how streaming replies feel on a phone.";
    const firsts: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      let first: number | undefined;
      const res = await api.chatStream(message, null, {
        onDelta: () => {
          first ??= performance.now() - started;
        },
      });
      const total = performance.now() - started;
      expect(res.reply).toBe(standinReply(message, 1));
      expect(first).toBeDefined();
      firsts.push(first ?? Number.NaN);
      totals.push(total);
    }
    const pieces = standinReply(message, 1).match(/.{1,8}/gsu)?.length ?? 0;
    console.info(
      `[stream timing] ${pieces} pieces, 40 ms apart, through npm run dev: time to first delta median ` +
        `${median(firsts).toFixed(0)} ms, whole reply median ${median(totals).toFixed(0)} ms ` +
        `(first: ${firsts.map((t) => t.toFixed(0)).join(", ")}; total: ${totals.map((t) => t.toFixed(0)).join(", ")})`,
    );
    // Order, not speed: every first piece came before its reply was complete.
    for (const [i, first] of firsts.entries()) expect(first).toBeLessThan(totals[i] ?? 0);
    expect(wx.requestsTo(STREAM).every((r) => (r.chunks ?? 0) > 1)).toBe(true);
  });
});

describe("conversation history through the client", () => {
  it("lists the caller's conversations most recently used first, loads one's messages, deletes one", async () => {
    const { wx, api } = phone();
    const a = await streamed(wx, api, "First topic", null);
    const b = await streamed(wx, api, "Second topic", null);
    const c = await streamed(wx, api, "Third topic", null);
    const ids = (await api.listConversations()).map((x) => x.id);
    expect(ids).toEqual([c.res.conversation_id, b.res.conversation_id, a.res.conversation_id]);

    // A new turn moves a conversation to the top.
    await streamed(wx, api, "Back to the first", a.res.conversation_id);
    const list = await api.listConversations();
    expect(list.map((x) => x.id)).toEqual([a.res.conversation_id, c.res.conversation_id, b.res.conversation_id]);
    expect(list[0]).toMatchObject({ title: "First topic" });
    expect(list[0]?.updated_at).toBeGreaterThanOrEqual(list[1]?.updated_at ?? Number.POSITIVE_INFINITY);

    const messages = await api.loadMessages(a.res.conversation_id);
    expect(messages.map((m) => `${m.role}: ${m.content}`)).toEqual([
      "user: First topic",
      `assistant: ${standinReply("First topic", 1)}`,
      "user: Back to the first",
      `assistant: ${standinReply("Back to the first", 2)}`,
    ]);

    await api.deleteConversation(b.res.conversation_id);
    expect((await api.listConversations()).map((x) => x.id)).toEqual([a.res.conversation_id, c.res.conversation_id]);
    await expect(api.loadMessages(b.res.conversation_id)).rejects.toMatchObject({ kind: "not_found", status: 404 });
    // Deleting what is already gone is not an error: the user wanted it gone.
    await api.deleteConversation(b.res.conversation_id);
    expect(wx.requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([204, 404]);
  });

  it("does not list another user's conversations, nor load them", async () => {
    const alice = phone();
    const mine = await streamed(alice.wx, alice.api, "Private", null);
    const bob = phone();
    expect(await bob.api.listConversations()).toEqual([]);
    await expect(bob.api.loadMessages(mine.res.conversation_id)).rejects.toMatchObject({ kind: "not_found" });
  });
});
