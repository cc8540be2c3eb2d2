import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../shared/limit/estimate.js";
import { quotaWindow } from "../../shared/limit/quota.js";
import { ChatResponse } from "../../shared/schemas.js";
import { chatOk, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyAs, bodyOf } from "../support/events.js";
import { keysOfToken, setEnv, storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack({ DAILY_TOKEN_QUOTA: "20" });

describe("daily token quota", () => {
  it("reports the remaining quota, then refuses with 429 quota_exceeded until the reset, without calling OpenClaw", async () => {
    const token = await loginAs("qa");
    const first = await chatOk(token, { message: "hello" });
    const used1 = first.body.tokens_used;
    expect(first.res.headers["X-Token-Quota-Remaining"]).toBe(String(20 - used1));
    const second = await chatOk(token, { message: "hello" });
    const third = await chatOk(token, { message: "hello" });
    const used = used1 + second.body.tokens_used + third.body.tokens_used;
    expect(used).toBeGreaterThanOrEqual(20);
    expect(third.res.headers["X-Token-Quota-Remaining"]).toBe("0");

    const calls = stack.openclaw.calls.length;
    const refused = await postChat(token, { message: "hello" });
    expect(refused.statusCode).toBe(429);
    expect(bodyOf(refused).code).toBe("quota_exceeded");
    expect(refused.headers["X-Token-Quota-Remaining"]).toBe("0");
    const expected = Math.ceil(quotaWindow().resetMs / 1000);
    expect(Math.abs(Number(refused.headers["Retry-After"]) - expected)).toBeLessThanOrEqual(2);
    expect(stack.openclaw.calls.length).toBe(calls);

    // Today's counter is keyed by the Shanghai date and outlives the day only briefly.
    const counter = (await storedKeys(stack.redis, stack.prefix)).find((k) => k.key.includes(":quota:"));
    expect(counter?.key).toMatch(new RegExp(`:quota:${quotaWindow().day}$`));
    expect(Number(counter?.dump)).toBe(used);
    expect(counter?.ttlMs).toBeGreaterThan(quotaWindow().resetMs);
    expect(counter?.ttlMs).toBeLessThanOrEqual(quotaWindow().resetMs + 3_600_000 + 5_000);

    // Another user has their own quota.
    expect((await postChat(await loginAs("qb"), { message: "hello" })).statusCode).toBe(200);
  });

  it("lets concurrent requests overshoot by at most the replies in flight", async () => {
    setEnv({ DAILY_TOKEN_QUOTA: "1" });
    const token = await loginAs("qc");
    const results = await Promise.all(Array.from({ length: 6 }, () => postChat(token, { message: "race" })));
    const served = results.filter((r) => r.statusCode === 200);
    const perReply = Math.max(...served.map((r) => bodyAs(r, ChatResponse).tokens_used));
    const counter = (await storedKeys(stack.redis, stack.prefix)).find((k) => k.key.includes(":quota:"));
    // Bound: quota - 1 + (requests in flight) × (tokens per reply).
    expect(Number(counter?.dump)).toBeLessThanOrEqual(1 - 1 + results.length * perReply);
    expect((await postChat(token, { message: "after the race" })).statusCode).toBe(429);
  });

  it("charges a turn OpenClaw did not answer in time (the prompt's estimate), not one it refused", async () => {
    setEnv({ DAILY_TOKEN_QUOTA: "1000", OPENCLAW_TIMEOUT_MS: "300" });
    const token = await loginAs("qt");
    const counter = async () =>
      Number((await stack.redis.get(keysOfToken(stack.prefix, token).quota(quotaWindow().day))) ?? 0);
    stack.openclaw.queue({ status: 502, error: { message: "provider down", type: "api_error" } });
    expect((await postChat(token, { message: "refused, so free" })).statusCode).toBe(502);
    expect(await counter()).toBe(0);
    stack.openclaw.queue({ hang: true });
    const message = "write me a very long essay, please";
    const slow = await postChat(token, { message });
    expect(slow.statusCode).toBe(504);
    expect(await counter()).toBe(estimateTokens(message));
  });

  it("sends no quota header when the quota is off", async () => {
    setEnv({ DAILY_TOKEN_QUOTA: "0" });
    const { res } = await chatOk(await loginAs("qd"), { message: "unlimited" });
    expect(res.headers["X-Token-Quota-Remaining"]).toBeUndefined();
  });
});

describe("quota window", () => {
  it("resets at midnight Asia/Shanghai (16:00 UTC)", () => {
    const before = Date.UTC(2026, 10, 25, 15, 59, 59);
    expect(quotaWindow(before)).toEqual({ day: "20261125", resetMs: 1000 });
    const at = Date.UTC(2026, 10, 25, 16, 0, 0);
    expect(quotaWindow(at)).toEqual({ day: "20261126", resetMs: 86_400_000 });
  });
});
