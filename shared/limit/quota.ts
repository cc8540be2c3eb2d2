/**
 * Daily token quotas: tokens (OpenClaw's usage.total_tokens) a user may spend per calendar day in
 * Asia/Shanghai. Usage is known only after a reply, so the check before a request can pass for
 * several requests in flight at once; the overshoot is at most those replies' tokens.
 */
import { ApiError } from "../errors.js";

const DAY_MS = 86_400_000;
/** China Standard Time has no daylight saving: a fixed UTC+8. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface QuotaWindow {
  /** YYYYMMDD in Asia/Shanghai: the key of today's counter. */
  day: string;
  /** ms until the next Shanghai midnight, when the quota resets. */
  resetMs: number;
}

export function quotaWindow(now = Date.now()): QuotaWindow {
  const local = now + SHANGHAI_OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const day = new Date(dayStart).toISOString().slice(0, 10).replaceAll("-", "");
  return { day, resetMs: dayStart + DAY_MS - local };
}

export const QUOTA_HEADER = "X-Token-Quota-Remaining";

export const quotaHeaders = (max: number, used: number): Record<string, string> => ({
  [QUOTA_HEADER]: String(Math.max(0, max - used)),
});

export function quotaExceeded(max: number, used: number, resetMs: number): ApiError {
  const resetS = Math.max(1, Math.ceil(resetMs / 1000));
  return new ApiError("quota_exceeded", `Today's token quota is used up; it resets in ${resetS} s.`, {
    retryAfterS: resetS,
    headers: quotaHeaders(max, used),
  });
}
