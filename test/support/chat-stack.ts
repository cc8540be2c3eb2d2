/**
 * In-process chat tests: stand-ins, environment and helpers shared by the chat suites.
 * Each test gets a fresh key prefix, so counters and conversations never leak between tests.
 */

import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import * as z from "zod/mini";
import { main_handler as chat } from "../../functions/chat/index.js";
import {
  type OpenClawOptions,
  type OpenClawStandin,
  type ReceivedCall,
  startOpenClawStandin,
} from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatOptions, type WechatStandin } from "../../scripts/standins/wechat.js";
import type { RedisClient } from "../../shared/redis/client.js";
import { ChatResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "./events.js";
import { forbidInLogs } from "./log-guard.js";
import { inspector, setEnv, TEST_APPID, TEST_SECRET, testRedisEnv, uniquePrefix } from "./stack.js";

export interface ChatStack {
  wechat: WechatStandin;
  openclaw: OpenClawStandin;
  redis: RedisClient;
  prefix: string;
}

/** Registers the hooks; the returned object is filled in as they run. */
export function useChatStack(
  env: Record<string, string | undefined> = {},
  options: { wechat?: Partial<WechatOptions>; openclaw?: OpenClawOptions } = {},
): ChatStack {
  const stack = {} as ChatStack;
  beforeAll(async () => {
    stack.wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET, ...options.wechat });
    stack.openclaw = await startOpenClawStandin(options.openclaw);
    if (options.openclaw?.token) forbidInLogs(options.openclaw.token);
    stack.redis = inspector();
    forbidInLogs(TEST_SECRET);
  });
  afterAll(async () => {
    await Promise.all([stack.wechat.close(), stack.openclaw.close()]);
    stack.redis.disconnect();
  });
  beforeEach(() => {
    stack.prefix = uniquePrefix();
    setEnv({
      ...testRedisEnv(),
      REDIS_KEY_PREFIX: stack.prefix,
      WX_APPID: TEST_APPID,
      WX_SECRET: TEST_SECRET,
      WX_API_BASE: stack.wechat.url,
      OPENCLAW_BASE_URL: stack.openclaw.url,
      OPENCLAW_TOKEN: options.openclaw?.token,
      OPENCLAW_AGENT_ID: "main",
      WX_TIMEOUT_MS: "2000",
      MESSAGE_MAX_CHARS: "2000",
      HISTORY_MAX_MESSAGES: "100",
      WX_MSG_SEC_CHECK: "false",
      OPENCLAW_TIMEOUT_MS: "3000",
      RATE_LIMIT_MAX: "100",
      LOGIN_RATE_LIMIT_MAX: "1000",
      DAILY_TOKEN_QUOTA: "0",
      HISTORY_ENABLED: "true",
      ...env,
    });
  });
  return stack;
}

/** POSTs /api/chat (the message is declared secret for the logs). */
export function postChat(token: string, body: Record<string, unknown>) {
  if (typeof body.message === "string") forbidInLogs(body.message);
  return chat(urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": token }, body }));
}

export async function chatOk(token: string, body: Record<string, unknown>) {
  const res = await postChat(token, body);
  expect(res.statusCode, res.body).toBe(200);
  return { res, body: bodyAs(res, ChatResponse) };
}

/** Chat completion messages, as OpenClaw receives them. */
const SentMessages = z.array(z.object({ role: z.string(), content: z.string() }));

/** The messages OpenClaw was sent in `call`; the call must have happened. */
export function messagesSent(call: ReceivedCall | undefined): z.infer<typeof SentMessages> {
  if (!call) throw new Error("OpenClaw received no such call");
  return z.parse(SentMessages, call.messages);
}
