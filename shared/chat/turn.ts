/**
 * One chat turn, shared by the JSON and the streaming endpoint: pick the conversation, ask
 * OpenClaw (the caller says how), then record everything the turn changed in one round trip:
 * the conversation and its history, the quota counter, and the retry record.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { RETRY_TTL_MS, type SessionContext } from "../auth/guards.js";
import type { ConfigOf } from "../config.js";
import { historyPolicy } from "../conversations/policy.js";
import { type Conversation, recordTurn, releaseRetry, resolveConversation } from "../conversations/store.js";
import type { ApiError } from "../errors.js";
import { quotaHeaders } from "../limit/quota.js";
import type { Logger } from "../log.js";
import type { Answer } from "../openclaw/client.js";
import { withRedis } from "../redis/client.js";
import type { ChatRequest, ChatResponse } from "../schemas.js";
import { contentScreen, type Screen } from "./screen.js";

export type TurnContext = SessionContext & {
  body: ChatRequest;
  config: ConfigOf<"conversations" | "contentSecurity">;
  log: Logger;
};

export interface TurnResult {
  response: ChatResponse;
  headers: Record<string, string>;
}

/** What a retry id stands for: the same id must come with the same message and conversation. */
export function retryOf(body: ChatRequest): { id: string; fingerprint: string } | null {
  if (!body.client_msg_id) return null;
  const fingerprint = createHash("sha256")
    .update(`${body.conversation_id ?? ""}\n${body.message}`)
    .digest("hex")
    .slice(0, 32);
  return { id: body.client_msg_id, fingerprint };
}

/** The first answer to a retried request, as stored. */
export function replayed(stored: string): TurnResult {
  return { response: JSON.parse(stored) as ChatResponse, headers: { "Idempotent-Replayed": "true" } };
}

async function release(redis: Redis, key: string | undefined): Promise<void> {
  if (key) await withRedis(redis, () => releaseRetry(redis, key)).catch(() => {});
}

/**
 * Asks OpenClaw through `ask` (which screens the reply with `screen` when content security is
 * on) and records the turn. The user's message is screened first: a risky one never leaves.
 */
export async function takeTurn(
  ctx: TurnContext,
  ask: (conversation: Conversation, screen: Screen | undefined) => Promise<Answer>,
): Promise<TurnResult> {
  const { body, user, redis, keys, config, quota, retryKey, log } = ctx;
  const conversation = resolveConversation(body.conversation_id, ctx.owned);
  let answer: Answer;
  try {
    const screen = contentScreen(ctx);
    await screen?.input(body.message);
    answer = await ask(conversation, screen);
  } catch (e) {
    // A failed request must not block its own retry.
    await release(redis, retryKey);
    throw e;
  }
  const response: ChatResponse = { reply: answer.text, conversation_id: conversation.id, tokens_used: answer.tokens };
  let used = (quota?.used ?? 0) + answer.tokens;
  try {
    const recorded = await withRedis(redis, () =>
      recordTurn(
        redis,
        keys,
        user,
        conversation,
        { message: body.message, reply: answer.text },
        historyPolicy(config),
        {
          quota: quota ? { key: quota.key, tokens: answer.tokens, ttlMs: quota.resetMs + 3_600_000 } : undefined,
          retry: retryKey ? { key: retryKey, response: JSON.stringify(response), ttlMs: RETRY_TTL_MS } : undefined,
        },
      ),
    );
    if (quota) used = recorded.quotaUsed;
  } catch (e) {
    // The reply exists and was paid for: a failed write must not throw it away.
    log.warn("turn not recorded; reply returned anyway", { reason: (e as ApiError).operatorNote });
  }
  return { response, headers: quota ? quotaHeaders(quota.max, used) : {} };
}
