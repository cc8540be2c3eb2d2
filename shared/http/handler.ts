/**
 * The event function adapter: a function URL event in, the response of CONTRACT §3 out, through
 * the pipeline (pipeline.ts) and one outcome line (outcome.ts). A function file lists its
 * endpoints, each a route name, what it adds to the route's record, and its action.
 */
import { ApiError } from "../errors.js";
import { limitHeaders } from "../limit/headers.js";
import { type RouteDef, type RouteName, routes } from "../routes.js";
import { readRequestLine, type ScfContext } from "./event.js";
import { asApiError, beginInvocation, type Invocation, logOutcome } from "./outcome.js";
import { admission, admit, type Context, type Result, routeInvocation, type Spec } from "./pipeline.js";
import { errorResponse, type FunctionResponse, respond } from "./response.js";

export type MainHandler = (event: unknown, context?: ScfContext) => Promise<FunctionResponse>;

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
  const checks = admission(name, spec);
  return {
    name,
    async handle(inv) {
      const result = await action(await admit(inv, checks));
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
