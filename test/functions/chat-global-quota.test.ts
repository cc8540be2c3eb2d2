/**
 * GLOBAL_DAILY_TOKEN_QUOTA: the tokens all users together may spend per quota day. Past it every
 * chat is refused (429 quota_exceeded, Retry-After until the day turns), and the operator gets
 * exactly one error line the first time it is reached that day, whichever instance sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_CAP_NOTE } from "../../shared/limit/global-quota.js";
import { quotaWindow } from "../../shared/limit/quota.js";
import { variablesOfFunction } from "../../shared/needs.js";
import { redisKeys } from "../../shared/redis/keys.js";
import { chatOk, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyOf } from "../support/events.js";
import { type CapturedLogs, captureLogs } from "../support/logs.js";
import { setEnv, storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack({ GLOBAL_DAILY_TOKEN_QUOTA: "30" });
let logs: CapturedLogs;
beforeAll(() => {
  logs = captureLogs();
});
afterAll(() => logs.stop());

const capLines = () => logs.lines.filter((l) => String(l.msg).startsWith(GLOBAL_CAP_NOTE));
const globalCounter = async () =>
  Number((await stack.redis.get(redisKeys(stack.prefix).globalQuota(quotaWindow().day))) ?? 0);

describe("global daily token cap", () => {
  it("refuses every user once all together spent it, without calling OpenClaw, with one error line", async () => {
    logs.clear();
    const users = await Promise.all(["ga", "gb", "gc"].map(loginAs));
    let spent = 0;
    let turn = 0;
    while (spent < 30) {
      const { body } = await chatOk(users[turn++ % 3] as string, { message: "hello" });
      spent += body.tokens_used;
    }
    expect(await globalCounter()).toBe(spent);

    const calls = stack.openclaw.calls.length;
    for (const token of [...users, await loginAs("gd")]) {
      const refused = await postChat(token, { message: "one more" });
      expect(refused.statusCode).toBe(429);
      expect(bodyOf(refused).code).toBe("quota_exceeded");
      const expected = Math.ceil(quotaWindow().resetMs / 1000);
      expect(Math.abs(Number(refused.headers["Retry-After"]) - expected)).toBeLessThanOrEqual(2);
    }
    expect(stack.openclaw.calls.length).toBe(calls);
    expect(capLines()).toEqual([expect.objectContaining({ level: "error", used: spent, max: 30 })]);

    // The counter and its marker sit in their own slot and end with the day (plus an hour).
    const globals = (await storedKeys(stack.redis, stack.prefix)).filter((k) => k.key.includes("{global}"));
    expect(globals.map((k) => k.key.slice(stack.prefix.length)).sort()).toEqual([
      `{global}:quota:${quotaWindow().day}`,
      `{global}:quota:${quotaWindow().day}:reached`,
    ]);
    for (const k of globals) expect(k.ttlMs).toBeLessThanOrEqual(quotaWindow().resetMs + 3_600_000 + 5_000);
  });

  it("logs the cap once when many turns cross it at the same moment", async () => {
    logs.clear();
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "20" });
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => loginAs(`race${i}`)));
    const results = await Promise.all(users.map((t) => postChat(t, { message: "all at once" })));
    // Those whose gate ran before two turns were recorded are served; that is at least two.
    expect(results.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(2);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 429)).toBe(true);
    expect(await globalCounter()).toBeGreaterThanOrEqual(20);
    const late = await Promise.all(users.map((t) => postChat(t, { message: "too late" })));
    expect(late.every((r) => r.statusCode === 429)).toBe(true);
    expect(capLines()).toHaveLength(1);
  });

  it("logs once when the cap is lowered below what was already spent: at the first refusal", async () => {
    const token = await loginAs("lower");
    await chatOk(token, { message: "spend a little" });
    logs.clear();
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "1" });
    for (let i = 0; i < 3; i++)
      expect((await postChat(token, { message: "over the lowered cap" })).statusCode).toBe(429);
    expect(capLines()).toEqual([expect.objectContaining({ level: "error", status: 429 })]);
  });

  it("frees the retry id of a refused request: it runs once the cap allows", async () => {
    const token = await loginAs("gretry");
    await chatOk(token, { message: "spend it" });
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "1" });
    const body = { message: "retry me", conversation_id: null, client_msg_id: "g-1" };
    expect((await postChat(token, body)).statusCode).toBe(429);
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: "1000000" });
    const again = await postChat(token, body);
    expect(again.statusCode).toBe(200);
    expect(again.headers["Idempotent-Replayed"]).toBeUndefined();
  });

  it("is off by default: nothing is counted, nothing refused", async () => {
    setEnv({ GLOBAL_DAILY_TOKEN_QUOTA: undefined });
    await chatOk(await loginAs("goff"), { message: "free for all" });
    const keys = await storedKeys(stack.redis, stack.prefix);
    expect(keys.filter((k) => k.key.includes("{global}"))).toEqual([]);
  });

  it("is passed by the deployment to chat and chat-stream only", () => {
    expect(variablesOfFunction("chat")).toContain("GLOBAL_DAILY_TOKEN_QUOTA");
    expect(variablesOfFunction("chat-stream")).toContain("GLOBAL_DAILY_TOKEN_QUOTA");
    expect(variablesOfFunction("login")).not.toContain("GLOBAL_DAILY_TOKEN_QUOTA");
  });
});
