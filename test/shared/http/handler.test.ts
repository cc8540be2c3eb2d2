import { afterAll, describe, expect, it } from "vitest";
import { ApiError } from "../../../shared/errors.js";
import { serve } from "../../../shared/http/handler.js";
import { apiEvent, bodyOf } from "../../support/events.js";
import { captureLogs } from "../../support/logs.js";

const logs = captureLogs();
afterAll(() => logs.stop());

describe("handler wrapper", () => {
  it("turns an unexpected throw into a logged, generic 500 JSON error", async () => {
    const handler = serve("health", { config: [] }, async () => {
      throw new TypeError("boom at a secret place");
    });
    const res = await handler(apiEvent({ path: "/api/health" }));
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toEqual({ error: "Internal error; it has been logged.", code: "internal" });
    expect(res.body).not.toContain("boom");
    const line = logs.lines.find((l) => l.err === "TypeError");
    expect(line?.level).toBe("error");
    expect(String(line?.stack)).toContain("TypeError");
  });

  it("maps an ApiError to its status, code and Retry-After", async () => {
    const handler = serve("health", { config: [] }, async () => {
      throw new ApiError("rate_limited", "slow down", { retryAfterS: 2.2 });
    });
    const res = await handler(apiEvent({ path: "/api/health" }));
    expect(res.statusCode).toBe(429);
    expect(res.headers["Retry-After"]).toBe("3");
    expect(bodyOf(res)).toEqual({ error: "slow down", code: "rate_limited" });
  });

  it("answers 503 naming nothing to the client when configuration is missing, and logs the variable", async () => {
    const handler = serve("login", { config: ["wechat"] }, async () => ({ body: { sessionKey: "x", expiresIn: 1 } }));
    const saved = { ...process.env };
    delete process.env.WX_APPID;
    delete process.env.WX_SECRET;
    try {
      const res = await handler(apiEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: "c" } }));
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res).code).toBe("unavailable");
      expect(res.body).not.toContain("WX_");
      expect(logs.text()).toContain("WX_APPID: missing");
    } finally {
      process.env = saved;
    }
  });

  it("checks the body size before configuration, and the route before the body", async () => {
    const handler = serve("login", { config: ["wechat"] }, async () => ({ body: { sessionKey: "x", expiresIn: 1 } }));
    const big = "x".repeat(70_000);
    expect((await handler(apiEvent({ method: "POST", path: "/api/auth/wx-login", body: big }))).statusCode).toBe(413);
    expect((await handler(apiEvent({ method: "GET", path: "/api/auth/wx-login", body: big }))).statusCode).toBe(405);
  });
});
