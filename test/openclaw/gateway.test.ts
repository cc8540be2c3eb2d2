/**
 * Our built login and chat bundles against a REAL OpenClaw gateway (installed from the registry
 * by the global setup), a real redis-server, the WeChat stand-in and a local model provider
 * whose replies tell what prompt OpenClaw sent it. This shows what the OpenClaw stand-in cannot:
 * OpenClaw's session keying, its error shapes and its timing. `npm run test:openclaw`.
 */

import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { type RunningGateway, startOpenClawGateway } from "../../scripts/openclaw/gateway.js";
import { type ModelProvider, startModelProvider } from "../../scripts/openclaw/model-provider.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { defuse } from "../../shared/openclaw/defuse.js";
import { ChatResponse, LoginResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "../support/events.js";
import { dataOf, doneOf, readEvents, streamedText } from "../support/sse.js";
import { keysOfToken, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";
import { startWebFunction, type WebFunction } from "../support/web-function.js";
import { type FunctionHost, startFunctionHost } from "./support/function-host.js";

const GATEWAY_TOKEN = `ocgw-${randomBytes(12).toString("hex")}`;
const PROVIDER_KEY = `sk-test-${randomBytes(12).toString("hex")}`;
const STANDIN_TOKEN = `ocsi-${randomBytes(12).toString("hex")}`;
const PREFIX = uniquePrefix();
/** Values that must never reach our functions' logs: tokens, secrets, message text. */
const secrets = new Set<string>([GATEWAY_TOKEN, PROVIDER_KEY, STANDIN_TOKEN, TEST_SECRET]);

let provider: ModelProvider;
let gateway: RunningGateway;
let wechat: WechatStandin;
let standin: OpenClawStandin;
let login: FunctionHost;
let chat: FunctionHost;
let chatStream: WebFunction;
let redis: Redis;
let coldTurnMs = 0;

async function loginAs(name: string): Promise<string> {
  const code = `${name}:${randomBytes(6).toString("hex")}`;
  secrets.add(code);
  const res = await login.invoke(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code } }));
  expect(res.statusCode, res.body).toBe(200);
  const token = bodyAs(res, LoginResponse).sessionKey;
  secrets.add(token);
  return token;
}

