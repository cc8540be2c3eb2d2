/**
 * Guards run between body parsing and the action: they identify the caller, charge the limit
 * and prove ownership, in the contract's order (session → body schema → limit → resource).
 * Each is built from its route's record (shared/routes.ts: auth, limit, quota, idempotency,
 * owns); a function file only names which kind its routes take, and the type-checker holds it
 * to the record. They live apart from the wrapper so that a function without Redis (health)
 * bundles no client.
 */
import type { ConfigOf, Group } from "../config.js";
import { ApiError } from "../errors.js";
import type { Guard, GuardInput, GuardKit, RetryPolicy } from "../http/pipeline.js";
import { type GlobalQuota, globalQuotaExceeded, globalQuotaOf, touchGlobalQuota } from "../limit/global-quota.js";
import { type LimitPolicy, type LimitState, limitHeaders, rateLimited } from "../limit/headers.js";
import { hitLimit } from "../limit/limiter.js";
import { quotaExceeded, quotaWindow } from "../limit/quota.js";
import { type RedisClient, redisClient, withRedis } from "../redis/client.js";
import { type RedisKeys, redisKeys, type UserKeys } from "../redis/keys.js";
import { type RouteDef, routes } from "../routes.js";
import { passGate, type RetryClaim } from "./gate.js";
import { hashToken, looksLikeToken, SESSION_HEADER, type SessionUser, userIdOfToken } from "./session.js";

type LimitScope = "login" | "chat";
type AnyConfig = Partial<ConfigOf<Group>>;

export interface Store {
  redis: RedisClient;
  keys: RedisKeys;
}

