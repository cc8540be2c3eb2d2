/**
 * Every way a call to the backend can fail, as one error type whose `message` is a sentence the
 * user can be shown as is. Pages switch on `kind`; they never parse status codes or errMsg.
 * The sentences live here, once, so translating the client means editing this file.
 */
import type { STATUS_OF } from "../../shared/errors";
import type { ErrorResponse } from "../../shared/schemas";
import type { HttpResponse } from "./request";

export type ClientErrorKind =
  /** wx.request failed: no network, DNS, TLS, refused connection, domain not registered. */
  | "network"
  /** No answer within the request's deadline. */
  | "timeout"
  /** wx.login itself failed (WeChat unreachable from the phone). */
  | "wechat_login"
  /** The session was refused even after logging in again, or the login code was refused. */
  | "unauthorized"
  /** WeChat flags this user as high risk (403). */
  | "blocked"
  /** 404: for chat, the conversation expired or is not this user's. */
  | "not_found"
  /** 400, 409, 413, 422 and other 4xx: the backend refused what was sent; its sentence says why. */
  | "rejected"
  /** 422 content_blocked: WeChat's content check refused the user's message; nothing was sent on. */
  | "content_blocked"
  /** 429: `retryAfterS` says how long to wait, when the backend said. */
  | "rate_limited"
  /** 429 quota_exceeded: today's token quota is spent; `retryAfterS` runs to midnight in Shanghai. */
  | "quota_exceeded"
  /** 502: the assistant (or WeChat, at login) failed to answer. */
  | "upstream"
  /** 503: backend up but its storage or configuration is not. */
  | "unavailable"
  /** 504: the assistant took longer than the backend's deadline. */
  | "upstream_timeout"
  /** 500 or any other status the contract does not list. */
  | "server"
  /** A streamed reply that ended without its last event: the connection was cut (a proxy, a function timeout). */
  | "interrupted"
  /** A success (or redirect) whose body is not what the contract says: a proxy page, a gateway not in integrated-response mode. */
  | "bad_response"
  /** A bug in the client itself. */
  | "unexpected";

export class ClientError extends Error {
  readonly kind: ClientErrorKind;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  /** The backend's error code (`ErrorResponse.code`), when it sent one. */
  readonly code?: string;
  /** Whole seconds to wait, for `rate_limited` when the backend sent `Retry-After`. */
  readonly retryAfterS?: number;

  constructor(
    kind: ClientErrorKind,
    message: string,
    details: { status?: number; code?: string; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "ClientError";
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterS = details.retryAfterS;
  }
}

export const MESSAGES = {
  network: "Can't reach the server. Check your network connection and try again.",
  timeout: "The server didn't answer in time. Please try again.",
  wechat_login: "WeChat sign-in failed. Please try again.",
  unauthorized: "Couldn't sign you in. Please try again.",
  blocked: "This WeChat account can't use the assistant.",
  not_found: "The server has no record of what was asked for.",
  rejected: "The server refused this request.",
  content_blocked: "This message didn't pass the content check. Please rephrase it.",
  upstream: "The assistant couldn't answer just now. Please try again.",
  unavailable: "The service is temporarily unavailable. Please try again in a moment.",
  upstream_timeout: "The assistant took too long to answer. Please try again.",
  server: "Something went wrong on the server. Please try again.",
  bad_response: "The server sent an unexpected answer. Please try again.",
  interrupted: "The reply was cut off. Please try again.",
  expired_conversation: "This conversation has expired. Send your message again to start a new one.",
  unexpected: "Something went wrong. Please try again.",
} as const;

/** A wait as a person reads it, rounded up: seconds, minutes, then hours. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

export function rateLimitedMessage(retryAfterS: number | undefined): string {
  if (retryAfterS === undefined) return "Too many requests. Please wait a moment and try again.";
  return `Too many requests. Please try again in ${formatWait(retryAfterS)}.`;
}

export function quotaMessage(retryAfterS: number | undefined): string {
  if (retryAfterS === undefined) return "Today's usage limit is reached. Please try again tomorrow.";
  return `Today's usage limit is reached. It resets in ${formatWait(retryAfterS)}.`;
}

/** `Retry-After` as whole seconds ≥ 1: delta-seconds (what the backend sends) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number(trimmed));
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

function errorBody(data: unknown): ErrorResponse | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { error, code } = data as Record<string, unknown>;
  if (typeof error !== "string" || typeof code !== "string") return undefined;
  return { error, code };
}

/** The error a non-2xx response stands for. */
export function errorFromResponse(res: HttpResponse): ClientError {
  const body = errorBody(res.data);
  const details = { status: res.status, code: body?.code };
  switch (res.status) {
    case 422:
      if (body?.code === "content_blocked") {
        return new ClientError("content_blocked", MESSAGES.content_blocked, details);
      }
      return new ClientError("rejected", body?.error ?? MESSAGES.rejected, details);
    case 400:
    case 409:
    case 413:
      // The backend's sentences for these are written for people ("message must not be empty").
      return new ClientError("rejected", body?.error ?? MESSAGES.rejected, details);
    case 401:
      return new ClientError("unauthorized", MESSAGES.unauthorized, details);
    case 403:
      return new ClientError("blocked", MESSAGES.blocked, details);
    case 404:
      return new ClientError("not_found", MESSAGES.not_found, details);
    case 429: {
      const retryAfterS = parseRetryAfter(res.headers["retry-after"]);
      if (body?.code === "quota_exceeded") {
        return new ClientError("quota_exceeded", quotaMessage(retryAfterS), { ...details, retryAfterS });
      }
      return new ClientError("rate_limited", rateLimitedMessage(retryAfterS), { ...details, retryAfterS });
    }
    case 502:
      return new ClientError("upstream", MESSAGES.upstream, details);
    case 503:
      return new ClientError("unavailable", MESSAGES.unavailable, details);
    case 504:
      return new ClientError("upstream_timeout", MESSAGES.upstream_timeout, details);
    default:
      if (res.status >= 500) return new ClientError("server", MESSAGES.server, details);
      if (res.status >= 400) return new ClientError("rejected", body?.error ?? MESSAGES.rejected, details);
      return new ClientError("bad_response", MESSAGES.bad_response, details);
  }
}

/**
 * Each error code's status, as the backend's table has it. A copy, since the Mini Program ships
 * none of the backend's code; typed as the original, so a code added or changed there fails tsc.
 */
const STATUS: typeof STATUS_OF = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_code: 401,
  user_blocked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  in_progress: 409,
  payload_too_large: 413,
  content_blocked: 422,
  rate_limited: 429,
  quota_exceeded: 429,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
  upstream_timeout: 504,
};

/**
 * The error an `event: error` of a streamed reply stands for (`data` is its `{error, code}`).
 * The response itself was a 200, so the code says what happened, mapped as its status would be;
 * an unknown code is a server fault.
 */
export function errorFromStreamEvent(data: unknown): ClientError {
  const body = errorBody(data);
  // A plain object's own numbers only ("toString" is found on it too, but is no number).
  const known: unknown = body ? (STATUS as Record<string, unknown>)[body.code] : undefined;
  const status = typeof known === "number" ? known : 500;
  const mapped = errorFromResponse({ status, data: body ?? {}, headers: {} });
  return new ClientError(mapped.kind, mapped.message, { status: 200, code: body?.code });
}

/** Whatever was thrown, as a ClientError (a bug in our own code becomes "unexpected"). */
export function asClientError(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  return new ClientError("unexpected", MESSAGES.unexpected, { cause: e });
}
