/** Rate-limit state and how it is shown to clients; kept apart from Redis so any bundle can use it. */
import { ApiError } from "../errors.js";

export interface LimitPolicy {
  max: number;
  windowS: number;
}

export interface LimitState {
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets, at least 1. */
  resetS: number;
  allowed: boolean;
  windowS: number;
}

export function limitState(policy: LimitPolicy, count: number, ttlMs: number): LimitState {
  return {
    limit: policy.max,
    remaining: Math.max(0, policy.max - count),
    resetS: Math.max(1, Math.ceil(ttlMs / 1000)),
    allowed: count <= policy.max,
    windowS: policy.windowS,
  };
}

/**
 * The IETF draft-ietf-httpapi-ratelimit-headers-06 fields (what express-rate-limit calls
 * draft-6): RateLimit-Limit, -Remaining and -Reset (seconds), plus RateLimit-Policy.
 */
export function limitHeaders(state: LimitState): Record<string, string> {
  return {
    "RateLimit-Policy": `${state.limit};w=${state.windowS}`,
    "RateLimit-Limit": String(state.limit),
    "RateLimit-Remaining": String(state.remaining),
    "RateLimit-Reset": String(state.resetS),
  };
}

export function rateLimited(state: LimitState): ApiError {
  return new ApiError("rate_limited", `Too many requests; retry in ${state.resetS} s.`, {
    retryAfterS: state.resetS,
    headers: limitHeaders(state),
  });
}
