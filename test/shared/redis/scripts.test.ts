/** Each Redis script through its typed caller, against the private redis-server (or cluster). */
import { randomBytes } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { eraseUser } from "../../../shared/account/erase.js";
import { passGate, type RetryClaim } from "../../../shared/auth/gate.js";
import { createSession, hashToken, userIdOfToken } from "../../../shared/auth/session.js";
import { chargeCutTurn } from "../../../shared/chat/cut.js";
import { claimOf, keepClaim, releaseClaim } from "../../../shared/chat/idempotency.js";
import {
  type Conversation,
  deleteConversation,
  listConversations,
  recordTurn,
  retryFieldsOf,
} from "../../../shared/conversations/store.js";
import { touchGlobalQuota } from "../../../shared/limit/global-quota.js";
import { hitLimit } from "../../../shared/limit/limiter.js";
import { type RedisKeys, redisKeys, type UserKeys } from "../../../shared/redis/keys.js";
import { deleteIfEquals } from "../../../shared/wechat/access-token.js";
import { inspector, storedKeys, uniquePrefix } from "../../support/stack.js";

const redis = inspector();
afterAll(() => redis.disconnect());

const policy = { ttlS: 3600, enabled: true, maxMessages: 10 };
let keys: RedisKeys;
let prefix: string;

beforeEach(() => {
  prefix = uniquePrefix();
  keys = redisKeys(prefix);
});

async function newUser(openid = `o${randomBytes(6).toString("hex")}`) {
  const uid = randomBytes(8).toString("hex");
  const token = await createSession(redis, keys, { openid, uid }, 3600);
  return { token, tokenHash: hashToken(token), uid, mine: keys.user(uid), openid };
}

const newConversation = (): Conversation => ({
  id: randomBytes(16).toString("base64url"),
  upstreamKey: `wxc-${randomBytes(16).toString("hex")}`,
  isNew: true,
});

async function chatTurn(
  mine: UserKeys,
  startMs: number,
  conversation: Conversation,
  claim?: RetryClaim,
  quota?: { key: string; tokens: number; ttlMs: number },
) {
  const response = { reply: "answer", conversation_id: conversation.id, tokens_used: 3 };
  return recordTurn(redis, mine, startMs, conversation, { message: "question", reply: "answer" }, policy, {
    quota,
    retry: claim
      ? { field: claim.field, fingerprint: claim.fingerprint, response: JSON.stringify(response), ttlMs: 600_000 }
      : undefined,
  });
}

