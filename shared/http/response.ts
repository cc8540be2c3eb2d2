/** The response an event function returns (CONTRACT §3); a Web function writes the same fields. */
import type { ApiError } from "../errors.js";

export interface FunctionResponse {
  isBase64Encoded: false;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * On every response, streamed ones included. `nosniff` keeps a browser that is pointed at the
 * API from reading a reply as something other than its declared type (user text can look like
 * HTML); `no-store` keeps replies out of caches.
 */
export const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
} as const;

export function respond(
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): FunctionResponse {
  const base: Record<string, string> = { ...COMMON_HEADERS, "X-Request-Id": requestId };
  if (status === 204 || body === undefined) {
    return { isBase64Encoded: false, statusCode: status, headers: { ...base, ...headers }, body: "" };
  }
  return {
    isBase64Encoded: false,
    statusCode: status,
    headers: { "Content-Type": JSON_TYPE, ...base, ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(
  err: ApiError,
  requestId: string,
  headers: Record<string, string> = {},
): FunctionResponse {
  const extra = { ...headers, ...err.headers };
  if (err.retryAfterS !== undefined) extra["Retry-After"] = String(Math.max(1, Math.ceil(err.retryAfterS)));
  return respond(err.status, { ...err.body, error: err.message, code: err.code }, requestId, extra);
}
