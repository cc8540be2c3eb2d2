/** How the client names each failure: every status of the contract's table, and answers from proxies. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asClientError,
  errorFromResponse,
  errorFromStreamEvent,
  MESSAGES,
  parseRetryAfter,
} from "../../miniprogram/api/errors";
import { STATUS_OF } from "../../shared/errors.js";

const backendError = (status: number, code: string, error = `A sentence about ${code}.`, headers = {}) =>
  errorFromResponse({ status, data: { error, code }, headers });

describe("client errors", () => {
  it("gives every error status of the contract a kind and a sentence a person can read", () => {
    for (const [code, status] of Object.entries(STATUS_OF)) {
      const err = backendError(status, code);
      expect(err.status).toBe(status);
      expect(err.code).toBe(code);
      expect(err.kind, code).not.toMatch(/bad_response|unexpected/);
      expect(err.message, code).toMatch(/^[A-Z].{10,}[.]$/);
    }
  });

  it("shows the backend's own sentence for a refused request, and never for a server fault", () => {
    expect(backendError(400, "invalid_request", "message must not be empty").message).toBe("message must not be empty");
    expect(backendError(500, "internal", "stack: at foo (bar.js:1)").message).toBe(MESSAGES.server);
    expect(backendError(502, "upstream_error", "OpenClaw said 401").message).toBe(MESSAGES.upstream);
  });

  it("reads Retry-After in whole seconds or as an HTTP date, at least one second", () => {
    fc.assert(fc.property(fc.nat(100_000), (n) => parseRetryAfter(String(n)) === Math.max(1, n)));
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:00 GMT", now)).toBe(1);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("says how long to wait on 429, and still says something without Retry-After", () => {
    const limited = backendError(429, "rate_limited", "slow down", { "retry-after": "42" });
    expect(limited).toMatchObject({ kind: "rate_limited", retryAfterS: 42 });
    expect(limited.message).toBe("Too many requests. Please try again in 42 s.");
    expect(backendError(429, "rate_limited", "x", { "retry-after": "150" }).message).toBe(
      "Too many requests. Please try again in 3 min.",
    );
    const quota = backendError(429, "quota_exceeded", "quota", { "retry-after": String(7 * 3600 - 5) });
    expect(quota).toMatchObject({ kind: "quota_exceeded", retryAfterS: 7 * 3600 - 5 });
    expect(quota.message).toBe("Today's usage limit is reached. It resets in 7 h.");
    const bare = errorFromResponse({ status: 429, data: "Too Many Requests", headers: {} });
    expect(bare).toMatchObject({ kind: "rate_limited", retryAfterS: undefined });
    expect(bare.message).toMatch(/wait/);
  });

  it("names a gateway's HTML error page by its status, not by its body", () => {
    const html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    expect(errorFromResponse({ status: 502, data: html, headers: {} })).toMatchObject({
      kind: "upstream",
      code: undefined,
    });
    expect(errorFromResponse({ status: 504, data: html, headers: {} })).toMatchObject({ kind: "upstream_timeout" });
    expect(errorFromResponse({ status: 503, data: "", headers: {} })).toMatchObject({ kind: "unavailable" });
    expect(errorFromResponse({ status: 418, data: html, headers: {} })).toMatchObject({
      kind: "rejected",
      message: MESSAGES.rejected,
    });
    expect(errorFromResponse({ status: 302, data: html, headers: {} })).toMatchObject({ kind: "bad_response" });
  });

  it("says plainly that a message failed WeChat's content check, in its own words", () => {
    const blocked = backendError(
      422,
      "content_blocked",
      "This message cannot be sent: it failed WeChat's content check.",
    );
    expect(blocked).toMatchObject({ kind: "content_blocked", status: 422, message: MESSAGES.content_blocked });
    // Another 422 is still the backend's own sentence.
    expect(backendError(422, "invalid_request", "message is too long")).toMatchObject({
      kind: "rejected",
      message: "message is too long",
    });
  });

  it("names a streamed reply's error event by its code, as a response with that code's status would be", () => {
    for (const [code, status] of Object.entries(STATUS_OF)) {
      const streamed = errorFromStreamEvent({ error: `A sentence about ${code}.`, code });
      const answered = backendError(status, code);
      expect(streamed, code).toMatchObject({ kind: answered.kind, message: answered.message, code, status: 200 });
    }
    expect(errorFromStreamEvent({ error: "new", code: "something_new" })).toMatchObject({
      kind: "server",
      code: "something_new",
    });
    expect(errorFromStreamEvent("not an object")).toMatchObject({ kind: "server", code: undefined });
  });

  it("turns anything else thrown into an unexpected error, keeping the cause for the console", () => {
    const bug = new TypeError("x is undefined");
    expect(asClientError(bug)).toMatchObject({ kind: "unexpected", message: MESSAGES.unexpected, cause: bug });
    const known = backendError(403, "user_blocked");
    expect(asClientError(known)).toBe(known);
  });
});