function store(config: AnyConfig): Store {
  if (!config.REDIS_URL) throw new ApiError("unavailable", "The service is not configured.");
  return {
    redis: redisClient(config.REDIS_URL, config.REDIS_MODE ?? "standalone"),
    keys: redisKeys(config.REDIS_KEY_PREFIX ?? ""),
  };
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

/** What a session guard does, read off its route's record. */
interface SessionGuardOptions<B> {
  /** Charge the caller's counter. */
  limit?: "chat" | undefined;
  /**
   * Refuse callers over their daily token quota (DAILY_TOKEN_QUOTA; 0 = off), and everyone once
   * all users together spent GLOBAL_DAILY_TOKEN_QUOTA (0 = off).
   */
  quota?: boolean | undefined;
  /** Retry ids (client_msg_id): claimed, waited for, replayed. */
  retry?: RetryPolicy<B> | undefined;
  /** The conversation id the request names and the caller must own; null for none. */
  owns?: ((request: { body: B; params: Readonly<Record<string, string>> }) => string | null) | undefined;
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
  /** The caller's own keys. */
  mine: UserKeys;
  /** Redis's clock when the gate ran: when this turn started, for the erase marker. */
  startMs: number;
  /** Fields of the conversation named by `owns`, proven to be the caller's. */
  owned?: Record<string, string>;
  quota?: QuotaState;
  /** The global daily cap, when on: the turn charges it too. */
  globalQuota?: GlobalQuota;
  /** The claimed retry id; the action completes it, or releases it on failure. */
  claim?: RetryClaim;
  /** The stored response of an earlier request with the same retry id: answer with it. */
  replay?: string;
}

/**
 * The conversation a request names, where its record's `owns` says to look: a path parameter,
 * or a body field (shared/routes.ts checks at compile time that the route has it).
 */
function conversationNamed<B>(route: RouteDef): SessionGuardOptions<B>["owns"] {
  const where = route.owns?.conversation;
  if (!where) return undefined;
  if ("path" in where) return ({ params }) => params[where.path] ?? "";
  return ({ body }) => {
    const value = typeof body === "object" && body !== null ? Reflect.get(body, where.body) : undefined;
    return typeof value === "string" ? value : null;
  };
}

/**
 * For routes with `auth: "session"`: requires a valid `x-wx-session`, then applies what the record
 * declares (limit, quota, idempotency, owns). Session, limit, ownership and the retry claim cost
 * one round trip together.
 */
export const sessionGuard: GuardKit<"session", SessionContext> = {
  kind: "session",
  build(name, parts) {
    const route: RouteDef = routes[name];
    if (route.idempotency && !parts.retry) throw new Error(`route ${name} declares idempotency: its spec needs retry`);
    // The login limit counts client addresses, which a session route has no reason to charge.
    if (route.limit === "login") throw new Error(`route ${name} has a session: its limit is per caller (chat)`);
    return composeSessionGuard({
      limit: route.limit,
      quota: route.quota,
      retry: route.idempotency ? parts.retry : undefined,
      owns: conversationNamed(route),
    });
  },
};

function composeSessionGuard<B>(options: SessionGuardOptions<B>): Guard<B, SessionContext> {
  return {
    async run({ req, config, body, bodyError }: GuardInput<B>) {
      const token = req.headers[SESSION_HEADER];
      if (!looksLikeToken(token)) throw unauthorized();
      const { redis, keys } = store(config);
      const tokenHash = hashToken(token);
      const uid = userIdOfToken(token);
      const mine = keys.user(uid);
      const valid = bodyError === undefined;
      const policy = options.limit ? policyOf(options.limit, config) : undefined;
      const conversationId = valid && options.owns ? options.owns({ body: body as B, params: req.params }) : null;
      const claim = valid && options.retry ? options.retry.claim(body as B) : null;
      const quotaMax = options.quota ? (config.DAILY_TOKEN_QUOTA ?? 0) : 0;
      const globalMax = options.quota ? (config.GLOBAL_DAILY_TOKEN_QUOTA ?? 0) : 0;
      const window = quotaMax > 0 || globalMax > 0 ? quotaWindow() : { day: "", resetMs: 0 };
      const quotaKey = quotaMax > 0 ? mine.quota(window.day) : undefined;
      const globalQuota = valid ? globalQuotaOf(globalMax, window) : undefined;
      const ask = () =>
        withRedis(redis, () =>
          passGate(redis, {
            keys: mine,
            tokenHash,
            uid,
            limit: valid ? policy : undefined,
            conversationId: conversationId ?? undefined,
            quota: valid && quotaKey ? { key: quotaKey, max: quotaMax } : undefined,
            retry: claim ?? undefined,
          }),
        );
      // A duplicate of a request still running waits for it, up to the upstream deadline.
      const deadline = Date.now() + (config.OPENCLAW_TIMEOUT_MS ?? 25_000) + 1_000;
      const retry = options.retry;
      // The global counter lives in its own slot: read in a call sent beside the gate's, not after it.
      const [gate, global] = await Promise.all([
        retry && claim
          ? gateWithWaiting(ask, () => withRedis(redis, () => retry.wait(redis, mine, claim, deadline)))
          : ask(),
        globalQuota ? withRedis(redis, () => touchGlobalQuota(redis, keys, globalQuota, 0)) : undefined,
      ]);
      if (gate.outcome === "unauthorized" || !gate.user) throw unauthorized();
      const context: SessionContext = { redis, keys, mine, user: gate.user, startMs: gate.startMs };
      if (bodyError) throw bodyError;
      if ((gate.outcome === "pending" || gate.outcome === "in_progress") && retry) {
        throw retry.busy(gate.claimTtlMs ?? 1_000);
      }
      if (gate.outcome === "conflict") {
        throw new ApiError("conflict", "client_msg_id was already used for a different message.");
      }
      if (gate.outcome === "replay") return { context: { ...context, replay: gate.replay }, userId: gate.user.uid };
      if (gate.outcome === "rate_limited" && gate.limit) throw rateLimited(gate.limit);
      const quota =
        quotaKey !== undefined
          ? { max: quotaMax, used: gate.quotaUsed ?? 0, key: quotaKey, resetMs: window.resetMs }
          : undefined;
      if (gate.outcome === "quota_exceeded" && quota) {
        throw withHeaders(quotaExceeded(quota.max, quota.used, quota.resetMs), gate.limit);
      }
      if (globalQuota && global?.reached) {
        await refuseGlobally(redis, mine, gate.outcome === "ok" ? claim : null, retry);
        throw withHeaders(globalQuotaExceeded(globalQuota, global), gate.limit);
      }
      if (gate.outcome === "not_found") {
        throw withHeaders(new ApiError("not_found", "Conversation not found."), gate.limit);
      }
      if (gate.owned) context.owned = gate.owned;
      if (quota) context.quota = quota;
      if (globalQuota) context.globalQuota = globalQuota;
      if (claim) context.claim = claim;
      return { context, limit: gate.limit, userId: gate.user.uid };
    },
  };
}

/** The gate claimed the retry id before the global cap's answer came back: free it (one call). */
async function refuseGlobally<B>(
  redis: RedisClient,
  mine: UserKeys,
  claim: RetryClaim | null,
  retry: RetryPolicy<B> | undefined,
): Promise<void> {
  if (claim && retry) await withRedis(redis, () => retry.release(redis, mine, claim)).catch(() => false);
}

/** Runs the gate; while it reports the retry id's turn running elsewhere, waits and asks again. */
async function gateWithWaiting(
  ask: () => ReturnType<typeof passGate>,
  wait: () => Promise<"done" | "gone" | "timeout">,
) {
  let gate = await ask();
  while (gate.outcome === "pending") {
    if ((await wait()) === "timeout") return gate;
    gate = await ask();
  }
  return gate;
}

/**
 * For routes without a session that declare a `limit`: charges the client address's counter of
 * that limit (one round trip).
 */
export const addressGuard: GuardKit<"address", Store> = {
  kind: "address",
  build(name) {
    const route: RouteDef = routes[name];
    const scope = route.limit;
    if (!scope) throw new Error(`route ${name} declares no limit for an address guard to charge`);
    return addressLimit(scope);
  },
};

function addressLimit<B>(scope: LimitScope): Guard<B, Store> {
  return {
    async run({ req, config, bodyError }: GuardInput<B>) {
      if (bodyError) throw bodyError;
      const s = store(config);
      const limit = await withRedis(s.redis, () =>
        hitLimit(s.redis, s.keys.ipRate(scope, req.client.bucket), policyOf(scope, config)),
      );
      if (!limit.allowed) throw rateLimited(limit);
      return { context: s, limit };
    },
  };
}
