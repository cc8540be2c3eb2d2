/**
 * The checks every request passes before its action, in the contract's order (CHECK_ORDER), for
 * event and Web functions alike: route and method, body size, configuration (the route's own,
 * shared/routes.ts), then the guard (session, body schema, retry id, limit, quota, ownership).
 */
import type * as z from "zod/mini";
import type { RetryClaim } from "../auth/gate.js";
import type { Config } from "../config.js";
import { ApiError, isApiError } from "../errors.js";
import type { LimitState } from "../limit/headers.js";
import type { Logger } from "../log.js";
import type { RedisClient } from "../redis/client.js";
import type { UserKeys } from "../redis/keys.js";
import { pathMatches, type RouteDef, type RouteName, routeParams, routes } from "../routes.js";
import { parseBody } from "./body.js";
import { decodeRequest, type HttpRequest } from "./event.js";
import type { Invocation } from "./outcome.js";
import { loadRouteConfig, type RouteConfig } from "./route-config.js";

/**
 * The order in which a request's checks run; the first that fails answers (CONTRACT §4). The
 * pipeline below runs them in this order, and docs/architecture.md quotes this list.
 */
export const CHECK_ORDER = [
  "route and method: 404 not_found, 405 method_not_allowed",
  "body size: 413 payload_too_large",
  "configuration: 503 unavailable",
  "session: 401 unauthorized",
  "body schema: 400 invalid_request",
  "retry id: replay, or 409 conflict / in_progress",
  "rate limit: 429 rate_limited",
  "daily quota: 429 quota_exceeded",
  "conversation ownership: 404 not_found",
  "content check: 422 content_blocked",
  "upstream: 502 upstream_error, 504 upstream_timeout",
] as const;

type RouteOf<N extends RouteName> = (typeof routes)[N];
export type BodyOf<N extends RouteName> =
  RouteOf<N> extends { body: infer S extends z.ZodMiniType } ? z.infer<S> : undefined;
type ResponseOf<N extends RouteName> =
  RouteOf<N> extends { response: infer S extends z.ZodMiniType } ? z.infer<S> : undefined;

export interface GuardInput<B> {
  req: HttpRequest;
  config: Partial<Config>;
  body: B | undefined;
  /** A body that failed validation; the guard decides when to throw it. */
  bodyError: ApiError | undefined;
}

export interface Guard<B, X> {
  run(input: GuardInput<B>): Promise<{ context: X; limit?: LimitState | undefined; userId?: string }>;
}

/** What a guard takes from the function beyond its route's record: code the record only names. */
export interface GuardParts<B> {
  /** How retry ids are claimed, waited for and released, for a route with `idempotency`. */
  retry?: RetryPolicy<B> | undefined;
}

/**
 * A kind of guard (shared/auth/guards.ts), which builds a route's guard from that route's record
 * when the function loads. A function file names the kind; the record says the rest.
 */
export interface GuardKit<K extends string, X> {
  readonly kind: K;
  build<N extends RouteName>(name: N, parts: GuardParts<BodyOf<N>>): Guard<BodyOf<N>, X>;
}

/** How a guard learns about retry ids (shared/chat/idempotency.ts), kept apart so auth does not import chat. */
export interface RetryPolicy<B> {
  /** The request's claim on its retry id, when it has one. */
  claim: (body: B) => RetryClaim | null;
  /** Waits while the id's turn runs elsewhere: "done", "gone" or "timeout". */
  wait: (
    redis: RedisClient,
    keys: UserKeys,
    claim: RetryClaim,
    deadline: number,
  ) => Promise<"done" | "gone" | "timeout">;
  /** The error for a duplicate that may not wait (or waited past the deadline). */
  busy: (claimTtlMs: number) => ApiError;
  /** Frees a claim the gate made for a request refused after it (the global cap). */
  release: (redis: RedisClient, keys: UserKeys, claim: RetryClaim) => Promise<boolean>;
}

export type Context<N extends RouteName, X> = X & {
  req: HttpRequest;
  body: BodyOf<N>;
  config: RouteConfig<N>;
  log: Logger;
  /** Aborted when the client goes away (streaming functions only). */
  signal?: AbortSignal;
};

export interface Result<N extends RouteName> {
  body: ResponseOf<N>;
  headers?: Record<string, string>;
}

