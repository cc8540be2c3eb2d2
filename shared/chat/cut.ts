/**
 * A turn cut short after it reached OpenClaw: the client hung up (a closed stream), or we gave
 * up on the upstream (timeout), or the turn broke after OpenClaw accepted it. OpenClaw did work
 * for it, so it is charged: the upstream's own usage when it arrived, otherwise an estimate of
 * the prompt plus the reply text received so far (shared/limit/estimate.ts). It stores no
 * history, and its retry id is freed so that a retry runs the turn again.
 */
import * as z from "zod/mini";
import type { RetryClaim } from "../auth/gate.js";
import { estimateTokens } from "../limit/estimate.js";
import type { RedisClient } from "../redis/client.js";
import type { UserKeys } from "../redis/keys.js";
import { defineScript, luaInt } from "../redis/script.js";
import chargeCutLua from "../redis/scripts/charge-cut-turn.lua";

/** What the turn learned from OpenClaw before it ended; filled in by the caller of the upstream. */
export interface TurnProgress {
  /** The request was sent to OpenClaw. */
  sent: boolean;
  /** OpenClaw accepted it (status 200): it is working on the reply. */
  opened: boolean;
  /** Reply text received from OpenClaw so far (not only what reached the client). */
  received: string;
  /** OpenClaw's own total_tokens, once its usage arrived. */
  usage?: number;
}

export const newProgress = (): TurnProgress => ({ sent: false, opened: false, received: "" });

/** Tokens to charge for a cut turn: the upstream's usage, or the estimate. */
export function cutTurnTokens(message: string, progress: TurnProgress): { tokens: number; estimated: boolean } {
  if (progress.usage !== undefined) return { tokens: progress.usage, estimated: false };
  return { tokens: estimateTokens(message) + estimateTokens(progress.received), estimated: true };
}

const chargeCutScript = defineScript({
  name: "charge-cut-turn",
  lua: chargeCutLua,
  keys: ["quota", "retry", "retries"],
  args: ["tokens", "quotaTtlMs", "owner", "field"],
  reply: z.tuple([luaInt, luaInt]),
});

/** Charges the quota (when there is one) and frees the claim (when there is one): one round trip. */
export async function chargeCutTurn(
  client: RedisClient,
  mine: UserKeys,
  charge: { tokens: number; quota?: { key: string; ttlMs: number }; claim?: RetryClaim },
): Promise<{ quotaUsed: number; released: boolean }> {
  const [used, released] = await chargeCutScript(client, {
    keys: {
      quota: charge.quota?.key ?? mine.quota("00000000"),
      retry: mine.retry(charge.claim?.field ?? "0"),
      retries: mine.retries,
    },
    args: {
      tokens: charge.tokens,
      quotaTtlMs: charge.quota?.ttlMs ?? 0,
      owner: charge.claim?.owner ?? "",
      field: charge.claim?.field ?? "",
    },
  });
  return { quotaUsed: used, released: released === 1 };
}
