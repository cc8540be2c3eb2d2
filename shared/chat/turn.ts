/**
 * One chat turn, shared by the JSON and the streaming endpoint: pick the conversation, ask
 * OpenClaw (the caller says how), then record everything the turn changed in one round trip:
 * the conversation and its history, the quota counter, and the retry record. While the turn
 * runs, its claim on the retry id is renewed (shared/chat/idempotency.ts). A turn cut short
 * after it reached OpenClaw is charged all the same, before the request ends (./cut.ts).
 */
import type { SessionContext } from "../auth/guards.js";
import type { ConfigOf } from "../config.js";
import { historyPolicy } from "../conversations/policy.js";
import { type Conversation, recordTurn, resolveConversation } from "../conversations/store.js";
import { type ApiError, isApiError } from "../errors.js";
import { GLOBAL_CAP_NOTE, touchGlobalQuota } from "../limit/global-quota.js";
import { quotaHeaders } from "../limit/quota.js";
import type { Logger } from "../log.js";
import type { Answer } from "../openclaw/client.js";
import { withRedis } from "../redis/client.js";
import type { ChatRequest, ChatResponse } from "../schemas.js";
import { chargeCutTurn, cutTurnTokens, newProgress, type TurnProgress } from "./cut.js";
import { completionOf, keepClaim, REPLAY_HEADERS, releaseClaim, replayOf } from "./idempotency.js";
import { contentScreen, type Screen } from "./screen.js";

export type TurnContext = SessionContext & {
  body: ChatRequest;
  config: ConfigOf<"conversations" | "contentSecurity">;
  log: Logger;
  /** Aborted when the client hangs up (streaming). */
  signal?: AbortSignal;
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
  ask: (conversation: Conversation, screen: Screen | undefined, progress: TurnProgress) => Promise<Answer>,
): Promise<TurnResult> {
  const { body, redis, mine, config, quota, claim, log } = ctx;
  const conversation = resolveConversation(body.conversation_id, ctx.owned);
  const stopRenewing = claim ? keepClaim(redis, mine, claim) : () => {};
  const progress = newProgress();
  let answer: Answer;
  try {
    const screen = contentScreen(ctx);
    await screen?.input(body.message);
    answer = await ask(conversation, screen, progress);
  } catch (e) {
    stopRenewing();
    if (reachedOpenClaw(e, progress, ctx.signal)) {
      await chargeCut(ctx, progress, ctx.signal?.aborted ? "client hung up" : (e as ApiError).code);
    } else if (claim) {
      // A failed request must not block its own retry.
      await withRedis(redis, () => releaseClaim(redis, mine, claim)).catch(() => false);
    }
    throw e;
  }
  stopRenewing();
  const response: ChatResponse = { reply: answer.text, conversation_id: conversation.id, tokens_used: answer.tokens };
  let used = (quota?.used ?? 0) + answer.tokens;
  // The global counter has its own slot: charged in a call sent beside the record.
  const global = chargeGlobal(ctx, answer.tokens);
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
  await global;
  return { response, headers: quota ? quotaHeaders(quota.max, used) : {} };
}

/**
 * Whether OpenClaw did work for a turn that failed: the request was sent, and then the client
 * hung up, we gave up waiting (timeout: it may still be writing), or it had accepted the request
 * (200) before the turn broke. A refusal (an error status) is not charged.
 */
function reachedOpenClaw(e: unknown, progress: TurnProgress, signal: AbortSignal | undefined): boolean {
  if (!progress.sent) return false;
  if (signal?.aborted || progress.opened || progress.usage !== undefined) return true;
  return isApiError(e) && e.code === "upstream_timeout";
}

/** Charges a cut turn and frees its retry id; a failed charge is logged, never the client's problem. */
async function chargeCut(ctx: TurnContext, progress: TurnProgress, cause: string): Promise<void> {
  const { redis, mine, quota, claim, log } = ctx;
  const { tokens, estimated } = cutTurnTokens(ctx.body.message, progress);
  const global = chargeGlobal(ctx, tokens);
  let charged = true;
  if (quota || claim) {
    try {
      await withRedis(redis, () =>
        chargeCutTurn(redis, mine, {
          tokens,
          quota: quota ? { key: quota.key, ttlMs: quota.resetMs + 3_600_000 } : undefined,
          claim,
        }),
      );
    } catch (e) {
      charged = false;
      log.warn("cut turn not charged", { cause, tokens, reason: (e as ApiError).operatorNote });
    }
  }
  await global;
  if (charged && (quota || ctx.globalQuota)) log.info("cut turn charged", { cause, tokens, estimated });
}

/**
 * Adds the turn's tokens to the global daily counter, when that cap is on; the call that takes
 * it over the cap first (across every instance) writes the operator's one line of the day.
 */
async function chargeGlobal(ctx: TurnContext, tokens: number): Promise<void> {
  const { redis, keys, globalQuota, log } = ctx;
  if (!globalQuota || tokens <= 0) return;
  try {
    const state = await withRedis(redis, () => touchGlobalQuota(redis, keys, globalQuota, tokens));
    if (state.first) log.error(GLOBAL_CAP_NOTE, { used: state.used, max: globalQuota.max });
  } catch (e) {
    log.warn("global token counter not charged", { tokens, reason: (e as ApiError).operatorNote });
  }
}
