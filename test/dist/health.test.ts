import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { invokeInFreshProcess, isolatedBundle } from "../support/bundles.js";
import { urlEvent } from "../support/events.js";
import { parseLogLine } from "../support/logs.js";

describe("dist/health bundle", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await isolatedBundle("health");
  });

  it("runs alone, with no node_modules beside it", async () => {
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
    const { responses } = await invokeInFreshProcess(dir, [
      urlEvent({ path: "/api/health" }),
      urlEvent({ path: "/api/unknown" }),
    ]);
    const [ok, missing] = responses;
    expect(ok?.statusCode).toBe(200);
    expect(JSON.parse(ok?.body ?? "")).toEqual({ status: "ok", timestamp: expect.any(Number) });
    expect(ok?.headers["X-Request-Id"]).toBeTruthy();
    expect(missing?.statusCode).toBe(404);
    expect(JSON.parse(missing?.body ?? "")).toEqual({ error: expect.any(String), code: "not_found" });
  });

  it("logs one JSON line per invocation to stdout", async () => {
    const { stdout } = await invokeInFreshProcess(dir, [urlEvent({ path: "/api/health" })]);
    const lines = stdout.trim().split("\n").map(parseLogLine);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: "health", status: 200, level: "info" });
  });
});
