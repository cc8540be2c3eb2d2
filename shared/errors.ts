/**
 * The one error taxonomy every function shares. A handler throws `ApiError`;
 * the wrapper in `http/handler.ts` is the only place that turns it into a response.
 */

/** Contract §4: each code has exactly one status. */
export const STATUS_OF = {
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
} as const;

export type ErrorCode = keyof typeof STATUS_OF;

export const ERROR_CODES = Object.keys(STATUS_OF) as ErrorCode[];

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface ApiErrorOptions {
  /** Whole seconds; sent as `Retry-After`. */
  retryAfterS?: number;
  /** Extra response headers (rate-limit state, for example). */
  headers?: Record<string, string>;
  /**
   * A line for the operator, logged by the wrapper: the client only ever sees `message`.
   * Must not contain secrets or user text.
   */
  operatorNote?: string;
  /** Level of the outcome log line; defaults by status (4xx info, 5xx error). */
  logLevel?: LogLevel;
  /** Fields the error body carries beside `error` and `code` (a failed deep check's report). */
  body?: Record<string, unknown>;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterS?: number;
  readonly headers: Record<string, string>;
  readonly operatorNote?: string;
  readonly logLevel: LogLevel;
  readonly body?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = STATUS_OF[code];
    this.retryAfterS = options.retryAfterS;
    this.headers = options.headers ?? {};
    this.operatorNote = options.operatorNote;
    this.logLevel = options.logLevel ?? (this.status >= 500 ? "error" : "info");
    this.body = options.body;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