describe("gate", () => {
  it("answers unauthorized to a token whose session does not exist", async () => {
    const { uid } = await newUser();
    const gate = await passGate(redis, { keys: keys.user(uid), tokenHash: "0".repeat(64), uid });
    expect(gate.outcome).toBe("unauthorized");
  });

  it("tells the session's owner from the token tag and charges their counter", async () => {
    const u = await newUser();
    const limit = { max: 2, windowS: 60 };
    const ask = () => passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, limit });
    const first = await ask();
    expect(first.outcome).toBe("ok");
    expect(first.user).toMatchObject({ openid: u.openid, uid: u.uid });
    expect(first.limit?.remaining).toBe(1);
    await ask();
    expect((await ask()).outcome).toBe("rate_limited");
    expect(await redis.get(u.mine.rate)).toBe("3");
    expect(await redis.pttl(u.mine.rate)).toBeGreaterThan(0);
  });

  it("refuses a user over their quota, and a conversation that is not under their tag", async () => {
    const u = await newUser();
    const other = await newUser();
    const conversation = newConversation();
    await chatTurn(other.mine, Date.now(), conversation);
    await redis.set(u.mine.quota("20260101"), "10", "EX", 60);
    const quota = { key: u.mine.quota("20260101"), max: 10 };
    expect((await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, quota })).outcome).toBe(
      "quota_exceeded",
    );
    const mineAsk = { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, conversationId: conversation.id };
    expect((await passGate(redis, mineAsk)).outcome).toBe("not_found");
    const theirs = await passGate(redis, {
      keys: other.mine,
      tokenHash: other.tokenHash,
      uid: other.uid,
      conversationId: conversation.id,
    });
    expect(theirs.outcome).toBe("ok");
    expect(theirs.owned?.key).toBe(conversation.upstreamKey);
  });

  it("claims a retry id for a few seconds, holds duplicates up to the cap, then answers in_progress", async () => {
    const u = await newUser();
    const claim = { ...(claimOf({ client_msg_id: "m1", message: "hi" }) as RetryClaim), waitersAllowed: 2 };
    const ask = (c: RetryClaim) => passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: c });
    expect((await ask(claim)).outcome).toBe("ok");
    const ttl = await redis.pttl(u.mine.retry(claim.field));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(claim.ttlMs);
    expect(await redis.hexists(u.mine.retries, claim.field)).toBe(1);
    const dup = { ...claim, owner: "someone-else" };
    expect((await ask(dup)).outcome).toBe("pending");
    expect((await ask(dup)).outcome).toBe("pending");
    const third = await ask(dup);
    expect(third.outcome).toBe("in_progress");
    expect(third.claimTtlMs).toBeGreaterThan(0);
    const changed = claimOf({ client_msg_id: "m1", message: "something else" }) as RetryClaim;
    expect((await ask(changed)).outcome).toBe("conflict");
  });

  it("replays a finished turn without charging the counter", async () => {
    const u = await newUser();
    const claim = claimOf({ client_msg_id: "m2", message: "question" }) as RetryClaim;
    const limit = { max: 5, windowS: 60 };
    const first = await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, limit, retry: claim });
    await chatTurn(u.mine, first.startMs, newConversation(), claim);
    const again = await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, limit, retry: claim });
    expect(again.outcome).toBe("replay");
    expect(JSON.parse(again.replay ?? "{}")).toMatchObject({ reply: "answer" });
    expect(await redis.get(u.mine.rate)).toBe("1");
  });
});

describe("record-turn", () => {
  it("stores the conversation, its history, the index and the retry record, each with a TTL", async () => {
    const u = await newUser();
    const claim = claimOf({ client_msg_id: "m3", message: "question" }) as RetryClaim;
    const conversation = newConversation();
    const quota = { key: u.mine.quota("20260101"), tokens: 3, ttlMs: 60_000 };
    const recorded = await chatTurn(u.mine, Date.now(), conversation, claim, quota);
    expect(recorded).toEqual({ stored: true, quotaUsed: 3 });
    expect(await redis.hget(u.mine.conversation(conversation.id), "key")).toBe(conversation.upstreamKey);
    expect(await redis.llen(u.mine.messages(conversation.id))).toBe(2);
    expect(await redis.zscore(u.mine.conversations, conversation.id)).not.toBeNull();
    expect(await redis.hgetall(u.mine.retry(claim.field))).toMatchObject({
      state: "done",
      fp: claim.fingerprint,
      conversation: conversation.id,
    });
    expect(retryFieldsOf(await redis.hgetall(u.mine.conversation(conversation.id)))).toEqual([claim.field]);
    for (const k of await storedKeys(redis, prefix)) expect(k.ttlMs, k.key).toBeGreaterThan(0);
  });

  it("writes nothing but the quota charge for a turn that started before an erase", async () => {
    const u = await newUser();
    const claim = claimOf({ client_msg_id: "m4", message: "question" }) as RetryClaim;
    const gate = await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: claim });
    await eraseUser(redis, u.mine);
    const quota = { key: u.mine.quota("20260101"), tokens: 3, ttlMs: 60_000 };
    expect(await chatTurn(u.mine, gate.startMs, newConversation(), claim, quota)).toEqual({
      stored: false,
      quotaUsed: 3,
    });
    const left = (await storedKeys(redis, prefix)).map((k) => k.key).sort();
    expect(left).toEqual([u.mine.erased, u.mine.quota("20260101")].sort());
  });

  it("does not bring back a conversation deleted while its turn ran", async () => {
    const u = await newUser();
    const conversation = newConversation();
    await chatTurn(u.mine, Date.now(), conversation);
    expect(await deleteConversation(redis, u.mine, conversation.id, [])).toBe(true);
    const claim = claimOf({ client_msg_id: "m5", message: "question" }) as RetryClaim;
    await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: claim });
    const recorded = await chatTurn(u.mine, Date.now(), { ...conversation, isNew: false }, claim);
    expect(recorded.stored).toBe(false);
    expect(await redis.exists(u.mine.conversation(conversation.id), u.mine.retry(claim.field))).toBe(0);
  });
});

