/**
 * `wx.request` as a promise. wx.request takes callbacks and returns a RequestTask, so awaiting it
 * awaits nothing; this wrapper resolves once the response (of any HTTP status: WeChat calls
 * `success` for a 500 too) has arrived, and rejects only when none did.
 */
import { ClientError, MESSAGES } from "./errors";

export type Method = "GET" | "POST" | "DELETE";

export interface HttpRequest {
  /** Absolute URL on the registered domain. */
  url: string;
  method: Method;
  /** Sent as JSON. */
  body?: object;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON (a proxy's error page). */
  data: unknown;
  /** Header names lower-cased: WeChat hands them over as the server (or a proxy) spelled them. */
  headers: Record<string, string>;
}

export function lowerCaseKeys(header: WechatMiniprogram.IAnyObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(header ?? {})) out[name.toLowerCase()] = String(value);
  return out;
}

/** WeChat reports a deadline as "request:fail timeout" (errno 5 on newer base libraries). */
function isTimeout(err: WechatMiniprogram.RequestFailCallbackErr): boolean {
  return /timeout/i.test(err.errMsg) || err.errno === 5;
}

/** The error for a wx.request that got no (complete) response. */
export function requestFailure(err: WechatMiniprogram.RequestFailCallbackErr): ClientError {
  return isTimeout(err)
    ? new ClientError("timeout", MESSAGES.timeout, { cause: err.errMsg })
    : new ClientError("network", MESSAGES.network, { cause: err.errMsg });
}

export function send(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: req.url,
      method: req.method,
      data: req.body,
      header: { "content-type": "application/json", ...req.headers },
      timeout: req.timeoutMs,
      dataType: "json",
      responseType: "text",
      success: (res) => resolve({ status: res.statusCode, data: res.data, headers: lowerCaseKeys(res.header) }),
      fail: (err) => reject(requestFailure(err)),
    });
  });
}

/** Joins the configured origin and an API path, tolerating a trailing slash in the config. */
export function urlOf(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}
