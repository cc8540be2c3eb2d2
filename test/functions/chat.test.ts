import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { ChatResponse } from "../../shared/schemas.js";
import { messagesSent, useChatStack } from "../support/chat-stack.js";
import { bodyAs, bodyOf, urlEvent } from "../support/events.js";
import { forbidInLogs, suiteLogs } from "../support/log-guard.js";
import { keysOfToken, setEnv, storedKeys, TEST_OPENCLAW_TOKEN } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack(
  { RATE_LIMIT_MAX: "20", OPENCLAW_TIMEOUT_MS: "2000", MESSAGE_MAX_CHARS: "2000" },
  { openclaw: { token: TEST_OPENCLAW_TOKEN, agents: ["main", "helper"] } },
);

/** Sends a message (declared secret for the logs) and returns the raw response. */
function send(token: string | undefined, message: unknown, conversation_id?: unknown) {
  if (typeof message === "string") forbidInLogs(message);
  return chat(chatEvent(token, conversation_id === undefined ? { message } : { message, conversation_id }));
}

const chatEvent = (token: string | undefined, body: unknown) =>
  urlEvent({ method: "POST", path: "/api/chat", body, headers: token ? { "x-wx-session": token } : {} });

async function sendOk(token: string, message: string, conversation_id: string | null = null) {
  const res = await send(token, message, conversation_id);
  expect(res.statusCode, res.body).toBe(200);
  return bodyAs(res, ChatResponse);
}

