import { afterAll, describe, expect, inject, it } from "vitest";
import { ApiError } from "../../../shared/errors.js";
import { endpoint, serve } from "../../../shared/http/handler.js";
import type { GuardKit } from "../../../shared/http/pipeline.js";
import { bodyOf, urlEvent } from "../../support/events.js";
import { captureLogs } from "../../support/logs.js";
import { setEnv } from "../../support/stack.js";

const logs = captureLogs();

/** A guard that lets every caller through: these tests are about the wrapper, not about callers. */
function passThrough<K extends string>(kind: K): GuardKit<K, unknown> {
  return {
    kind,
    build: () => ({
      run: async ({ bodyError }) => {
        if (bodyError) throw bodyError;
        return { context: {} };
      },
    }),
  };
}
afterAll(() => logs.stop());

describe("handler wrapper", () => {
  it("turns an unexpected throw into a logged, generic 500 JSON error", async () => {
    const handler = serve(
      endpoint("health", {}, async () => {
        throw new TypeError("boom at a secret place");
      }),
    );
    const res = await handler(urlEvent({ path: "/api/health" }));
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toEqual({ error: "Internal error; it has been logged.", code: "internal" });
    expect(res.body).not.toContain("boom");
    const line = logs.lines.find((l) => l.err === "TypeError");
    expect(line?.level).toBe("error");
    expect(String(line?.stack)).toContain("TypeError");
  });

  it("maps an ApiError to its status, code and Retry-After", async () => {
    const handler = serve(
      endpoint("health", {}, async () => {
        throw new ApiError("rate_limited", "slow down", { retryAfterS: 2.2 });
      }),
    );
    const res = await handler(urlEvent({ path: "/api/health" }));
    expect(res.statusCode).toBe(429);
    expect(res.headers["Retry-After"]).toBe("3");
    expect(bodyOf(res)).toEqual({ error: "slow down", code: "rate_limited" });
  });

  it("answers 503 naming nothing to the client when configuration is missing, and logs the variable", async () => {
    const handler = serve(
      endpoint("login", { guard: passThrough("address") }, async () => ({ body: { sessionKey: "x", expiresIn: 1 } })),
    );
    const saved = { ...process.env };
    delete process.env.WX_APPID;
    delete process.env.WX_SECRET;
    try {
      const res = await handler(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: "c" } }));
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res).code).toBe("unavailable");
      expect(res.body).not.toContain("WX_");
      expect(logs.text()).toContain("WX_APPID: missing");
    } finally {
      process.env = saved;
    }
  });

  it("checks the body size before configuration, and the route before the body", async () => {
    const handler = serve(
      endpoint("login", { guard: passThrough("address") }, async () => ({ body: { sessionKey: "x", expiresIn: 1 } })),
    );
    const big = "x".repeat(70_000);
    expect((await handler(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: big }))).statusCode).toBe(413);
    expect((await handler(urlEvent({ method: "GET", path: "/api/auth/wx-login", body: big }))).statusCode).toBe(405);
  });

  it("serves several routes from one function, telling a wrong method (405 with Allow) from an unknown path", async () => {
    // The routes declare Redis; these actions never reach it.
    setEnv({ REDIS_URL: inject("redisUrl") });
    const handler = serve(
      endpoint("conversations", { guard: passThrough("session") }, async () => ({ body: { conversations: [] } })),
      endpoint("conversation-messages", { guard: passThrough("session") }, async () => ({ body: { messages: [] } })),
      endpoint("conversation-delete", { guard: passThrough("session") }, async () => ({ body: undefined })),
    );
    expect((await handler(urlEvent({ path: "/api/conversations" }))).statusCode).toBe(200);
    expect(bodyOf(await handler(urlEvent({ path: "/api/conversations/c1/messages" })))).toEqual({ messages: [] });
    expect((await handler(urlEvent({ method: "DELETE", path: "/api/conversations/c1" }))).statusCode).toBe(204);
    const wrong = await handler(urlEvent({ method: "POST", path: "/api/conversations/c1" }));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.Allow).toBe("DELETE");
    expect(bodyOf(wrong).code).toBe("method_not_allowed");
    const unknown = await handler(urlEvent({ path: "/api/conversations/c1/other" }));
    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown).code).toBe("not_found");
  });

  it("answers with the invocation's request id from context.request_id, in the header and the log", async () => {
    const handler = serve(endpoint("health", {}, async () => ({ body: { status: "ok" as const, timestamp: 1 } })));
    const res = await handler(urlEvent({ path: "/api/health", headers: { "x-scf-request-id": "client-made" } }), {
      request_id: "scf-req-42",
    });
    expect(res.headers["X-Request-Id"]).toBe("scf-req-42");
    expect(logs.lines.some((l) => l.requestId === "scf-req-42" && l.route === "health")).toBe(true);
  });
});
