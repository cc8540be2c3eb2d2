/**
 * Guards run between body parsing and the action: they identify the caller, charge the limit
 * and prove ownership, in the contract's order (session → body schema → limit → resource).
 * They live apart from the wrapper so that a function without Redis (health) bundles no client.
 */
import type { Redis } from "ioredis";
import type { ConfigOf, Group } from "../config.js";
import { ApiError } from "../errors.js";
import type { Guard, GuardInput } from "../http/handler.js";
import { type LimitPolicy, type LimitState, limitHeaders, rateLimited } from "../limit/headers.js";
import { hitLimit } from "../limit/limiter.js";
import { quotaExceeded, quotaWindow } from "../limit/quota.js";
import { redisClient, withRedis } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";
import { passGate } from "./gate.js";
import { hashToken, looksLikeToken, SESSION_HEADER, type SessionUser } from "./session.js";

type LimitScope = "login" | "chat";
type AnyConfig = Partial<ConfigOf<Group>>;

export interface Store {
  redis: Redis;
  keys: RedisKeys;
}

function store(config: AnyConfig): Store {
  if (!config.REDIS_URL) throw new ApiError("unavailable", "The service is not configured.");
  return { redis: redisClient(config.REDIS_URL), keys: redisKeys(config.REDIS_KEY_PREFIX ?? "") };
}

function policyOf(scope: LimitScope, config: AnyConfig): LimitPolicy {
  const max = scope === "login" ? config.LOGIN_RATE_LIMIT_MAX : config.RATE_LIMIT_MAX;
  return { max: max ?? 1, windowS: config.RATE_LIMIT_WINDOW_S ?? 60 };
}

/** Errors after the counter was charged still tell the client where its limit stands. */
function withHeaders(err: ApiError, limit: LimitState | undefined): ApiError {
  if (limit) Object.assign(err.headers, limitHeaders(limit));
  return err;
}

const unauthorized = () => new ApiError("unauthorized", "Missing, unknown or expired session; log in again.");

export interface SessionGuardOptions<B> {
  /** Charge the caller's counter of this scope. */
  limit?: "chat";
  /** Refuse callers over their daily token quota (DAILY_TOKEN_QUOTA; 0 = off). */
  quota?: boolean;
  /** The request's retry id and a fingerprint of what it asks, when it has one. */
  retry?: (body: B) => { id: string; fingerprint: string } | null;
  /** Key of a hash (with an `owner` field) the request names and the caller must own; null for none. */
  owns?: (request: { body: B; params: Readonly<Record<string, string>> }, keys: RedisKeys) => string | null;
  /** What `owns` names, for the 404 message. */
  ownedName?: string;
}

export interface QuotaState {
  max: number;
  used: number;
  /** Today's counter of this user. */
  key: string;
  resetMs: number;
}

export interface SessionContext extends Store {
  user: SessionUser;
  /** Fields of the resource named by `owns`, proven to be the caller's. */
  owned?: Record<string, string>;
  quota?: QuotaState;
  /** The claimed retry record; the action completes it, or releases it on failure. */
  retryKey?: string;
  /** The stored response of an earlier request with the same retry id: answer with it. */
  replay?: string;
}

/** How long a retry record (and the reply it holds) is kept. */
export const RETRY_TTL_MS = 10 * 60_000;
const RETRY_POLL_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requires a valid `x-wx-session`; session, limit and ownership cost one round trip together. */
export function sessionGuard<B>(options: SessionGuardOptions<B> = {}): Guard<B, SessionContext> {
  const groups: Group[] = ["redis"];
  if (options.limit) groups.push("chatLimit");
  if (options.quota) groups.push("quota");
  return {
    groups,
    async run({ req, config, body, bodyError }: GuardInput<B>) {
      const token = req.headers[SESSION_HEADER];
      if (!looksLikeToken(token)) throw unauthorized();
      const { redis, keys } = store(config);
      const tokenHash = hashToken(token);
      const valid = bodyError === undefined;
      const policy = options.limit ? policyOf(options.limit, config) : undefined;
      const ownedKey = valid && options.owns ? options.owns({ body: body as B, params: req.params }, keys) : null;
      const retry = valid && options.retry ? options.retry(body as B) : null;
      const quotaMax = options.quota ? (config.DAILY_TOKEN_QUOTA ?? 0) : 0;
      const window = quotaMax > 0 ? quotaWindow() : { day: "", resetMs: 0 };
      const ask = () =>
        withRedis(redis, () =>
          passGate(redis, {
            sessionKey: keys.session(tokenHash),
            tokenHash,
            limit: valid && policy && options.limit ? { keyPrefix: keys.rate(options.limit), policy } : undefined,
            ownedKey: ownedKey ?? undefined,
            quota: valid && quotaMax > 0 ? { keyPrefix: keys.quota(window.day), max: quotaMax } : undefined,
            retry: retry
              ? { keyPrefix: `${keys.retry()}${retry.id}:`, fingerprint: retry.fingerprint, ttlMs: RETRY_TTL_MS }
              : undefined,
          }),
        );
      let gate = await ask();
      // A duplicate of a request still running waits for its reply, up to the upstream deadline.
      const waitUntil = Date.now() + (config.OPENCLAW_TIMEOUT_MS ?? 25_000) + 1_000;
      while (gate.outcome === "pending" && Date.now() < waitUntil) {
        await sleep(RETRY_POLL_MS);
        gate = await ask();
      }
      if (gate.outcome === "unauthorized" || !gate.user) throw unauthorized();
      const context: SessionContext = { redis, keys, user: gate.user };
      if (bodyError) throw bodyError;
      if (gate.outcome === "pending") {
        throw new ApiError("upstream_timeout", "The first request with this client_msg_id is still running.");
      }
      if (gate.outcome === "conflict") {
        throw new ApiError("conflict", "client_msg_id was already used for a different message.");
      }
      if (gate.outcome === "replay") return { context: { ...context, replay: gate.replay }, userId: gate.user.openid };
      if (gate.outcome === "rate_limited" && gate.limit) throw rateLimited(gate.limit);
      const quota =
        quotaMax > 0
          ? {
              max: quotaMax,
              used: gate.quotaUsed ?? 0,
              key: `${keys.quota(window.day)}${gate.user.openid}`,
              resetMs: window.resetMs,
            }
          : undefined;
      if (gate.outcome === "quota_exceeded" && quota) {
        throw withHeaders(quotaExceeded(quota.max, quota.used, quota.resetMs), gate.limit);
      }
      if (gate.outcome === "not_found") {
        throw withHeaders(new ApiError("not_found", `${options.ownedName ?? "Resource"} not found.`), gate.limit);
      }
      if (gate.owned) context.owned = gate.owned;
      if (quota) context.quota = quota;
      if (retry) context.retryKey = `${keys.retry()}${retry.id}:${gate.user.openid}`;
      return { context, limit: gate.limit, userId: gate.user.openid };
    },
  };
}

/** Charges the source IP's counter of `scope` (one round trip); no session needed. */
export function ipLimitGuard<B>(scope: LimitScope): Guard<B, Store> {
  return {
    groups: ["redis", scope === "login" ? "loginLimit" : "chatLimit"],
    async run({ req, config, bodyError }: GuardInput<B>) {
      if (bodyError) throw bodyError;
      const s = store(config);
      const limit = await withRedis(s.redis, () =>
        hitLimit(s.redis, s.keys.rate(scope) + req.client.bucket, policyOf(scope, config)),
      );
      if (!limit.allowed) throw rateLimited(limit);
      return { context: s, limit };
    },
  };
}
