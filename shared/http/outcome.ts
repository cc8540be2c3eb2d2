/**
 * One invocation's record and its one outcome line: the request id and route every log line of
 * it carries, the limit state its responses show, and how any throw becomes the contract's error.
 */
import { createHash } from "node:crypto";
import { ApiError, isApiError } from "../errors.js";
import type { LimitState } from "../limit/headers.js";
import { describeError, Logger, parseLogLevel } from "../log.js";
import { type RouteDef, type RouteName, routes } from "../routes.js";
import type { RequestLine } from "./event.js";

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
