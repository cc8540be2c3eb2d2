/**
 * The checks every request passes before its action, in the contract's order (CHECK_ORDER), for
 * event and Web functions alike: route and method, body size, configuration (the route's own,
 * shared/routes.ts), then the guard (session, body schema, retry id, limit, quota, ownership).
 */
import type * as z from "zod/mini";
import type { Config, Group } from "../config.js";
import { ApiError, isApiError } from "../errors.js";
import type { LimitState } from "../limit/headers.js";
import type { Logger } from "../log.js";
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
  /** Configuration the guard itself reads. */
  groups: readonly Group[];
  run(input: GuardInput<B>): Promise<{ context: X; limit?: LimitState | undefined; userId?: string }>;
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
 * The guard an endpoint must carry, by its route's record: one that names the caller (`auth:
 * "session"`) or charges the client's address (`limit: "login"`) needs a guard, and any other may
 * not have one, so its bundle holds no guard code (health stays free of a Redis client). A
 * function file that disagrees with its record does not compile.
 */
type GuardRule<N extends RouteName, X> =
  RouteOf<N> extends { auth: "session" } | { limit: "login" }
    ? { /** Identifies, limits and authorises the caller before the action. */ guard: Guard<BodyOf<N>, X> }
    : { guard?: never };

/**
 * What an endpoint adds to its route's record: the guard that enforces the record's auth and
 * limit, and body checks that depend on configuration. Its configuration is the record's own.
 */
export type Spec<N extends RouteName, X> = GuardRule<N, X> & {
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

/**
 * Runs every check that precedes the action, in the contract's order, and builds its context;
 * the limit state and the caller land in `inv`. Throws ApiError for the first check that fails.
 */
export async function admit<N extends RouteName, X>(
  inv: Invocation & { name: N },
  spec: Spec<NoInfer<N>, X>,
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
      spec.check?.(body, config);
    }
  } catch (e) {
    if (!isApiError(e)) throw e;
    bodyError = e;
  }

  let extra = {} as X;
  if (spec.guard) {
    const passed = await spec.guard.run({ req, config, body, bodyError });
    extra = passed.context;
    inv.limit = passed.limit;
    inv.userId = passed.userId;
  } else if (bodyError) {
    throw bodyError;
  }
  return { ...extra, req, body: body as BodyOf<N>, config, log: inv.log, signal } as Context<N, X>;
}

/**
 * A guard reads configuration its route must declare, or the deployment would not pass it: a
 * mismatch fails when the function loads (every test of it, and the build's smoke test), not in
 * production.
 */
export function assertGuardDeclared(name: RouteName, spec: { guard?: { groups: readonly Group[] } }): void {
  const declared: readonly Group[] = routes[name].config;
  const missing = (spec.guard?.groups ?? []).filter((g) => !declared.includes(g));
  if (missing.length > 0) {
    throw new Error(`route ${name}: its guard reads ${missing.join(", ")}, which shared/routes.ts does not declare`);
  }
}