describe("renew-claim and release-claim", () => {
  it("renews and releases only the claim's own owner", async () => {
    const u = await newUser();
    const claim = claimOf({ client_msg_id: "m6", message: "hi" }, { ttlMs: 3_000 }) as RetryClaim;
    await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: claim });
    const record = u.mine.retry(claim.field);
    await redis.pexpire(record, 500);
    const stop = keepClaim(redis, u.mine, claim, 20);
    await expect.poll(() => redis.pttl(record)).toBeGreaterThan(1_000);
    stop();
    const stranger = { ...claim, owner: "not-me" };
    expect(await releaseClaim(redis, u.mine, stranger)).toBe(false);
    expect(await redis.exists(record)).toBe(1);
    expect(await releaseClaim(redis, u.mine, claim)).toBe(true);
    expect(await redis.exists(record)).toBe(0);
    expect(await redis.hexists(u.mine.retries, claim.field)).toBe(0);
  });
});

describe("erase-mark and erase", () => {
  it("leaves only the rate counter, the quota counter and the erase marker", async () => {
    const u = await newUser();
    await createSession(redis, keys, { openid: u.openid, uid: u.uid }, 3600);
    const claim = claimOf({ client_msg_id: "m7", message: "question" }) as RetryClaim;
    const gate = await passGate(redis, {
      keys: u.mine,
      tokenHash: u.tokenHash,
      uid: u.uid,
      limit: { max: 5, windowS: 60 },
      retry: claim,
    });
    const quota = { key: u.mine.quota("20260101"), tokens: 3, ttlMs: 60_000 };
    await chatTurn(u.mine, gate.startMs, newConversation(), claim, quota);
    await chatTurn(u.mine, gate.startMs, newConversation());
    const pending = claimOf({ client_msg_id: "m8", message: "q" }) as RetryClaim;
    await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: pending });
    const other = await newUser();
    await chatTurn(other.mine, Date.now(), newConversation());
    const before = (await storedKeys(redis, other.mine.base)).map((k) => k.key);

    await eraseUser(redis, u.mine);
    const left = await storedKeys(redis, u.mine.base);
    expect(left.map((k) => k.key).sort()).toEqual([u.mine.erased, u.mine.quota("20260101"), u.mine.rate].sort());
    for (const k of left) {
      expect(k.dump).toMatch(/^\d+$/);
      expect(k.ttlMs).toBeGreaterThan(0);
    }
    expect((await storedKeys(redis, other.mine.base)).map((k) => k.key)).toEqual(before);
  });
});

describe("delete-conversation", () => {
  it("deletes the conversation's retry records too, asking again for ones it did not know", async () => {
    const u = await newUser();
    const conversation = newConversation();
    const claim = claimOf({ client_msg_id: "m9", message: "question" }) as RetryClaim;
    await chatTurn(u.mine, Date.now(), conversation, claim);
    expect(await deleteConversation(redis, u.mine, conversation.id, [])).toBe(true);
    expect(await redis.exists(u.mine.retry(claim.field))).toBe(0);
    expect(await redis.hexists(u.mine.retries, claim.field)).toBe(0);
    expect(await redis.zscore(u.mine.conversations, conversation.id)).toBeNull();
    expect(await deleteConversation(redis, u.mine, conversation.id, [])).toBe(false);
  });
});

describe("list-conversations", () => {
  it("lists the newest first and drops ids whose conversation is gone from the index", async () => {
    const u = await newUser();
    const a = newConversation();
    const b = newConversation();
    await chatTurn(u.mine, Date.now(), a);
    await chatTurn(u.mine, Date.now(), b);
    await redis.zadd(u.mine.conversations, Date.now() + 10_000, b.id);
    await redis.del(u.mine.conversation(a.id));
    expect((await listConversations(redis, u.mine)).map((c) => c.id)).toEqual([b.id]);
    expect(await redis.zrange(u.mine.conversations, 0, -1)).toEqual([b.id]);
  });
});

