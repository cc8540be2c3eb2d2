/**
 * Which forms of user text select a skill in a REAL OpenClaw gateway, and that our chat bundle
 * defuses exactly those. A second gateway configuration gives the agent one harmless local skill
 * ("wx-mark", command name `/wx_mark`); the local model provider reports when OpenClaw told the
 * model to use it ("Use the following explicitly referenced skills…" before the request), so a
 * form that acts can be seen to act. Each form is sent twice: straight to the gateway, as typed
 * (does it act?), and through our chat function (does it still act, and what did the model
 * see?). `npm run test:openclaw`; docs/directives.md.
 */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningGateway, startOpenClawGateway } from "../../scripts/openclaw/gateway.js";
import { type ModelProvider, type ProviderCall, startModelProvider } from "../../scripts/openclaw/model-provider.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { defuse, OPENCLAW_RESERVED_COMMANDS } from "../../shared/openclaw/defuse.js";
import { LoginResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "../support/events.js";
import { TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";
import { type FunctionHost, startFunctionHost } from "./support/function-host.js";

const GATEWAY_TOKEN = `ocgw-${randomBytes(12).toString("hex")}`;
const PROVIDER_KEY = `sk-test-${randomBytes(12).toString("hex")}`;
const SKILL = "wx-mark";

let provider: ModelProvider;
let gateway: RunningGateway;
let wechat: WechatStandin;
let login: FunctionHost;
let chat: FunctionHost;
let token = "";
let probes = 0;

interface Outcome {
  status: number;
  /** The provider call this turn made, if it got that far. */
  call: ProviderCall | undefined;
}

/** The form as typed, straight to the gateway, in a fresh OpenClaw session. */
async function asTyped(content: string): Promise<Outcome> {
  const before = provider.calls.length;
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "openclaw:main",
      messages: [{ role: "user", content }],
      user: `probe-${++probes}`,
    }),
    signal: AbortSignal.timeout(110_000),
  });
  await res.text();
  return { status: res.status, call: provider.calls[before] };
}

/** The form through our chat function, in a new conversation. */
async function throughUs(message: string): Promise<Outcome> {
  const before = provider.calls.length;
  const res = await chat.invoke(
    urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": token }, body: { message } }),
  );
  return { status: res.statusCode, call: provider.calls[before] };
}

/**
 * Whether the model saw `text` as the user's request: OpenClaw trims it, dates it
 * (`[Wed 2026-12-02 16:22 UTC] …`) and, in a new session, adds a line about its runtime.
 */
const sawRequest = (call: ProviderCall | undefined, text: string) =>
  call?.userTexts.some((t) => t.replace(/\n\nRuntime: [^\n]*$/, "").endsWith(`] ${text.trim()}`)) ?? false;

beforeAll(async () => {
  provider = await startModelProvider({ apiKey: PROVIDER_KEY });
  gateway = await startOpenClawGateway({
    install: inject("openclaw"),
    token: GATEWAY_TOKEN,
    provider: { url: provider.url, apiKey: PROVIDER_KEY, modelId: provider.modelId },
    skills: [
      {
        name: SKILL,
        description: "Marks a reply for the wxclaw tests.",
        body: "When this skill is used, start the reply with WXMARK.",
      },
    ],
  });
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  const env = {
    REDIS_URL: inject("redisUrl"),
    REDIS_KEY_PREFIX: uniquePrefix(),
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
  [login, chat] = await Promise.all([startFunctionHost("login", env), startFunctionHost("chat", env)]);
  const res = await login.invoke(
    urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: `dir:${randomBytes(6).toString("hex")}` } }),
  );
  expect(res.statusCode, res.body).toBe(200);
  token = bodyAs(res, LoginResponse).sessionKey;
  // The first agent run is cold; take it here.
  expect((await asTyped("warm up")).status).toBe(200);
});

afterAll(async () => {
  login?.close();
  chat?.close();
  await Promise.all([gateway?.stop(), provider?.close(), wechat?.close()]);
});

