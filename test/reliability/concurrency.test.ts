/** One user firing 200 chats at once against the built chat bundle: the limit is exact. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, urlEvent } from "../support/events.js";
import { inspector, setEnv, storedKeys, testRedisEnv } from "../support/stack.js";
import { type BuiltHandler, captureBundleLogs, requireHandler } from "./support/built.js";
import { type Stack, startStack } from "./support/env.js";
import { invariantViolations, loginWith } from "./support/state.js";

const logs = captureBundleLogs();
const redis = inspector();
let stack: Stack;
let chat: BuiltHandler;
let login: BuiltHandler;

beforeAll(async () => {
  stack = await startStack(testRedisEnv());
  setEnv({ RATE_LIMIT_MAX: "20", RATE_LIMIT_WINDOW_S: "60", OPENCLAW_TIMEOUT_MS: "10000" });
  logs.forbid(...stack.secrets);
  [chat, login] = await Promise.all([requireHandler("chat"), requireHandler("login")]);
});
afterAll(async () => {
  await stack.close();
  redis.disconnect();
});

describe("200 concurrent chats by one user at RATE_LIMIT_MAX=20", () => {
  it("lets exactly 20 through, answers the other 180 with 429 before OpenClaw, and leaves no key without TTL", async () => {
    const token = await loginWith(login, "racer");
    logs.forbid(token);
    const upstreamBefore = stack.openclaw.calls.length;
    const messages = Array.from({ length: 200 }, (_, i) => `race message ${i} ${Math.random().toString(36).slice(2)}`);
    logs.forbid(...messages);

    const responses = await Promise.all(
      messages.map((message) =>
        chat(urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": token }, body: { message } })),
      ),
    );

    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(180);
    for (const r of responses.filter((x) => x.statusCode === 429)) {
      expect(bodyOf(r).code).toBe("rate_limited");
      expect(Number(r.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    }
    expect(stack.openclaw.calls.length - upstreamBefore).toBe(20);

    const keys = await storedKeys(redis, stack.prefix);
    expect(keys.filter((k) => /conv:[^:]+$/.test(k.key))).toHaveLength(20);
    expect(keys.filter((k) => k.ttlMs < 0).map((k) => k.key)).toEqual([]);
    expect(await invariantViolations(redis, stack.prefix)).toEqual([]);
  });
});
