/**
 * The wrapper of a streaming SCF Web function: the same pipeline as `serve` (route → size →
 * config → session → body → limit → ownership), then an action that writes server-sent events.
 * Until the first event the response is still a plain JSON one, so errors before the stream
 * starts keep their status and `{error, code}` body; after it, an error is an `error` event.
 */
import type { ApiError } from "../errors.js";
import { limitHeaders } from "../limit/headers.js";
import type { RouteName } from "../routes.js";
import type { StreamEventData, StreamEventName } from "../schemas.js";
import { readRequestLine } from "./event.js";
import { platformRequestId, readCappedBody, toEvent } from "./node.js";
import { asApiError, beginInvocation, logOutcome } from "./outcome.js";
import { admission, admit, type Context, routeInvocation, type Spec } from "./pipeline.js";
import { COMMON_HEADERS, errorResponse } from "./response.js";
import type { WebHandler } from "./web-server.js";

export type { WebHandler } from "./web-server.js";

export interface EventStream {
  /** Sends one event; the first one commits the response to 200 text/event-stream. */
  send<E extends StreamEventName>(event: E, data: StreamEventData<E>): void;
  readonly started: boolean;
}

export function serveStream<N extends RouteName, X = unknown>(
  name: N,
  spec: Spec<NoInfer<N>, X>,
  action: (ctx: Context<N, X>, stream: EventStream) => Promise<void>,
): WebHandler {
  const checks = admission(name, spec);
  return async function request_handler(req, res) {
    const body = await readCappedBody(req);
    const inv = beginInvocation(readRequestLine(toEvent(req, body), platformRequestId(req)));
    const gone = new AbortController();
    // The client hanging up (not the request body ending) is what cancels the upstream call.
    res.on("close", () => {
      if (!res.writableFinished) gone.abort();
    });

    let headers: Record<string, string> = {};
    let started = false;
    const stream: EventStream = {
      get started() {
        return started;
      },
      send(event, data) {
        if (!started) {
          started = true;
          res.writeHead(200, {
            ...COMMON_HEADERS,
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache, no-store",
            "X-Accel-Buffering": "no",
            "X-Request-Id": inv.line.requestId,
            ...headers,
          });
        }
        if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
    };

    let failure: ApiError | undefined;
    try {
      const ctx = await admit(routeInvocation(inv, [name]), checks, gone.signal);
      if (inv.limit) headers = limitHeaders(inv.limit);
      await action(ctx, stream);
    } catch (e) {
      if (gone.signal.aborted) {
        // The client hung up; whatever broke after that is a consequence, not a fault.
        res.destroy();
        // 499: "client closed request", as nginx logs it; never sent.
        logOutcome(
          inv,
          started ? 200 : 499,
          undefined,
          started ? "closed during the stream" : "closed before the reply",
        );
        return;
      }
      failure = asApiError(e);
      if (!started) {
        const out = errorResponse(failure, inv.line.requestId, inv.limit ? limitHeaders(inv.limit) : {});
        if (!res.destroyed) res.writeHead(out.statusCode, out.headers);
        res.end(out.body);
        logOutcome(inv, out.statusCode, failure);
        return;
      }
      stream.send("error", { error: failure.message, code: failure.code });
    }
    res.end();
    logOutcome(inv, 200, failure);
  };
}