describe("limit and delete-if-equals", () => {
  it("counts within a window that has a TTL", async () => {
    const key = keys.ipRate("login", "203.0.113.9");
    const policy = { max: 1, windowS: 60 };
    expect((await hitLimit(redis, key, policy)).allowed).toBe(true);
    expect((await hitLimit(redis, key, policy)).allowed).toBe(false);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it("deletes a key only while it holds the value given", async () => {
    const key = keys.wxAccessTokenLock("wx-app");
    await redis.set(key, "mine", "PX", 10_000);
    await deleteIfEquals(redis, key, "theirs");
    expect(await redis.get(key)).toBe("mine");
    await deleteIfEquals(redis, key, "mine");
    expect(await redis.exists(key)).toBe(0);
  });
});

describe("key names", () => {
  it("name a user by their tag alone, the tag first in braces, never the openid", async () => {
    const u = await newUser("o-visible-openid");
    await chatTurn(
      u.mine,
      Date.now(),
      newConversation(),
      claimOf({ client_msg_id: "k", message: "question" }) ?? undefined,
    );
    expect(userIdOfToken(u.token)).toBe(u.uid);
    for (const k of await storedKeys(redis, prefix)) {
      expect(k.key).not.toContain(u.openid);
      expect(k.key.startsWith(`${prefix}{${u.uid}}:`)).toBe(true);
    }
  });
});

describe("charge-cut-turn", () => {
  it("charges the quota with a TTL and frees only the claim's own owner's pending record", async () => {
    const u = await newUser();
    const claim = claimOf({ client_msg_id: "cut", message: "hi" }) as RetryClaim;
    await passGate(redis, { keys: u.mine, tokenHash: u.tokenHash, uid: u.uid, retry: claim });
    const quota = { key: u.mine.quota("20261202"), ttlMs: 60_000 };
    const stranger = { ...claim, owner: "not-me" };
    expect(await chargeCutTurn(redis, u.mine, { tokens: 7, quota, claim: stranger })).toEqual({
      quotaUsed: 7,
      released: false,
    });
    expect(await redis.exists(u.mine.retry(claim.field))).toBe(1);
    expect(await chargeCutTurn(redis, u.mine, { tokens: 5, quota, claim })).toEqual({ quotaUsed: 12, released: true });
    expect(await redis.exists(u.mine.retry(claim.field))).toBe(0);
    expect(await redis.hexists(u.mine.retries, claim.field)).toBe(0);
    expect(await redis.pttl(quota.key)).toBeGreaterThan(50_000);
    // Without a quota nothing is counted.
    expect(await chargeCutTurn(redis, u.mine, { tokens: 9 })).toEqual({ quotaUsed: 0, released: false });
    expect(await redis.get(quota.key)).toBe("12");
  });
});

describe("global-quota", () => {
  it("reads and charges the day's total, and reports the first call to find the cap reached, once", async () => {
    const quota = { max: 10, day: "20261202", resetMs: 60_000 };
    expect(await touchGlobalQuota(redis, keys, quota, 0)).toEqual({ used: 0, reached: false, first: false });
    expect(await redis.exists(keys.globalQuota(quota.day))).toBe(0);
    expect(await touchGlobalQuota(redis, keys, quota, 6)).toEqual({ used: 6, reached: false, first: false });
    const crossing = await Promise.all([4, 4, 4].map((t) => touchGlobalQuota(redis, keys, quota, t)));
    expect(crossing.filter((c) => c.first)).toHaveLength(1);
    expect(await touchGlobalQuota(redis, keys, quota, 0)).toEqual({ used: 18, reached: true, first: false });
    for (const key of [keys.globalQuota(quota.day), keys.globalQuotaReached(quota.day)]) {
      expect(await redis.pttl(key)).toBeGreaterThan(3_600_000);
      expect(await redis.pttl(key)).toBeLessThanOrEqual(3_660_000);
    }
  });
});