function send(token: string, message: string, conversationId: string | null = null, env: Record<string, string> = {}) {
  secrets.add(message);
  const body = { message, conversation_id: conversationId };
  return chat.invoke(urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": token }, body }), env);
}

async function sendOk(token: string, message: string, conversationId: string | null = null) {
  const res = await send(token, message, conversationId);
  expect(res.statusCode, res.body).toBe(200);
  return { ...bodyAs(res, ChatResponse), ms: res.ms };
}

/**
 * The OpenClaw session a conversation is kept in, by the key we stored for it. OpenClaw folds
 * the `user` value to lower case when it derives the session key (seen with 2026.9.6).
 */
async function sessionOf(conversationId: string): Promise<string> {
  // The conversation lives under its owner's hash tag: <prefix>{uid}:conv:<id> (docs/redis.md).
  const [, found] = await redis.scan("0", "MATCH", `${PREFIX}*:conv:${conversationId}`, "COUNT", 10_000);
  expect(found, conversationId).toHaveLength(1);
  const key = await redis.hget(found[0] ?? "", "key");
  expect(key).toMatch(/^wxc-/);
  return `agent:main:openai-user:${key?.toLowerCase()}`;
}

async function stream(token: string, message: string, conversationId: string | null = null) {
  secrets.add(message);
  const res = await fetch(`${chatStream.url}/api/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wx-session": token },
    body: JSON.stringify({ message, conversation_id: conversationId }),
  });
  expect(res.status).toBe(200);
  return readEvents(res);
}

/** The error line our function wrote for the operator (the one naming the upstream fault). */
const operatorLine = (logs: Record<string, unknown>[]) => logs.find((l) => String(l.msg ?? "").startsWith("openclaw:"));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

beforeAll(async () => {
  provider = await startModelProvider({ apiKey: PROVIDER_KEY });
  gateway = await startOpenClawGateway({
    install: inject("openclaw"),
    token: GATEWAY_TOKEN,
    provider: { url: provider.url, apiKey: PROVIDER_KEY, modelId: provider.modelId },
  });
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  standin = await startOpenClawStandin({ token: STANDIN_TOKEN });
  redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
  // A generous deadline for the normal cases: this machine may be busy, and a slow turn is not
  // what they test. The printed latencies show how far real replies stay below the 25 s default.
  const env = {
    REDIS_URL: inject("redisUrl"),
    REDIS_KEY_PREFIX: PREFIX,
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: gateway.url,
    OPENCLAW_TOKEN: GATEWAY_TOKEN,
    OPENCLAW_AGENT_ID: "main",
    OPENCLAW_TIMEOUT_MS: "60000",
    RATE_LIMIT_MAX: "1000",
    LOGIN_RATE_LIMIT_MAX: "1000",
  };
  [login, chat, chatStream] = await Promise.all([
    startFunctionHost("login", env),
    startFunctionHost("chat", env),
    startWebFunction("chat-stream", env),
  ]);

  // OpenClaw's first agent run is cold (session store, memory index, tool catalog): take it
  // here, straight to the gateway, so no case depends on it; it is reported with the latencies.
  const started = performance.now();
  const warm = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openclaw:main", messages: [{ role: "user", content: "warm up" }], user: "warm-up" }),
    signal: AbortSignal.timeout(120_000),
  });
  expect(warm.status, await warm.text()).toBe(200);
  coldTurnMs = performance.now() - started;
});

afterAll(async () => {
  login?.close();
  chat?.close();
  chatStream?.close();
  redis?.disconnect();
  await Promise.all([gateway?.stop(), provider?.close(), wechat?.close(), standin?.close()]);
});

describe("chat through a real OpenClaw gateway", () => {
  it("logs in and returns the provider's reply and its token usage", async () => {
    const token = await loginAs("ana");
    const body = await sendOk(token, "Hello #kiwi");
    const call = provider.calls.find((c) => c.reply === body.reply);
    expect(call, `reply not from the provider: ${body.reply}`).toBeDefined();
    const session = await sessionOf(body.conversation_id);
    expect(body.reply).toBe(`Reply 1 in session ${session}; tags so far: #kiwi.`);
    expect(body.tokens_used).toBeGreaterThan(0);
    expect(body.tokens_used).toBe(call?.usage?.total_tokens);
  });

  it("continues a conversation in the same OpenClaw session, and a new conversation in a fresh one", async () => {
    const token = await loginAs("ben");
    const first = await sendOk(token, "Remember #apple");
    const second = await sendOk(token, "And #banana", first.conversation_id);
    const session = await sessionOf(first.conversation_id);
    expect(second.conversation_id).toBe(first.conversation_id);
    // The provider saw the first exchange in the second turn's prompt, under the same session.
    expect(second.reply).toBe(`Reply 2 in session ${session}; tags so far: #apple #banana.`);

    const other = await sendOk(token, "Fresh start #cherry");
    const otherSession = await sessionOf(other.conversation_id);
    expect(otherSession).not.toBe(session);
    expect(other.reply).toBe(`Reply 1 in session ${otherSession}; tags so far: #cherry.`);
  });

  it("never lets two users' conversations share a session", async () => {
    const [cleo, dan] = await Promise.all([loginAs("cleo"), loginAs("dan")]);
    const mine = await sendOk(cleo, "Cleo's secret #plum");
    const theirs = await sendOk(dan, "Dan's question #pear");
    expect(await sessionOf(theirs.conversation_id)).not.toBe(await sessionOf(mine.conversation_id));
    expect(theirs.reply).toContain("tags so far: #pear.");
    expect(theirs.reply).not.toContain("#plum");

    // Dan cannot continue Cleo's conversation, and OpenClaw is not even asked.
    const calls = provider.calls.length;
    const stolen = await send(dan, "Show me #plum", mine.conversation_id);
    expect(stolen.statusCode).toBe(404);
    expect(provider.calls.length).toBe(calls);
    // The session key OpenClaw uses carries neither user's openid.
    const session = await sessionOf(mine.conversation_id);
    for (const name of ["cleo", "dan"]) expect(session).not.toContain(wechat.openidFor(`${name}:x`));
  });

  it("answers 502 and names OPENCLAW_TOKEN to the operator when the gateway refuses our token", async () => {
    const token = await loginAs("eve");
    const calls = provider.calls.length;
    const wrong = `ocgw-${randomBytes(12).toString("hex")}`;
    secrets.add(wrong);
    const res = await send(token, "hello", null, { OPENCLAW_TOKEN: wrong });
    expect(res.statusCode, res.body).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: "upstream_error" });
    expect(operatorLine(res.logs)?.msg).toMatch(/^openclaw: 401 unauthorized: .*OPENCLAW_TOKEN/);
    expect(provider.calls.length).toBe(calls);
  });

  it("answers 502 and names OPENCLAW_AGENT_ID to the operator when the agent is unknown", async () => {
    const token = await loginAs("fay");
    const calls = provider.calls.length;
    const res = await send(token, "hello", null, { OPENCLAW_AGENT_ID: "no-such-agent" });
    expect(res.statusCode, res.body).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: "upstream_error" });
    expect(operatorLine(res.logs)?.msg).toMatch(/^openclaw: 400 invalid_request_error: .*OPENCLAW_AGENT_ID/);
    expect(provider.calls.length).toBe(calls);
  });

  it("answers 502 when the model provider fails the request, and records no conversation", async () => {
    const token = await loginAs("gus");
    const calls = provider.calls.length;
    provider.queue({ status: 400, message: "This model cannot do that" });
    const res = await send(token, "Please fail #fig");
    expect(res.statusCode, res.body).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: "upstream_error" });
    expect(provider.calls.length).toBe(calls + 1);
    expect(await redis.exists(keysOfToken(PREFIX, token).conversations)).toBe(0);
    // The next turn works again.
    expect((await sendOk(token, "Try again #fig")).reply).toContain("tags so far: #fig.");
  });

  it("answers 504 on time when the provider hangs past OPENCLAW_TIMEOUT_MS, and OpenClaw drops the call", async () => {
    const token = await loginAs("hal");
    const first = await sendOk(token, "Start #one");
    const before = provider.calls.length;
    provider.failAll({ hang: true });
    try {
      const res = await send(token, "Take your time #two", first.conversation_id, { OPENCLAW_TIMEOUT_MS: "5000" });
      expect(res.statusCode, res.body).toBe(504);
      expect(JSON.parse(res.body)).toMatchObject({ code: "upstream_timeout" });
      expect(res.ms).toBeGreaterThanOrEqual(5000);
      expect(res.ms).toBeLessThan(6500);
      // Our hanging up cancels OpenClaw's run, and with it the provider call.
      const hung = provider.calls.slice(before);
      expect(hung.map((c) => c.tags)).toContainEqual(["one", "two"]);
      await vi.waitFor(() => expect(hung.every((c) => c.abandoned)).toBe(true), { timeout: 10_000 });
    } finally {
      provider.failAll(null);
    }
    // OpenClaw keeps the unanswered message in its session: the next turn's prompt carries it.
    const third = await sendOk(token, "Still there? #three", first.conversation_id);
    const session = await sessionOf(first.conversation_id);
    expect(third.reply).toBe(`Reply 2 in session ${session}; tags so far: #one #two #three.`);
  });

  it("answers 504 on time while the provider keeps failing and OpenClaw keeps retrying it", async () => {
    // OpenClaw retries a provider's 5xx for over a minute before it answers 502 itself, so
    // what a user sees of a provider outage is our deadline.
    const token = await loginAs("ida");
    const calls = provider.calls.length;
    provider.failAll({ status: 503, message: "Service unavailable" });
    try {
      const res = await send(token, "Anyone there?", null, { OPENCLAW_TIMEOUT_MS: "5000" });
      expect(res.statusCode, res.body).toBe(504);
      expect(JSON.parse(res.body)).toMatchObject({ code: "upstream_timeout" });
      expect(res.ms).toBeGreaterThanOrEqual(5000);
      expect(res.ms).toBeLessThan(6500);
      expect(provider.calls.length).toBeGreaterThan(calls);
    } finally {
      provider.failAll(null);
    }
  });

  it("measures reply latency through the real gateway next to the OpenClaw stand-in", async () => {
    const turns = 8;
    const token = await loginAs("kim");
    const run = async (env: Record<string, string>) => {
      const times: number[] = [];
      let id: string | null = null;
      for (let i = 0; i < turns; i++) {
        const res = await send(token, `Turn ${i} #t${i}`, id, env);
        expect(res.statusCode, res.body).toBe(200);
        id = bodyAs(res, ChatResponse).conversation_id;
        times.push(res.ms);
      }
      return times;
    };
    const real = await run({});
    const fake = await run({ OPENCLAW_BASE_URL: standin.url, OPENCLAW_TOKEN: STANDIN_TOKEN });
    const report = [
      `OpenClaw gateway ready after ${(gateway.startupMs / 1000).toFixed(1)} s; its first (cold) turn took ${(coldTurnMs / 1000).toFixed(1)} s`,
      `median chat reply over ${turns} turns: real OpenClaw ${median(real).toFixed(0)} ms ` +
        `(each: ${real.map((ms) => ms.toFixed(0)).join(", ")}), ` +
        `OpenClaw stand-in ${median(fake).toFixed(1)} ms`,
    ];
    console.log(`\n[openclaw e2e] ${report.join("\n[openclaw e2e] ")}\n`);
    expect(real).toHaveLength(turns);
    expect(fake).toHaveLength(turns);
  });

  it("streams the provider's reply in pieces, then its conversation and token usage", async () => {
    const token = await loginAs("lea");
    const events = await stream(token, "Stream it #lime");
    const deltas = dataOf(events, "delta").map((d) => d.text);
    expect(events.at(-1)?.event).toBe("done");
    const { conversation_id, tokens_used } = doneOf(events);
    const call = provider.calls.find((c) => c.reply === deltas.join(""));
    expect(call, `streamed text not from the provider: ${deltas.join("")}`).toBeDefined();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(`Reply 1 in session ${await sessionOf(conversation_id)}; tags so far: #lime.`);
    expect(tokens_used).toBe(call?.usage?.total_tokens);
  });

  it("ends the stream with our error event when the provider fails mid-stream", async () => {
    const token = await loginAs("max");
    provider.queue({ errorAfterPieces: 2 });
    const events = await stream(token, "Break it #nut");
    // OpenClaw retries the provider and relays text, but reports the broken run as an in-stream
    // error ("cannot be represented as an append-only response stream"): no `done` comes.
    expect(events.filter((e) => e.event === "delta").length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "upstream_error" } });
    expect(events.some((e) => e.event === "done")).toBe(false);
  });

  it("completes the stream when the provider's connection breaks and OpenClaw retries it", async () => {
    const token = await loginAs("ned");
    provider.queue({ cutAfterPieces: 2 });
    const events = await stream(token, "Cut it #oak");
    const text = streamedText(events);
    expect(events.at(-1)?.event).toBe("done");
    const { conversation_id } = doneOf(events);
    expect(text).toBe(`Reply 1 in session ${await sessionOf(conversation_id)}; tags so far: #oak.`);
  });

  it("passes chat commands and directives to the model as plain text: no reset, no model or mode change", async () => {
    // On /v1/chat/completions OpenClaw runs the agent directly, without the command and
    // directive parser its chat channels have (seen with 2026.9.6): each of these reaches the
    // model word for word (we do not defuse them: they select nothing), in the same session,
    // with the conversation so far.
    const commands = [
      "/reset",
      "/new",
      "/model wxtest/other-model",
      "/think high #think",
      "/t high",
      "/verbose on",
      "/elevated full",
      "/exec host=gateway security=full ask=off",
      "/status",
      "/help",
      "/update",
      "/restart",
      "! ls",
    ];
    const token = await loginAs("ola");
    const first = await sendOk(token, "Remember #apple");
    const session = await sessionOf(first.conversation_id);
    for (const [i, command] of commands.entries()) {
      expect(defuse(command), command).toBe(command);
      const before = provider.calls.length;
      const body = await sendOk(token, command, first.conversation_id);
      const calls = provider.calls.slice(before);
      expect(calls, command).toHaveLength(1);
      const call = calls[0];
      // The provider answered, not OpenClaw, and it saw the command as the user's words.
      expect(body.reply, command).toBe(call?.reply);
      expect(
        call?.userTexts.some((text) => text.endsWith(`] ${defuse(command)}`)),
        command,
      ).toBe(true);
      expect(call?.model, command).toBe(provider.modelId);
      expect(call?.session, command).toBe(session);
      expect(call?.priorReplies, command).toBe(i + 1);
    }
    const last = await sendOk(token, "Still here #end", first.conversation_id);
    expect(last.reply).toBe(`Reply ${commands.length + 2} in session ${session}; tags so far: #apple #think #end.`);
  });

  it("offers the model no tools and no skills", async () => {
    const token = await loginAs("pia");
    const before = provider.calls.length;
    await sendOk(token, "What can you do? #tools");
    const call = provider.calls[before];
    expect(call?.tags).toContain("tools");
    expect(call?.tools).toEqual([]);
    expect(call?.skills).toEqual([]);
  });

  it("passes skill references to the model as plain text, and the conversation goes on", async () => {
    // OpenClaw reads `$<skill>` anywhere in a message, and `/<skill>` or `/skill <name>` at its
    // start, as a request to use that skill. Our client defuses them (shared/openclaw/defuse.ts),
    // so the user's words reach the model as typed and no skill is invoked. Sent as typed, a
    // reference to a skill the agent may not use (here any: `skills: []`) fails the turn.
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openclaw:main", messages: [{ role: "user", content: "Use $weather please" }] }),
    });
    expect(raw.status, await raw.text()).toBe(500);
    const token = await loginAs("quin");
    const first = await sendOk(token, "Hello #first");
    const session = await sessionOf(first.conversation_id);
    for (const [i, message] of ["Use $weather please", "/weather in Shanghai", "/skill weather Shanghai"].entries()) {
      const before = provider.calls.length;
      const body = await sendOk(token, message, first.conversation_id);
      const call = provider.calls[before];
      expect(body.reply, message).toBe(call?.reply);
      expect(call?.session, message).toBe(session);
      expect(call?.priorReplies, message).toBe(i + 1);
      expect(
        call?.userTexts.some((text) => text.endsWith(`] ${defuse(message)}`)),
        message,
      ).toBe(true);
      expect(
        call?.userTexts.some((text) => text.includes("explicitly referenced skills")),
        message,
      ).toBe(false);
    }
    const next = await sendOk(token, "Still there? #next", first.conversation_id);
    expect(next.reply).toBe(`Reply 5 in session ${session}; tags so far: #first #next.`);
  });

  it("never wrote a token, secret or message into our functions' logs", () => {
    const logs = login.allLogs() + chat.allLogs();
    expect(logs.length).toBeGreaterThan(0);
    const leaked = [...secrets].filter((s) => s.length >= 4 && logs.includes(s));
    expect(leaked).toEqual([]);
  });
});
