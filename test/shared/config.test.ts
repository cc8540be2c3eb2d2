import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.js";
import { configFailure } from "../support/config.js";

const failure = configFailure;

describe("configuration", () => {
  it("applies the contract's defaults", () => {
    const c = loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }, ["redis", "chatLimit", "session", "conversations"]);
    expect(c).toMatchObject({
      REDIS_KEY_PREFIX: "wxclaw:",
      RATE_LIMIT_MAX: 20,
      RATE_LIMIT_WINDOW_S: 60,
      SESSION_TTL_S: 604800,
      MESSAGE_MAX_CHARS: 2000,
      LOG_LEVEL: "info",
    });
  });

  it("asks only for the groups a function uses", () => {
    const c = loadConfig({ WX_APPID: "wx1", WX_SECRET: "s" }, ["wechat"]);
    expect(c.WX_API_BASE).toBe("https://api.weixin.qq.com");
    expect(() => loadConfig({}, [])).not.toThrow();
  });

  it("names missing and invalid variables, never their values, and answers 503", () => {
    const e = failure(() =>
      loadConfig({ OPENCLAW_BASE_URL: "not a url", OPENCLAW_TIMEOUT_MS: "soon-ish-secret" }, ["openclaw", "redis"]),
    );
    expect(e.status).toBe(503);
    expect(e.code).toBe("unavailable");
    expect(e.variables).toEqual(["OPENCLAW_BASE_URL", "OPENCLAW_TIMEOUT_MS", "REDIS_URL"]);
    expect(e.operatorNote).toContain("REDIS_URL: missing");
    expect(e.operatorNote).not.toContain("soon-ish-secret");
    expect(e.message).not.toContain("REDIS_URL");
  });

  it("treats empty and 'undefined' values as unset, as deploy tooling produces them", () => {
    expect(failure(() => loadConfig({ REDIS_URL: "" }, ["redis"])).variables).toEqual(["REDIS_URL"]);
    expect(failure(() => loadConfig({ REDIS_URL: "undefined" }, ["redis"])).variables).toEqual(["REDIS_URL"]);
    expect(loadConfig({ RATE_LIMIT_MAX: "" }, ["chatLimit"]).RATE_LIMIT_MAX).toBe(20);
  });

  it("refuses numbers out of range or not whole", () => {
    for (const v of ["0", "-1", "1.5", "1e3", "abc"]) {
      expect(failure(() => loadConfig({ RATE_LIMIT_MAX: v }, ["chatLimit"])).variables).toEqual(["RATE_LIMIT_MAX"]);
    }
  });

  it("reads the global daily token cap with the quota group: off by default, a whole number of tokens", () => {
    expect(loadConfig({}, ["quota"])).toMatchObject({ DAILY_TOKEN_QUOTA: 0, GLOBAL_DAILY_TOKEN_QUOTA: 0 });
    expect(loadConfig({ GLOBAL_DAILY_TOKEN_QUOTA: "50000000" }, ["quota"]).GLOBAL_DAILY_TOKEN_QUOTA).toBe(50_000_000);
    for (const v of ["-1", "1.5", "lots", "1000000000001"]) {
      const e = failure(() => loadConfig({ GLOBAL_DAILY_TOKEN_QUOTA: v }, ["quota"]));
      expect(e.variables).toEqual(["GLOBAL_DAILY_TOKEN_QUOTA"]);
    }
  });

  it("parses a changed environment afresh: a valid value is not remembered past its change", () => {
    const env = (max: string) => ({ REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_MAX: max });
    expect(loadConfig(env("5"), ["redis", "chatLimit"]).RATE_LIMIT_MAX).toBe(5);
    expect(loadConfig(env("7"), ["redis", "chatLimit"]).RATE_LIMIT_MAX).toBe(7);
    expect(failure(() => loadConfig(env("lots"), ["redis", "chatLimit"])).variables).toEqual(["RATE_LIMIT_MAX"]);
    expect(loadConfig(env("5"), ["redis", "chatLimit"]).RATE_LIMIT_MAX).toBe(5);
    expect(failure(() => loadConfig({ RATE_LIMIT_MAX: "5" }, ["redis", "chatLimit"])).variables).toEqual(["REDIS_URL"]);
  });

  it("hands every caller its own copy, so that filling in a secret changes no later invocation", () => {
    const env = { OPENCLAW_BASE_URL: "http://127.0.0.1:1", OPENCLAW_TOKEN: "from-env" };
    const first = loadConfig(env, ["openclaw"]);
    first.OPENCLAW_TOKEN = "filled-in-later";
    expect(loadConfig(env, ["openclaw"]).OPENCLAW_TOKEN).toBe("from-env");
  });
});
