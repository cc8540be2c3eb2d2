/**
 * The wrapper every function uses, so that a function file holds only its action.
 * Checks run in the contract's order (§4): route and method → body size → configuration →
 * [guard: session → body schema → limit → owned resource] → the action. Every failure,
 * expected or not, leaves through `errorResponse`, and every invocation logs one outcome line.
 */
import { createHash } from "node:crypto";
import type * as z from "zod/mini";
import type { Config, Group } from "../config.js";
import { ApiError, isApiError } from "../errors.js";
import { type LimitState, limitHeaders } from "../limit/headers.js";
import { describeError, Logger, parseLogLevel } from "../log.js";
import { pathMatches, type RouteDef, type RouteName, routeParams, routes } from "../routes.js";
import { parseBody } from "./body.js";
import { decodeRequest, type HttpRequest, type RequestLine, readRequestLine, type ScfContext } from "./event.js";
import { errorResponse, type FunctionResponse, respond } from "./response.js";
import { loadRouteConfig, type RouteConfig } from "./route-config.js";

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
 * What an endpoint adds to its route's record: the guard that enforces the record's auth and
 * limit, and body checks that depend on configuration. Its configuration is the record's own.
 */
export interface Spec<N extends RouteName, X> {
  /** Identifies, limits and authorises the caller before the action. */
  guard?: Guard<BodyOf<N>, X>;
  /** Body checks that depend on configuration (throw ApiError). */
  check?: (body: BodyOf<N>, config: RouteConfig<N>) => void;
}

export type MainHandler = (event: unknown, context?: ScfContext) => Promise<FunctionResponse>;

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

/** A short, stable, non-reversible reference to a user for log correlation. */
const userRef = (openid: string) => createHash("sha256").update(openid).digest("hex").slice(0, 12);

/**
 * Where one invocation stands: its route once known, its outcome line, and the limit state its
 * responses show. It lives in the invocation only: a Web function serves several at once.
 */
export interface Invocation {
  name?: RouteName;
  line: RequestLine;
  log: Logger;
  started: number;
  limit?: LimitState;
  userId?: string;
}

export function beginInvocation(line: RequestLine): Invocation {
  const log = new Logger(parseLogLevel(process.env.LOG_LEVEL)).child({ requestId: line.requestId });
  return { line, log, started: performance.now() };
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

/** Any throw as the contract's error: unexpected ones become a generic 500 (logged with stack). */
export function asApiError(e: unknown): ApiError {
  return isApiError(e)
    ? e
    : new ApiError("internal", "Internal error; it has been logged.", { operatorNote: "unexpected error", cause: e });
}

/**
 * The one outcome line per invocation (plus the operator's note when there is one). `hangUp`
 * says why the client went away before the end: an info line, not an error of ours.
 */
export function logOutcome(inv: Invocation, status: number, failure?: ApiError, hangUp?: string): void {
  const outcome = {
    method: inv.line.method,
    path: inv.line.path,
    status,
    error: failure?.code,
    latencyMs: Math.round((performance.now() - inv.started) * 100) / 100,
    user: inv.userId ? userRef(inv.userId) : undefined,
    // Only the reason, never the address: a login limit keyed on a shared bucket shows here.
    clientAddress: inv.name && (routes[inv.name] as RouteDef).limit === "login" ? inv.line.client.note : undefined,
  };
  if (hangUp) {
    inv.log.info("client hung up", { ...outcome, reason: hangUp });
  } else if (failure?.operatorNote) {
    const cause = failure.code === "internal" ? describeError(failure.cause) : {};
    inv.log.write(failure.logLevel, failure.operatorNote, { ...outcome, ...cause });
  } else {
    inv.log.write(failure ? failure.logLevel : "info", "request", outcome);
  }
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

/** One route's action with what it declares: `serve` dispatches to these. */
export interface Endpoint<N extends RouteName = RouteName> {
  readonly name: N;
  /** Admits the invocation and runs the action; throws ApiError for the first check that fails. */
  handle(inv: Invocation & { name: N }): Promise<FunctionResponse>;
}

export function endpoint<N extends RouteName, X = unknown>(
  name: N,
  spec: Spec<NoInfer<N>, X>,
  action: (ctx: Context<N, X>) => Promise<Result<N>>,
): Endpoint<N> {
  const route: RouteDef = routes[name];
  assertGuardDeclared(name, spec);
  return {
    name,
    async handle(inv) {
      const result = await action(await admit(inv, spec));
      return respond(route.status, result.body, inv.line.requestId, {
        ...(inv.limit ? limitHeaders(inv.limit) : {}),
        ...result.headers,
      });
    },
  };
}

/**
 * An event function's `main_handler` serving the given routes: the function URL event in, the
 * response of CONTRACT §3 out, whatever happens in between.
 */
export function serve(...endpoints: Endpoint[]): MainHandler {
  const names = endpoints.map((e) => e.name);
  return async function main_handler(event, context) {
    // SCF would otherwise wait for the Redis socket and the HTTP agent to go idle.
    if (context) context.callbackWaitsForEmptyEventLoop = false;
    const inv = beginInvocation(readRequestLine(event, context?.request_id));
    let response: FunctionResponse;
    let failure: ApiError | undefined;
    try {
      const routed = routeInvocation(inv, names);
      const chosen = endpoints.find((e) => e.name === routed.name);
      if (!chosen) throw new ApiError("not_found", "No such route.");
      response = await chosen.handle(routed);
    } catch (e) {
      failure = asApiError(e);
      response = errorResponse(failure, inv.line.requestId, inv.limit ? limitHeaders(inv.limit) : {});
    }
    logOutcome(inv, response.statusCode, failure);
    return response;
  };
}
