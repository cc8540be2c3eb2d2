/**
 * A route's record (shared/routes.ts) is its function's whole spec: change one field and the
 * guard, the deployment plan, the OpenAPI document and docs/config.md all change with it. The
 * test declares a daily quota on logout, which has none, and watches each of them follow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configDoc } from "../../scripts/config-doc.js";
import { planAll } from "../../scripts/deploy/plan.js";
import { manifest } from "../../scripts/manifest.js";
import { openApiDocument } from "../../scripts/openapi/document.js";
import { addressGuard, sessionGuard } from "../../shared/auth/guards.js";
import { quotaWindow } from "../../shared/limit/quota.js";
import { variablesOfFunction } from "../../shared/needs.js";
import { errorsOf, routes } from "../../shared/routes.js";
import { useChatStack } from "../support/chat-stack.js";
import { bodyOf, urlEvent } from "../support/events.js";
import { keysOfToken, setEnv } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack();

interface Operation {
  responses: Record<string, { description: string; headers: Record<string, unknown> }>;
}
const logoutOperation = (): Operation => {
  const doc = openApiDocument();
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const op = paths[routes.logout.path]?.post;
  if (!op) throw new Error("the OpenAPI document has no logout operation");
  return op;
};
const configRow = (variable: string) =>
  configDoc()
    .split("\n")
    .find((l) => l.startsWith(`| \`${variable}\``)) ?? "";
const logoutPlan = async () => (await planAll(manifest())).find((p) => p.name === "logout");

describe("a route's record drives its function", () => {
  it("logout declares no quota today: nothing about one is planned, documented or enforced", async () => {
    expect(variablesOfFunction("logout")).not.toContain("DAILY_TOKEN_QUOTA");
    expect((await logoutPlan())?.variables).not.toContain("DAILY_TOKEN_QUOTA");
    expect(errorsOf(routes.logout)).not.toContain("quota_exceeded");
    expect(Object.keys(logoutOperation().responses)).not.toContain("429");
    expect(configRow("DAILY_TOKEN_QUOTA")).not.toMatch(/logout/);
  });

  describe("once its record declares `quota: true`", () => {
    beforeAll(() => {
      Reflect.set(routes.logout, "quota", true);
    });
    afterAll(() => {
      Reflect.deleteProperty(routes.logout, "quota");
    });

    it("the deployment passes the quota's variables to the function", async () => {
      expect(variablesOfFunction("logout")).toEqual(
        expect.arrayContaining(["DAILY_TOKEN_QUOTA", "GLOBAL_DAILY_TOKEN_QUOTA"]),
      );
      expect((await logoutPlan())?.variables).toContain("DAILY_TOKEN_QUOTA");
    });

    it("the OpenAPI document lists 429 quota_exceeded with the quota header", () => {
      const responses = logoutOperation().responses;
      expect(responses["429"]?.description).toContain("quota_exceeded");
      expect(Object.keys(responses["429"]?.headers ?? {})).toContain("X-Token-Quota-Remaining");
      expect(Object.keys(responses["204"]?.headers ?? {})).toContain("X-Token-Quota-Remaining");
    });

    it("docs/config.md names logout among the readers of DAILY_TOKEN_QUOTA", () => {
      expect(configRow("DAILY_TOKEN_QUOTA")).toMatch(/logout/);
    });

    it("the function's guard refuses a caller whose quota is spent, and the session survives", async () => {
      setEnv({ DAILY_TOKEN_QUOTA: "5" });
      const token = await loginAs("spent");
      await stack.redis.set(keysOfToken(stack.prefix, token).quota(quotaWindow().day), "5");
      // Loaded after the record changed: a function builds its guard when it loads.
      const { main_handler: logout } = await import("../../functions/logout/index.js");
      const refused = await logout(
        urlEvent({ method: "POST", path: "/api/auth/logout", headers: { "x-wx-session": token } }),
      );
      expect(refused.statusCode).toBe(429);
      expect(bodyOf(refused).code).toBe("quota_exceeded");
      expect(refused.headers["X-Token-Quota-Remaining"]).toBe("0");

      setEnv({ DAILY_TOKEN_QUOTA: "0" });
      const done = await logout(
        urlEvent({ method: "POST", path: "/api/auth/logout", headers: { "x-wx-session": token } }),
      );
      expect(done.statusCode).toBe(204);
    });
  });
});

describe("building a guard from a record", () => {
  it("refuses, when the function loads, an idempotent route whose spec hands over no retry policy", () => {
    expect(() => sessionGuard.build("chat", {})).toThrow(/route chat declares idempotency/);
  });

  it("refuses an address guard for a route that declares no limit to charge", () => {
    expect(() => addressGuard.build("health", {})).toThrow(/route health declares no limit/);
  });
});