/**
 * The guard an endpoint must carry, by its route's record: `auth: "session"` takes the session
 * guard, a `limit` without a session the address guard, and any other route no guard at all, so
 * its bundle holds no guard code (health stays free of a Redis client). A route with
 * `idempotency` must also hand over its retry policy, and no other may. A function file that
 * disagrees with its record does not compile.
 */
type GuardRule<N extends RouteName, X> =
  RouteOf<N> extends { auth: "session" }
    ? { /** Identifies, limits and authorises the caller before the action. */ guard: GuardKit<"session", X> }
    : RouteOf<N> extends { limit: string }
      ? { /** Charges the client address's counter before the action. */ guard: GuardKit<"address", X> }
      : { guard?: never };

type RetryRule<N extends RouteName> =
  RouteOf<N> extends { idempotency: string } ? { retry: RetryPolicy<BodyOf<N>> } : { retry?: never };

/**
 * What an endpoint adds to its route's record: which kind of guard enforces the record, the
 * code of the retry policy it names, and body checks that depend on configuration. Its
 * configuration and everything its guard does are read off the record.
 */
export type Spec<N extends RouteName, X> = GuardRule<N, X> &
  RetryRule<N> & {
    /** Body checks that depend on configuration (throw ApiError). */
    check?: (body: BodyOf<N>, config: RouteConfig<N>) => void;
  };

/**
 * The route a request is for, among the routes one function serves. The domain sends a function
 * every method on its paths (CONTRACT §1), so the function itself tells a wrong method (405, with
 * `Allow`) from an unknown path (404).
 */
export function pickRoute<R extends RouteName>(names: readonly R[], method: string, path: string): R {
  const here = names.filter((n) => pathMatches(routes[n], path));
  if (here.length === 0) throw new ApiError("not_found", "No such route.");
  const hit = here.find((n) => routes[n].method === method);
  if (hit) return hit;
  const allowed = [...new Set(here.map((n) => routes[n].method))];
  throw new ApiError("method_not_allowed", `Use ${allowed.join(" or ")} for this path.`, {
    headers: { Allow: allowed.join(", ") },
  });
}

/** Settles the route of the invocation: 404 or 405 when the function serves no such route. */
export function routeInvocation<R extends RouteName>(inv: Invocation, names: readonly R[]): Invocation & { name: R } {
  const name = pickRoute(names, inv.line.method, inv.line.path);
  return Object.assign(inv, { name, log: inv.log.child({ route: name }) });
}

/** A route's checks, made ready when the function loads: its guard built from its record. */
export interface Admission<N extends RouteName, X> {
  readonly guard: Guard<BodyOf<N>, X> | undefined;
  readonly check: ((body: BodyOf<N>, config: RouteConfig<N>) => void) | undefined;
}

export function admission<N extends RouteName, X>(name: N, spec: Spec<NoInfer<N>, X>): Admission<N, X> {
  return { guard: spec.guard?.build(name, { retry: spec.retry }), check: spec.check };
}

/**
 * Runs every check that precedes the action, in the contract's order, and builds its context;
 * the limit state and the caller land in `inv`. Throws ApiError for the first check that fails.
 */
export async function admit<N extends RouteName, X>(
  inv: Invocation & { name: N },
  checks: Admission<N, X>,
  signal?: AbortSignal,
): Promise<Context<N, X>> {
  const route: RouteDef = routes[inv.name];
  const req = decodeRequest(inv.line, routeParams(route, inv.line.path));
  // Validated by loadConfig against the route's own groups: the shape RouteConfig<N> names.
  const config = (await loadRouteConfig(route)) as RouteConfig<N>;

  let body: BodyOf<N> | undefined;
  let bodyError: ApiError | undefined;
  try {
    if (route.body) {
      body = parseBody(route.body, req.body, config) as BodyOf<N>;
      checks.check?.(body, config);
    }
  } catch (e) {
    if (!isApiError(e)) throw e;
    bodyError = e;
  }

  let extra = {} as X;
  if (checks.guard) {
    const passed = await checks.guard.run({ req, config, body, bodyError });
    extra = passed.context;
    inv.limit = passed.limit;
    inv.userId = passed.userId;
  } else if (bodyError) {
    throw bodyError;
  }
  return { ...extra, req, body: body as BodyOf<N>, config, log: inv.log, signal } as Context<N, X>;
}
