/** Configuration rules of secrets that may come from SSM instead of the environment. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/config.js";
import { configFailure } from "../../support/config.js";

const failure = configFailure;

const wechat = { WX_APPID: "wx1" };
const openclaw = { OPENCLAW_BASE_URL: "http://10.0.0.5:18789" };

describe("secrets configured to come from SSM", () => {
  it("require WX_SECRET only while WX_SECRET_SSM_NAME is unset", () => {
    expect(failure(() => loadConfig(wechat, ["wechat"])).variables).toEqual(["WX_SECRET"]);
    const c = loadConfig({ ...wechat, WX_SECRET_SSM_NAME: "wxclaw-wx-secret", SSM_REGION: "ap-guangzhou" }, ["wechat"]);
    expect(c.WX_SECRET).toBeUndefined();
    expect(c).toMatchObject({ WX_SECRET_SSM_NAME: "wxclaw-wx-secret", SSM_REGION: "ap-guangzhou" });
  });

  it("refuse a secret set both in the environment and as an SSM name", () => {
    const e = failure(() =>
      loadConfig(
        { ...openclaw, OPENCLAW_TOKEN: "tok-value-1234", OPENCLAW_TOKEN_SSM_NAME: "t", SSM_REGION: "ap-guangzhou" },
        ["openclaw"],
      ),
    );
    expect(e.variables).toEqual(["OPENCLAW_TOKEN"]);
    expect(e.operatorNote).toContain("OPENCLAW_TOKEN: set, and so is OPENCLAW_TOKEN_SSM_NAME: keep one");
    expect(e.operatorNote).not.toContain("tok-value-1234");
  });

  it("need SSM_REGION, and check names, regions and endpoints", () => {
    const missing = failure(() => loadConfig({ ...wechat, WX_SECRET_SSM_NAME: "wxclaw-wx-secret" }, ["wechat"]));
    expect(missing.variables).toEqual(["SSM_REGION"]);
    const bad = failure(() =>
      loadConfig({ ...wechat, WX_SECRET_SSM_NAME: "-bad name", SSM_REGION: "Guangzhou", SSM_ENDPOINT: "ftp://x" }, [
        "wechat",
      ]),
    );
    expect(bad.variables).toEqual(["SSM_ENDPOINT", "SSM_REGION", "WX_SECRET_SSM_NAME"]);
  });

  it("ignore SSM settings of groups a function does not use", () => {
    const c = loadConfig({ WX_SECRET_SSM_NAME: "wxclaw-wx-secret", REDIS_URL: "redis://127.0.0.1:6379" }, ["redis"]);
    expect(c).not.toHaveProperty("WX_SECRET_SSM_NAME");
  });
});