/** Forms that select the skill when sent as typed. */
const ACTING = [
  "Use $wx-mark please",
  "Use $wx_mark please",
  "Mixed case $WX_Mark please",
  "Trailing colon $wx-mark: please",
  "Mid-word US$wx_mark please",
  "Two backslashes \\\\$wx_mark please",
  "/wx_mark in Shanghai",
  "/WX_MARK in Shanghai",
  "/skill wx-mark Shanghai",
  "/skill WX_Mark Shanghai",
  "\n/skill wx-mark Shanghai",
  "\u3000/wx_mark Shanghai",
  "\ufeff/wx_mark Shanghai",
];

/** Forms that select nothing as typed: they must reach the model unchanged. */
const INERT = [
  // Reported as reaching OpenClaw unchanged.
  "$é",
  "$天气",
  "$\u007bwx_mark}",
  "$\u200bwx_mark",
  "$\u0301wx_mark",
  "\u200b/reset",
  "\u0085/reset",
  "\u001c/reset",
  "\u200b/wx_mark",
  "\u0085/wx_mark",
  "\u001c/wx_mark",
  "hello\n/skill wx-mark",
  // What OpenClaw's parser passes over.
  "Escaped \\$wx_mark",
  "Shell style $WX_MARK and $HOME",
  "It costs $5",
  "/reset then $wx_mark",
  "/wx_mark, please",
  "hi /wx_mark",
  "/think high",
];

describe("skill selection in user text, against a real OpenClaw gateway with one local skill", () => {
  it("offers the skill, and a plain reference selects it (the probe can see a form act)", async () => {
    const { status, call } = await asTyped("Use $wx-mark please");
    expect(status).toBe(200);
    expect(call?.referencedSkills).toEqual([SKILL]);
    expect(call?.userTexts.some((t) => t.includes("explicitly referenced skills"))).toBe(true);
  });

  it.each(ACTING)("defuses %j: it selects the skill as typed, and nothing through our chat", async (form) => {
    const typed = await asTyped(form);
    expect(typed.status).toBe(200);
    expect(typed.call?.referencedSkills, "as typed").toEqual([SKILL]);

    expect(defuse(form)).not.toBe(form);
    const ours = await throughUs(form);
    expect(ours.status).toBe(200);
    expect(ours.call?.referencedSkills, "through our chat").toEqual([]);
    expect(sawRequest(ours.call, defuse(form)), "the model saw the words as typed").toBe(true);
  });

  it.each(INERT)("leaves %j as typed: it selects nothing, and reaches the model unchanged", async (form) => {
    const typed = await asTyped(form);
    expect(typed.status).toBe(200);
    expect(typed.call?.referencedSkills, "as typed").toEqual([]);

    expect(defuse(form)).toBe(form);
    const ours = await throughUs(form);
    expect(ours.status).toBe(200);
    expect(ours.call?.referencedSkills).toEqual([]);
    expect(sawRequest(ours.call, form), "the model saw the message unchanged").toBe(true);
  });

  it("fails the turn on a reference to a skill the agent may not use, unless defused", async () => {
    // `weather` ships with OpenClaw; the allowlist hides it from this agent.
    const typed = await asTyped("What is $weather in Shanghai?");
    expect(typed.status).toBe(500);
    const ours = await throughUs("What is $weather in Shanghai?");
    expect(ours.status).toBe(200);
    expect(sawRequest(ours.call, defuse("What is $weather in Shanghai?"))).toBe(true);
  });

  it("knows the installed gateway's built-in command names, which never name a skill", async () => {
    const install = inject("openclaw");
    const dist = path.join(path.dirname(install.entry), "dist");
    const module = readdirSync(dist)
      .filter((f) => f.startsWith("chat-command-invocation-") && f.endsWith(".mjs"))
      .map((f) => path.join(dist, f))
      .find((f) => readFileSync(f, "utf8").includes("function listReservedChatSlashCommandNames"));
    expect(module, "OpenClaw's command-name module").toBeDefined();
    const script = `const m = await import(${JSON.stringify(module)});
      const list = Object.values(m).find((f) => typeof f === "function" && f.name === "listReservedChatSlashCommandNames");
      console.log(JSON.stringify([...list()].sort()));`;
    const { stdout } = await promisify(execFile)(install.node, ["--input-type=module", "-e", script]);
    expect(JSON.parse(stdout)).toEqual([...OPENCLAW_RESERVED_COMMANDS].sort());
  });
});
