/**
 * One built chat Web function process serving many turns at once, as SCF's request
 * multi-concurrency sends them: 50 users with two turns each, all held upstream at the same
 * time. Every reply, stored turn, limit counter and log line must belong to its own request.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { main_handler as history } from "../../functions/conversations/index.js";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { userIdOfToken } from "../../shared/auth/session.js";
import { MessagesResponse } from "../../shared/schemas.js";
import { bodyAs, scfContext, urlEvent } from "../support/events.js";
import { JsonObject, jsonOf } from "../support/json.js";
import { forbidInLogs } from "../support/log-guard.js";
import { logLinesIn } from "../support/logs.js";
import { setEnv, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";
import { loginAs } from "../support/users.js";
import { startWebFunction, type WebFunction } from "../support/web-function.js";

const USERS = 50;
const TURNS_EACH = 2;

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let web: WebFunction;

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  // Each turn is held long enough for all of them to be in flight together.
  openclaw = await startOpenClawStandin({ replyDelayMs: 2000 });
  const env = {
    REDIS_URL: inject("redisUrl"),
    REDIS_MODE: inject("redisMode"),
    REDIS_KEY_PREFIX: uniquePrefix(),
    OPENCLAW_BASE_URL: openclaw.url,
    RATE_LIMIT_MAX: String(TURNS_EACH),
    RATE_LIMIT_WINDOW_S: "600",
    HISTORY_ENABLED: "true",
  };
  // Login and the history read run in this process, against the same Redis and prefix.
  setEnv({ ...env, WX_APPID: TEST_APPID, WX_SECRET: TEST_SECRET, WX_API_BASE: wechat.url });
  web = await startWebFunction("chat", env);
});
afterAll(async () => {
  web?.close();
  await Promise.all([wechat.close(), openclaw.close()]);
});

const userRef = (openid: string) => createHash("sha256").update(openid).digest("hex").slice(0, 12);

interface Turn {
  user: number;
  token: string;
  message: string;
  requestId: string;
}

describe(`${USERS} users × ${TURNS_EACH} turns at once through one chat Web function process`, () => {
  it("gives every request its own reply, history, limit count and log lines", { timeout: 60_000 }, async () => {
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => loginAs(`crowd${u}`)));
    const turns: Turn[] = tokens.flatMap((token, user) =>
      Array.from({ length: TURNS_EACH }, (_, t) => ({
        user,
        token,
        message: `user ${user} turn ${t} ${randomUUID()}`,
        requestId: `req-${user}-${t}-${randomUUID()}`,
      })),
    );
    forbidInLogs(...turns.map((t) => t.message));

    const answers = await Promise.all(
      turns.map(async (turn) => {
        const res = await fetch(`${web.url}/api/chat`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-wx-session": turn.token,
            "x-scf-request-id": turn.requestId,
          },
          body: JSON.stringify({ message: turn.message, conversation_id: null }),
        });
        return { turn, res, body: await jsonOf(res, JsonObject) };
      }),
    );
    // They really overlapped: the upstream held at least one turn of every user at once.
    expect(openclaw.maxInFlight).toBeGreaterThanOrEqual(USERS);

    // Replies: each its own message, its own id, and a conversation of its own.
    for (const { turn, res, body } of answers) {
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.headers.get("x-request-id")).toBe(turn.requestId);
      expect(body.reply).toBe(standinReply(turn.message, 1));
    }
    const conversations = answers.map((a) => String(a.body.conversation_id));
    expect(new Set(conversations).size).toBe(turns.length);

    // Limit counters: each user's own two requests counted 1 and 2, whoever else was running.
    for (let u = 0; u < USERS; u++) {
      const remaining = answers
        .filter((a) => a.turn.user === u)
        .map((a) => a.res.headers.get("ratelimit-remaining"))
        .sort();
      expect(remaining).toEqual(["0", "1"]);
    }
    const over = await fetch(`${web.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": tokens[0] ?? "" },
      body: JSON.stringify({ message: "one too many", conversation_id: null }),
    });
    expect(over.status).toBe(429);

    // History: each conversation holds exactly its own turn, readable by its owner only.
    for (const { turn, body } of answers) {
      const res = await history(
        urlEvent({
          path: `/api/conversations/${String(body.conversation_id)}/messages`,
          headers: { "x-wx-session": turn.token },
        }),
        scfContext(),
      );
      expect(res.statusCode).toBe(200);
      const stored = bodyAs(res, MessagesResponse).messages.map((m) => [m.role, m.content]);
      expect(stored).toEqual([
        ["user", turn.message],
        ["assistant", standinReply(turn.message, 1)],
      ]);
    }

    // Log lines: exactly one outcome line per request, naming its own user.
    const lines = logLinesIn(web.logs());
    for (const turn of turns) {
      const mine = lines.filter((l) => l.requestId === turn.requestId);
      expect(mine).toEqual([
        expect.objectContaining({
          msg: "request",
          level: "info",
          status: 200,
          user: userRef(userIdOfToken(turn.token)),
        }),
      ]);
    }
  });
});
