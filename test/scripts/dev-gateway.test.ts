import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHandlers } from "../../scripts/dev/functions.js";
import { createGateway, listen } from "../../scripts/dev/gateway.js";

describe("local API Gateway emulator", () => {
  let server: Server | undefined;
  let base = "";
  beforeAll(async () => {
    server = createGateway(await loadHandlers());
    base = `http://127.0.0.1:${await listen(server, 0)}`;
  });
  afterAll(() => {
    server?.close();
  });

  it("serves GET /api/health through the function's handler", async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.json()).toEqual({ status: "ok", timestamp: expect.any(Number) });
  });

  it("answers unknown paths with the contract's 404", async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.any(String), code: "not_found" });
  });
});
