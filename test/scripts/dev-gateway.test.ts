import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHandlers } from "../../scripts/dev/functions.js";
import { createGateway, listen } from "../../scripts/dev/gateway.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { functions } from "../../shared/functions.js";
import { routes } from "../../shared/routes.js";
import { setEnv, TEST_APPID, TEST_SECRET, testRedisEnv, uniquePrefix } from "../support/stack.js";

describe("local custom domain", () => {
  let server: Server | undefined;
  let wechat: WechatStandin;
  let base = "";
  beforeAll(async () => {
    wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
    setEnv({
      ...testRedisEnv(),
      REDIS_KEY_PREFIX: uniquePrefix(),
      WX_APPID: TEST_APPID,
      WX_SECRET: TEST_SECRET,
      WX_API_BASE: wechat.url,
      LOGIN_RATE_LIMIT_MAX: "2",
    });
    server = createGateway(await loadHandlers());
    base = `http://127.0.0.1:${await listen(server, 0)}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await wechat.close();
  });

  it("routes every route to its function by path: a wrong method gets that function's 405, never a 404; every answer is nosniff", async () => {
    for (const def of Object.values(functions)) {
      for (const name of def.routes) {
        const route = routes[name];
        const path = route.path.replace(/\{[^}]+\}/g, "AbC123");
        const res = await fetch(`${base}${path}`, { method: "PUT" });
        expect(res.status, `PUT ${path}`).toBe(405);
        expect(res.headers.get("allow"), path).toContain(route.method);
        expect(await res.json()).toMatchObject({ code: "method_not_allowed" });
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        // The right method reaches the function too: it answers with its request id.
        const right = await fetch(`${base}${path}`, { method: route.method });
        await right.arrayBuffer();
        expect(right.headers.get("x-request-id"), `${route.method} ${path}`).toBeTruthy();
        expect(right.headers.get("x-content-type-options"), path).toBe("nosniff");
      }
    }
  });

  it("serves GET /api/health with the platform's request id, not the client's", async () => {
    const res = await fetch(`${base}/api/health`, { headers: { "x-scf-request-id": "client-chosen" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ status: "ok", timestamp: expect.any(Number) });
  });

  it("answers a path no rule takes with 404, and a path under a function's rule but of no route with that function's 404", async () => {
    const outside = await fetch(`${base}/nope`);
    expect(outside.status).toBe(404);
    expect(await outside.json()).toEqual({ error: expect.any(String), code: "not_found" });
    const inside = await fetch(`${base}/api/conversations/a/b/c`);
    expect(inside.status).toBe(404);
    expect(inside.headers.get("x-request-id")).toBeTruthy();
  });

  it("sets x-scf-remote-addr from the socket: spoofed forwarding and platform headers change no login bucket", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/api/auth/wx-login`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": `203.0.113.${i}`,
          "x-real-ip": `203.0.113.${i + 50}`,
          "x-scf-remote-addr": `198.51.100.${i}`,
        },
        body: JSON.stringify({ code: `spoof${i}:code-${Math.random()}` }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});
