/**
 * Guards run between body parsing and the action: they identify the caller, charge the limit
 * and prove ownership, in the contract's order (session → body schema → limit → resource).
 * They live apart from the wrapper so that a function without Redis (health) bundles no client.
 */
import type { Redis } from "ioredis";
import type { ConfigOf, Group } from "../config.js";
import { ApiError } from "../errors.js";
import type { Guard, GuardInput } from "../http/handler.js";
import type { LimitPolicy } from "../limit/headers.js";
import { limitHeaders, rateLimited } from "../limit/headers.js";
import { hitLimit } from "../limit/limiter.js";
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

const unauthorized = () => new ApiError("unauthorized", "Missing, unknown or expired session; log in again.");

export interface SessionGuardOptions<B> {
  /** Charge the caller's counter of this scope. */
  limit?: "chat";
  /** Key of a hash (with an `owner` field) the request names and the caller must own; null for none. */
  owns?: (request: { body: B; params: Readonly<Record<string, string>> }, keys: RedisKeys) => string | null;
  /** What `owns` names, for the 404 message. */
  ownedName?: string;
}

export interface SessionContext extends Store {
  user: SessionUser;
  /** Fields of the resource named by `owns`, proven to be the caller's. */
  owned?: Record<string, string>;
}

/** Requires a valid `x-wx-session`; session, limit and ownership cost one round trip together. */
export function sessionGuard<B>(options: SessionGuardOptions<B> = {}): Guard<B, SessionContext> {
  const groups: Group[] = ["redis"];
  if (options.limit) groups.push("chatLimit");
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
      const gate = await withRedis(redis, () =>
        passGate(redis, {
          sessionKey: keys.session(tokenHash),
          tokenHash,
          limit: valid && policy && options.limit ? { keyPrefix: keys.rate(options.limit), policy } : undefined,
          ownedKey: ownedKey ?? undefined,
        }),
      );
      if (gate.outcome === "unauthorized" || !gate.user) throw unauthorized();
      const context: SessionContext = { redis, keys, user: gate.user };
      if (bodyError) throw bodyError;
      if (gate.outcome === "rate_limited" && gate.limit) throw rateLimited(gate.limit);
      if (gate.outcome === "not_found") {
        throw new ApiError("not_found", `${options.ownedName ?? "Resource"} not found.`, {
          headers: gate.limit ? limitHeaders(gate.limit) : {},
        });
      }
      if (gate.owned) context.owned = gate.owned;
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
        hitLimit(s.redis, s.keys.rate(scope) + req.sourceIp, policyOf(scope, config)),
      );
      if (!limit.allowed) throw rateLimited(limit);
      return { context: s, limit };
    },
  };
}
