import { describe, expect, it } from "vitest";
import { passGate } from "../../shared/auth/gate.js";
import { hashToken, userIdOfToken } from "../../shared/auth/session.js";
import { claimOf, nextPollMs, WAITERS_ALLOWED } from "../../shared/chat/idempotency.js";
import { chatOk, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyOf } from "../support/events.js";
import { keysOfToken, setEnv, storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack();

describe("idempotent retries (client_msg_id)", () => {
  it("returns the first reply again without a second upstream call or a second count", async () => {
    const token = await loginAs("ra");
    const before = stack.openclaw.calls.length;
    const first = await chatOk(token, { message: "once", client_msg_id: "m-1" });
    const again = await chatOk(token, { message: "once", client_msg_id: "m-1" });
    expect(again.body).toEqual(first.body);
    expect(again.res.headers["Idempotent-Replayed"]).toBe("true");
    expect(stack.openclaw.calls.length - before).toBe(1);
    const counter = (await storedKeys(stack.redis, stack.prefix)).find(
      (k) => k.key === keysOfToken(stack.prefix, token).rate,
    );
    expect(counter?.dump).toBe("1");
  });

  it("answers 409 conflict when the same id comes with a different message", async () => {
    const token = await loginAs("rb");
    await chatOk(token, { message: "original", client_msg_id: "m-2" });
    const res = await postChat(token, { message: "changed", client_msg_id: "m-2" });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).code).toBe("conflict");
  });

  it("makes concurrent duplicates wait for the first: exactly one upstream call", async () => {
    const token = await loginAs("rc");
    stack.openclaw.queue({ delayMs: 300 });
    const before = stack.openclaw.calls.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => postChat(token, { message: "dup", client_msg_id: "m-3" })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(new Set(results.map((r) => r.body)).size).toBe(1);
    expect(stack.openclaw.calls.length - before).toBe(1);
  });

  it("runs a retry again when the first attempt failed", async () => {
    const token = await loginAs("rd");
    stack.openclaw.queue({ status: 502 });
    expect((await postChat(token, { message: "flaky", client_msg_id: "m-4" })).statusCode).toBe(502);
    const retried = await chatOk(token, { message: "flaky", client_msg_id: "m-4" });
    expect(retried.res.headers["Idempotent-Replayed"]).toBeUndefined();
  });

  it("keeps ids per user, and keeps the replay copy 10 minutes even with history off", async () => {
    setEnv({ HISTORY_ENABLED: "false" });
    const a = await loginAs("re");
    const b = await loginAs("rf");
    await chatOk(a, { message: "mine", client_msg_id: "shared-id" });
    const other = await chatOk(b, { message: "theirs", client_msg_id: "shared-id" });
    expect(other.res.headers["Idempotent-Replayed"]).toBeUndefined();
    const records = (await storedKeys(stack.redis, stack.prefix)).filter((k) => k.key.includes(":retry:"));
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r.ttlMs).toBeGreaterThan(590_000);
      expect(r.ttlMs).toBeLessThanOrEqual(600_000);
    }
  });

  it("refuses an over-long or empty client_msg_id with 400", async () => {
    const token = await loginAs("rg");
    for (const id of ["", "x".repeat(65), 7]) {
      expect((await postChat(token, { message: "x", client_msg_id: id })).statusCode).toBe(400);
    }
  });
});

describe("retries of a running turn", () => {
  it("lets a few duplicates wait and answers the rest 409 in_progress with Retry-After", async () => {
    const token = await loginAs("rw");
    stack.openclaw.queue({ delayMs: 800 });
    const before = stack.openclaw.calls.length;
    const results = await Promise.all(
      Array.from({ length: 30 }, () => postChat(token, { message: "popular", client_msg_id: "many" })),
    );
    expect(stack.openclaw.calls.length - before).toBe(1);
    const ok = results.filter((r) => r.statusCode === 200);
    const busy = results.filter((r) => r.statusCode === 409);
    expect(ok.length + busy.length).toBe(30);
    // The first plus the waiters: CONTRACT §7 wants at least 5 waiting, and at most 25.
    expect(ok.length).toBeGreaterThanOrEqual(1 + 5);
    expect(ok.length).toBeLessThanOrEqual(1 + Math.min(25, WAITERS_ALLOWED));
    expect(new Set(ok.map((r) => r.body)).size).toBe(1);
    for (const r of busy) {
      expect(bodyOf(r).code).toBe("in_progress");
      const after = Number(r.headers["Retry-After"]);
      expect(after).toBeGreaterThanOrEqual(1);
      expect(after).toBeLessThanOrEqual(60);
    }
  });

  it("frees an id whose instance died: its claim lives seconds, then a retry runs the turn", async () => {
    const token = await loginAs("rx");
    const mine = keysOfToken(stack.prefix, token);
    // What a dead instance leaves behind: a claim that nobody renews.
    const claim = claimOf({ client_msg_id: "orphan", message: "lost", conversation_id: null });
    if (!claim) throw new Error("no claim");
    await passGate(stack.redis, { keys: mine, tokenHash: hashToken(token), uid: userIdOfToken(token), retry: claim });
    const ttl = await stack.redis.pttl(mine.retry(claim.field));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);
    await stack.redis.pexpire(mine.retry(claim.field), 1);
    await expect.poll(() => stack.redis.exists(mine.retry(claim.field))).toBe(0);
    const before = stack.openclaw.calls.length;
    const res = await chatOk(token, { message: "lost", client_msg_id: "orphan" });
    expect(res.res.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(stack.openclaw.calls.length - before).toBe(1);
  });

  it("polls with backoff: a waiter looks far fewer times than every 100 ms over a 25 s turn", () => {
    let waited = 0;
    let looks = 0;
    let interval: number | undefined;
    while (waited < 25_000) {
      interval = nextPollMs(interval);
      waited += interval;
      looks++;
    }
    expect(nextPollMs(undefined)).toBe(50);
    expect(nextPollMs(50)).toBeGreaterThan(50);
    expect(nextPollMs(10_000)).toBe(1_000);
    expect(looks).toBeLessThan(40);
  });
});
