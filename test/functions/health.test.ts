import { describe, expect, it } from "vitest";
import { main_handler } from "../../functions/health/index.js";
import { HealthResponse } from "../../shared/schemas.js";
import { bodyAs, bodyOf, scfContext, urlEvent } from "../support/events.js";

describe("GET /api/health", () => {
  it("answers 200 with status ok and the current time", async () => {
    const before = Date.now();
    const res = await main_handler(urlEvent({ path: "/api/health" }), scfContext());
    expect(res.statusCode).toBe(200);
    expect(res.headers["Content-Type"]).toBe("application/json; charset=utf-8");
    const body = bodyAs(res, HealthResponse);
    expect(body.timestamp).toBeGreaterThanOrEqual(before);
    expect(body.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it("echoes the invocation's request id", async () => {
    const context = scfContext();
    const res = await main_handler(urlEvent({ path: "/api/health" }), context);
    expect(res.headers["X-Request-Id"]).toBe(context.request_id);
  });

  it("answers another method with 405 and Allow", async () => {
    const res = await main_handler(urlEvent({ method: "DELETE", path: "/api/health" }), scfContext());
    expect(res.statusCode).toBe(405);
    expect(res.headers.Allow).toBe("GET");
    expect(bodyOf(res)).toEqual({ error: expect.any(String), code: "method_not_allowed" });
  });

  it("answers an unknown path with 404 not_found", async () => {
    const res = await main_handler(urlEvent({ path: "/api/nothing-here" }), scfContext());
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).code).toBe("not_found");
  });

  it("tells the runtime not to wait for idle sockets", async () => {
    const ctx = scfContext();
    await main_handler(urlEvent({ path: "/api/health" }), ctx);
    expect(ctx.callbackWaitsForEmptyEventLoop).toBe(false);
  });
});
