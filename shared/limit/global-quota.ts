/**
 * GLOBAL_DAILY_TOKEN_QUOTA: a cap on the tokens all users together spend per quota day (the same
 * Asia/Shanghai day as DAILY_TOKEN_QUOTA). Its counter sits in its own hash slot, so it cannot
 * join a user's scripts on a Redis Cluster: it is read beside the gate and charged beside the
 * turn record, each time in a call sent at the same moment as the user's (docs/quotas.md).
 */
import * as z from "zod/mini";
import { ApiError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import type { RedisKeys } from "../redis/keys.js";
import { defineScript, luaInt } from "../redis/script.js";
import globalQuotaLua from "../redis/scripts/global-quota.lua";
import type { QuotaWindow } from "./quota.js";

/** Both keys outlive their day by an hour, like the users' counters. */
const GRACE_MS = 3_600_000;

export interface GlobalQuota {
  max: number;
  day: string;
  resetMs: number;
}

export const globalQuotaOf = (max: number, window: QuotaWindow): GlobalQuota | undefined =>
  max > 0 ? { max, day: window.day, resetMs: window.resetMs } : undefined;

const globalScript = defineScript({
  name: "global-quota",
  lua: globalQuotaLua,
  keys: ["counter", "reached"],
  args: ["tokens", "max", "ttlMs"],
  reply: z.tuple([luaInt, luaInt]),
});

export interface GlobalState {
  used: number;
  /** The cap is reached (used ≥ max). */
  reached: boolean;
  /** This call was the first, across every instance, to find it reached today. */
  first: boolean;
}

/** Adds `tokens` (0: only reads) and reports where the day's total stands: one call. */
export async function touchGlobalQuota(
  client: RedisClient,
  keys: RedisKeys,
  quota: GlobalQuota,
  tokens: number,
): Promise<GlobalState> {
  const [used, first] = await globalScript(client, {
    keys: { counter: keys.globalQuota(quota.day), reached: keys.globalQuotaReached(quota.day) },
    args: { tokens: Math.max(0, Math.round(tokens)), max: quota.max, ttlMs: quota.resetMs + GRACE_MS },
  });
  return { used, reached: used >= quota.max, first: first === 1 };
}

/** The operator's one line of the day: every user's chat is refused until the day turns. */
export const GLOBAL_CAP_NOTE = "global daily token cap reached: chat refused for everyone until the quota day turns";

/** 429 quota_exceeded for the global cap; the first refusal of the day carries the operator's line. */
export function globalQuotaExceeded(quota: GlobalQuota, state: GlobalState): ApiError {
  const resetS = Math.max(1, Math.ceil(quota.resetMs / 1000));
  return new ApiError("quota_exceeded", `The service's token budget for today is used up; retry in ${resetS} s.`, {
    retryAfterS: resetS,
    ...(state.first
      ? { operatorNote: `${GLOBAL_CAP_NOTE} (${state.used} of ${quota.max} tokens)`, logLevel: "error" as const }
      : {}),
  });
}