describe("POST /api/chat", () => {
  it("returns the agent's reply, a new conversation id and the tokens used", async () => {
    const token = await loginAs("dora");
    const before = stack.openclaw.calls.length;
    const body = await sendOk(token, "Hello there");
    expect(body.reply).toBe("(turn 1) You said: Hello there");
    expect(body.conversation_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(body.tokens_used).toBeGreaterThan(0);
    const call = stack.openclaw.calls[before];
    expect(call).toMatchObject({
      agent: "main",
      authorization: `Bearer ${TEST_OPENCLAW_TOKEN}`,
      model: "openclaw:main",
      messages: [{ role: "user", content: "Hello there" }],
      stream: false,
    });
    expect(call?.fields).toEqual(["messages", "model", "user"]);
  });

  it("reports 0 tokens when OpenClaw sends no usage", async () => {
    const token = await loginAs("dora");
    stack.openclaw.queue({ noUsage: true });
    expect((await sendOk(token, "no usage please")).tokens_used).toBe(0);
  });

  it("continues a conversation under the same opaque OpenClaw user key, sending only the new message", async () => {
    const token = await loginAs("erin");
    const first = await sendOk(token, "first");
    const firstKey = stack.openclaw.calls.at(-1)?.user;
    const second = await sendOk(token, "second", first.conversation_id);
    expect(second.conversation_id).toBe(first.conversation_id);
    expect(second.reply).toBe("(turn 2) You said: second");
    expect(stack.openclaw.calls.at(-1)?.user).toBe(firstKey);
    expect(stack.openclaw.calls.at(-1)?.messages).toEqual([{ role: "user", content: "second" }]);
    const openid = stack.wechat.openidFor("erin:x");
    expect(String(firstKey)).not.toContain(openid);
  });

  it("gives a new conversation and another user different keys", async () => {
    const erin = await loginAs("erin");
    const finn = await loginAs("finn");
    await sendOk(erin, "a");
    const k1 = stack.openclaw.calls.at(-1)?.user;
    await sendOk(erin, "b");
    const k2 = stack.openclaw.calls.at(-1)?.user;
    await sendOk(finn, "c");
    const k3 = stack.openclaw.calls.at(-1)?.user;
    expect(new Set([k1, k2, k3]).size).toBe(3);
  });

  it("answers 404 to someone else's or an unknown conversation, without calling OpenClaw", async () => {
    const owner = await loginAs("gail");
    const other = await loginAs("hank");
    const { conversation_id } = await sendOk(owner, "mine");
    const before = stack.openclaw.calls.length;
    const ids = [conversation_id, "A".repeat(22), "not-an-id", "x".repeat(5000)];
    for (const [i, id] of ids.entries()) {
      const res = await send(other, "let me in", id);
      expect(res.statusCode).toBe(404);
      expect(bodyOf(res).code).toBe("not_found");
      // The request reached the limiter, so it counted and says so.
      expect(res.headers["RateLimit-Remaining"]).toBe(String(20 - 1 - i));
    }
    expect(stack.openclaw.calls.length).toBe(before);
  });

  it("answers 400 to an empty or non-string conversation_id", async () => {
    const token = await loginAs("gail");
    for (const id of ["", 42, {}, []]) {
      const res = await send(token, "hi", id);
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toEqual({
        code: "invalid_request",
        error: "conversation_id must be the id of one of your conversations, or null to start a new one",
      });
    }
  });

  it("answers 401 to a missing, unknown or expired session", async () => {
    const token = await loginAs("ivan");
    await stack.redis.del(keysOfToken(stack.prefix, token).session(createHash("sha256").update(token).digest("hex")));
    for (const t of [undefined, "f".repeat(64), token]) {
      const res = await send(t, "hello?");
      expect(res.statusCode).toBe(401);
      expect(bodyOf(res).code).toBe("unauthorized");
    }
  });

  it("checks the session before the body: a bad body without a session is 401, with one 400", async () => {
    expect((await chat(chatEvent(undefined, "{oops"))).statusCode).toBe(401);
    const token = await loginAs("ivan");
    expect((await chat(chatEvent(token, "{oops"))).statusCode).toBe(400);
  });

  it("counts message length in code points: 2000 emoji pass, 2001 do not", async () => {
    const token = await loginAs("jane");
    expect((await send(token, "😀".repeat(2000))).statusCode).toBe(200);
    const res = await send(token, "😀".repeat(2001));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({
      code: "invalid_request",
      error: "message must be text of 1–2000 code points, not only spaces (MESSAGE_MAX_CHARS)",
    });
    // A ZWJ family is 7 code points: 286 of them (2002) are too long.
    expect((await send(token, "👨‍👩‍👧‍👦".repeat(286))).statusCode).toBe(400);
  });

  it.each([
    ["missing", {}],
    ["whitespace-only", { message: " \n\t　" }],
    ["non-string", { message: 5 }],
  ])("answers 400 to a %s message, saying what a message must be, and calls nothing", async (_, body) => {
    const token = await loginAs("kim");
    const before = stack.openclaw.calls.length;
    setEnv({ MESSAGE_MAX_CHARS: "500" });
    const res = await chat(chatEvent(token, body));
    setEnv({ MESSAGE_MAX_CHARS: undefined });
    expect(res.statusCode).toBe(400);
    // The configured limit, the variable that sets it, and the field named once.
    expect(bodyOf(res).error).toBe("message must be text of 1–500 code points, not only spaces (MESSAGE_MAX_CHARS)");
    expect(stack.openclaw.calls.length).toBe(before);
  });

  it("defuses OpenClaw skill references in the message, keeping the visible text", async () => {
    const token = await loginAs("lee");
    const sent = async (message: string) => {
      expect((await send(token, message)).statusCode).toBe(200);
      return messagesSent(stack.openclaw.calls.at(-1))[0]?.content ?? "";
    };
    // A leading skill command: OpenClaw reads no `$` reference in such a message.
    expect(await sent("/weather now, or $github then $5")).toBe("/\u2060weather now, or $github then $5");
    // `$5` has no lower-case letter: not a reference (docs/directives.md).
    const references = await sent("Ask $github then $5");
    expect(references).toBe("Ask $\u2060github then $5");
    expect(references.replaceAll("\u2060", "")).toBe("Ask $github then $5");
  });

  it("ignores unknown fields and forwards nothing the client chose but the message", async () => {
    const token = await loginAs("lee");
    forbidInLogs("hello with extras");
    const res = await chat(
      chatEvent(token, { message: "hello with extras", conversation_id: null, model: "gpt-9", tools: [{}], user: "x" }),
    );
    expect(res.statusCode).toBe(200);
    expect(stack.openclaw.calls.at(-1)).toMatchObject({
      model: "openclaw:main",
      fields: ["messages", "model", "user"],
    });
    expect(stack.openclaw.calls.at(-1)?.user).not.toBe("x");
  });

  it("lets exactly RATE_LIMIT_MAX of 100 parallel requests through; the rest are 429 and never reach OpenClaw", async () => {
    setEnv({ RATE_LIMIT_MAX: "7" });
    const token = await loginAs("mona");
    const before = stack.openclaw.calls.length;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => send(token, `parallel ${i}`)));
    const ok = results.filter((r) => r.statusCode === 200);
    const limited = results.filter((r) => r.statusCode === 429);
    expect(ok).toHaveLength(7);
    expect(limited).toHaveLength(93);
    expect(stack.openclaw.calls.length - before).toBe(7);
    for (const r of limited) {
      expect(bodyOf(r).code).toBe("rate_limited");
      expect(Number(r.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
      expect(r.headers["RateLimit-Remaining"]).toBe("0");
    }
    const remaining = ok.map((r) => Number(r.headers["RateLimit-Remaining"])).sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ok[0]?.headers["RateLimit-Policy"]).toBe("7;w=60");
  });

  it("keeps the limit per user, across logins", async () => {
    setEnv({ RATE_LIMIT_MAX: "2" });
    const first = await loginAs("nick");
    await sendOk(first, "one");
    await sendOk(first, "two");
    const again = await loginAs("nick");
    expect((await send(again, "three")).statusCode).toBe(429);
    expect((await send(await loginAs("olga"), "other user")).statusCode).toBe(200);
  });

  it("answers 504 soon after the deadline when OpenClaw is slow, and for its own 408", async () => {
    setEnv({ OPENCLAW_TIMEOUT_MS: "300" });
    const token = await loginAs("pam");
    stack.openclaw.queue({ hang: true });
    const t0 = performance.now();
    const slow = await send(token, "are you there");
    const elapsed = performance.now() - t0;
    expect(slow.statusCode).toBe(504);
    expect(bodyOf(slow).code).toBe("upstream_timeout");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(800);

    stack.openclaw.queue({ status: 408, error: { message: "Request timed out", type: "timeout" } });
    expect((await send(token, "again")).statusCode).toBe(504);
  });

  it.each([
    ["a 5xx", { status: 502, error: { message: "provider down", type: "api_error" } }],
    ["a 500 without body", { raw: "", status: 500 }],
    ["garbage", { raw: "<html>bad gateway</html>" }],
    ["no choices", { raw: '{"id":"x","choices":[]}' }],
    ["a connection reset mid-body", { resetMidBody: true }],
  ] as const)("answers 502 to %s from OpenClaw and records no conversation", async (_, fault) => {
    const token = await loginAs("quinn");
    stack.openclaw.queue(fault);
    const res = await send(token, "fault please");
    expect(res.statusCode).toBe(502);
    expect(bodyOf(res).code).toBe("upstream_error");
    expect((await storedKeys(stack.redis, stack.prefix)).filter((k) => k.key.includes(":conv:"))).toEqual([]);
  });

  it("answers 502 with an operator log line when OpenClaw refuses our token or agent", async () => {
    const token = await loginAs("rita");
    setEnv({ OPENCLAW_TOKEN: "wrong-token-value" });
    forbidInLogs("wrong-token-value");
    const refused = await send(token, "token?");
    expect(refused.statusCode).toBe(502);
    expect(suiteLogs.text()).toContain("refused OPENCLAW_TOKEN");

    setEnv({ OPENCLAW_TOKEN: TEST_OPENCLAW_TOKEN, OPENCLAW_AGENT_ID: "nobody" });
    const unknown = await send(token, "agent?");
    expect(unknown.statusCode).toBe(502);
    expect(suiteLogs.text()).toContain("check OPENCLAW_AGENT_ID");
  });

  it("blames the model provider, not our token, when OpenClaw passes the provider's 401 through", async () => {
    const token = await loginAs("rita");
    stack.openclaw.queue({
      status: 401,
      error: { message: "Incorrect API key provided", type: "authentication_error" },
    });
    expect((await send(token, "provider key?")).statusCode).toBe(502);
    expect(suiteLogs.text()).toContain("model provider refused its credentials");
  });

  it("answers 504 when OpenClaw reports its provider timed out with a 504", async () => {
    const token = await loginAs("rita");
    stack.openclaw.queue({ status: 504, error: { message: "upstream provider timeout", type: "timeout" } });
    const res = await send(token, "slow provider");
    expect(res.statusCode).toBe(504);
    expect(bodyOf(res).code).toBe("upstream_timeout");
  });

  it("answers 503 naming no variable when OpenClaw is not configured, while login still works", async () => {
    const token = await loginAs("sam");
    setEnv({ OPENCLAW_BASE_URL: undefined });
    const res = await send(token, "configured?");
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain("OPENCLAW");
    expect(suiteLogs.text()).toContain("OPENCLAW_BASE_URL: missing");
  });

  it("leaves every key with a TTL, and no raw token or openid-derived OpenClaw key anywhere", async () => {
    const token = await loginAs("tess");
    const { conversation_id } = await sendOk(token, "ttl check");
    await sendOk(token, "ttl check 2", conversation_id);
    const keys = await storedKeys(stack.redis, stack.prefix);
    expect(keys.some((k) => k.key.endsWith(`conv:${conversation_id}`))).toBe(true);
    for (const k of keys) {
      expect(k.ttlMs, k.key).toBeGreaterThan(0);
      expect(k.dump).not.toContain(token);
      expect(k.key).not.toContain(token);
    }
  });
});
