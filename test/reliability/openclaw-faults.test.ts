/**
 * OpenClaw slow, hung, failing, answering garbage or cutting the connection mid-body, against
 * the built chat bundle: the client gets 504 or 502, and the conversation is exactly as before
 * (no turn recorded, no conversation created), so a retry starts from a clean state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenClawFault } from "../../scripts/standins/openclaw.js";
import { ChatResponse } from "../../shared/schemas.js";
import { bodyAs, bodyOf, urlEvent } from "../support/events.js";
import { inspector, setEnv, storedKeys, testRedisEnv } from "../support/stack.js";
import { type BuiltHandler, captureBundleLogs, requireHandler } from "./support/built.js";
import { type Stack, startStack } from "./support/env.js";
import { invariantViolations, loginWith } from "./support/state.js";

const TIMEOUT_MS = 400;
const logs = captureBundleLogs();
const redis = inspector();
let stack: Stack;
let chat: BuiltHandler;
let token: string;
let conversationId: string;

const send = (message: string, conversation_id: string | null) => {
  logs.forbid(message);
  return chat(
    urlEvent({
      method: "POST",
      path: "/api/chat",
      headers: { "x-wx-session": token },
      body: { message, conversation_id },
    }),
  );
};

/** Everything stored but the rate counters (which every request may touch), values only. */
async function conversationState(): Promise<Record<string, string>> {
  const keys = await storedKeys(redis, stack.prefix);
  return Object.fromEntries(keys.filter((k) => !k.key.includes(":rl:")).map((k) => [k.key, k.dump]));
}

beforeAll(async () => {
  stack = await startStack(testRedisEnv());
  setEnv({ OPENCLAW_TIMEOUT_MS: String(TIMEOUT_MS) });
  logs.forbid(...stack.secrets);
  const login = await requireHandler("login");
  chat = await requireHandler("chat");
  token = await loginWith(login, "faulty");
  logs.forbid(token);
  const first = await send("a first message that works", null);
  expect(first.statusCode, first.body).toBe(200);
  conversationId = bodyAs(first, ChatResponse).conversation_id;
});
afterAll(async () => {
  await stack.close();
  redis.disconnect();
});

const cases: Array<{ name: string; fault: OpenClawFault; status: number; code: string }> = [
  {
    name: "slower than OPENCLAW_TIMEOUT_MS",
    fault: { delayMs: TIMEOUT_MS * 3 },
    status: 504,
    code: "upstream_timeout",
  },
  { name: "never answering", fault: { hang: true }, status: 504, code: "upstream_timeout" },
  { name: "reporting its model timed out (408)", fault: { status: 408 }, status: 504, code: "upstream_timeout" },
  { name: "failing with 500", fault: { status: 500 }, status: 502, code: "upstream_error" },
  {
    name: "failing with 502 and an error body",
    fault: { status: 502, error: { message: "provider down", type: "api_error" } },
    status: 502,
    code: "upstream_error",
  },
  { name: "answering garbage", fault: { raw: "<html>not json" }, status: 502, code: "upstream_error" },
  { name: "answering JSON without a reply", fault: { raw: '{"choices":[]}' }, status: 502, code: "upstream_error" },
  { name: "resetting the connection mid-body", fault: { resetMidBody: true }, status: 502, code: "upstream_error" },
];

describe("OpenClaw faults (built chat bundle)", () => {
  for (const c of cases) {
    it(`answers ${c.status} to OpenClaw ${c.name}, changing no conversation state, new or continued`, async () => {
      const before = await conversationState();
      stack.openclaw.queue(c.fault);
      const continued = await send(`continued while OpenClaw is ${c.name}`, conversationId);
      stack.openclaw.queue(c.fault);
      const started = await send(`new while OpenClaw is ${c.name}`, null);

      for (const res of [continued, started]) {
        expect(res.statusCode, res.body).toBe(c.status);
        expect(bodyOf(res).code).toBe(c.code);
      }
      expect(await conversationState()).toEqual(before);
      expect(await invariantViolations(redis, stack.prefix)).toEqual([]);
    });
  }

  it("continues the same conversation normally once OpenClaw is healthy again", async () => {
    const before = await conversationState();
    const res = await send("and now it works again", conversationId);
    expect(res.statusCode, res.body).toBe(200);
    expect(bodyOf(res).conversation_id).toBe(conversationId);
    expect(await conversationState()).not.toEqual(before);
    expect(await invariantViolations(redis, stack.prefix)).toEqual([]);
  });
});
