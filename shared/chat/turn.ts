/**
 * One chat turn, shared by the JSON and the streaming endpoint: pick the conversation, ask
 * OpenClaw (the caller says how), then record everything the turn changed in one round trip:
 * the conversation and its history, the quota counter, and the retry record. While the turn
 * runs, its claim on the retry id is renewed (shared/chat/idempotency.ts).
 */
import type { SessionContext } from "../auth/guards.js";
import type { ConfigOf } from "../config.js";
import { historyPolicy } from "../conversations/policy.js";
import { type Conversation, recordTurn, resolveConversation } from "../conversations/store.js";
import type { ApiError } from "../errors.js";
import { quotaHeaders } from "../limit/quota.js";
import type { Logger } from "../log.js";
import type { Answer } from "../openclaw/client.js";
import { withRedis } from "../redis/client.js";
import type { ChatRequest, ChatResponse } from "../schemas.js";
import { completionOf, keepClaim, REPLAY_HEADERS, releaseClaim, replayOf } from "./idempotency.js";
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

/** The first answer to a retried request, as stored. */
export function replayed(stored: string): TurnResult {
  return { response: replayOf(stored), headers: { ...REPLAY_HEADERS } };
}

/**
 * Asks OpenClaw through `ask` (which screens the reply with `screen` when content security is
 * on) and records the turn. The user's message is screened first: a risky one never leaves.
 */
export async function takeTurn(
  ctx: TurnContext,
  ask: (conversation: Conversation, screen: Screen | undefined) => Promise<Answer>,
): Promise<TurnResult> {
  const { body, redis, mine, config, quota, claim, log } = ctx;
  const conversation = resolveConversation(body.conversation_id, ctx.owned);
  const stopRenewing = claim ? keepClaim(redis, mine, claim) : () => {};
  let answer: Answer;
  try {
    const screen = contentScreen(ctx);
    await screen?.input(body.message);
    answer = await ask(conversation, screen);
  } catch (e) {
    stopRenewing();
    // A failed request must not block its own retry.
    if (claim) await withRedis(redis, () => releaseClaim(redis, mine, claim)).catch(() => false);
    throw e;
  }
  stopRenewing();
  const response: ChatResponse = { reply: answer.text, conversation_id: conversation.id, tokens_used: answer.tokens };
  let used = (quota?.used ?? 0) + answer.tokens;
  try {
    const recorded = await withRedis(redis, () =>
      recordTurn(
        redis,
        mine,
        ctx.startMs,
        conversation,
        { message: body.message, reply: answer.text },
        historyPolicy(config),
        {
          quota: quota ? { key: quota.key, tokens: answer.tokens, ttlMs: quota.resetMs + 3_600_000 } : undefined,
          retry: claim ? completionOf(claim, response) : undefined,
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
