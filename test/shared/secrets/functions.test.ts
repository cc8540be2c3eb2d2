/**
 * Functions whose secrets live in SSM: login (WX_SECRET) and chat (OPENCLAW_TOKEN) run with the
 * secret absent from their environment, fetch it once per instance with the role's temporary
 * credentials, and answer 503 naming the secret (never its value) when SSM fails.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main_handler as chat } from "../../../functions/chat/index.js";
import { main_handler as login } from "../../../functions/login/index.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../../scripts/standins/openclaw.js";
import { type SsmStandin, startSsmStandin } from "../../../scripts/standins/ssm.js";
import { startWechatStandin, type WechatStandin } from "../../../scripts/standins/wechat.js";
import { LoginResponse } from "../../../shared/schemas.js";
import { bodyAs, bodyOf, urlEvent } from "../../support/events.js";
import { forbidInLogs, suiteLogs } from "../../support/log-guard.js";
import { setEnv, TEST_APPID, testRedisEnv, uniquePrefix } from "../../support/stack.js";

const WX_SECRET = `wx-secret-only-in-ssm-${randomBytes(8).toString("hex")}`;
const OPENCLAW_TOKEN = `oc-token-only-in-ssm-${randomBytes(8).toString("hex")}`;
const role = {
  secretId: `AKID${randomBytes(12).toString("hex")}`,
  secretKey: randomBytes(20).toString("base64"),
  token: `role-token-${randomBytes(24).toString("hex")}`,
};

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let ssm: SsmStandin;
let seq = 0;
/** Each test names its own secrets: the cache lives as long as the module, like an instance. */
let wxName = "";
let ocName = "";

const loginEvent = () =>
  urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: `sam:${++seq}-${Math.random()}` } });
const chatEvent = (token: string) =>
  urlEvent({ method: "POST", path: "/api/chat", headers: { "x-wx-session": token }, body: { message: "hello" } });

/** Calls SSM received for one secret name. */
const callsFor = (name: string) => ssm.calls.filter((c) => c.secretName === name).length;

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: WX_SECRET });
  openclaw = await startOpenClawStandin({ token: OPENCLAW_TOKEN });
  ssm = await startSsmStandin({ ...role, region: "ap-guangzhou" });
  forbidInLogs(WX_SECRET, OPENCLAW_TOKEN, role.secretKey, role.token, "hello");
});
afterAll(async () => {
  await Promise.all([wechat.close(), openclaw.close(), ssm.close()]);
  setEnv({ TENCENTCLOUD_SECRETID: undefined, TENCENTCLOUD_SECRETKEY: undefined, TENCENTCLOUD_SESSIONTOKEN: undefined });
});
beforeEach(() => {
  seq += 1;
  wxName = `wxclaw-wx-secret-${seq}`;
  ocName = `wxclaw-openclaw-token-${seq}`;
  ssm.secrets.set(wxName, WX_SECRET);
  ssm.secrets.set(ocName, OPENCLAW_TOKEN);
  setEnv({
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: uniquePrefix(),
    WX_APPID: TEST_APPID,
    WX_SECRET: undefined,
    WX_SECRET_SSM_NAME: wxName,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: undefined,
    OPENCLAW_TOKEN_SSM_NAME: ocName,
    SSM_REGION: "ap-guangzhou",
    SSM_ENDPOINT: ssm.url,
    // What SCF puts in the environment of a function with an execution role.
    TENCENTCLOUD_SECRETID: role.secretId,
    TENCENTCLOUD_SECRETKEY: role.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: role.token,
    LOGIN_RATE_LIMIT_MAX: "1000",
    RATE_LIMIT_MAX: "1000",
  });
});

async function loginOk(): Promise<string> {
  const res = await login(loginEvent());
  expect(res.statusCode, res.body).toBe(200);
  const token = bodyAs(res, LoginResponse).sessionKey;
  forbidInLogs(token);
  return token;
}

describe("secrets from Tencent Cloud SSM", () => {
  it("logs in with WX_SECRET read from SSM only, over a signed request with the role's token", async () => {
    await loginOk();
    // The WeChat stand-in refuses any other secret (errcode 40125 → 502).
    expect(wechat.calls.length).toBeGreaterThan(0);
    expect(ssm.calls.filter((c) => c.secretName === wxName)).toEqual([
      { secretName: wxName, versionId: "SSM_Current", region: "ap-guangzhou", withToken: true },
    ]);
    expect(ssm.refused).toEqual([]);
  });

  it("sends OpenClaw the bearer token read from SSM", async () => {
    const token = await loginOk();
    const res = await chat(chatEvent(token));
    // The OpenClaw stand-in answers 401 to any other token, which chat turns into 502.
    expect(res.statusCode, res.body).toBe(200);
    expect(callsFor(ocName)).toBe(1);
  });

  it("gives chat's content check the WeChat secret from SSM too", async () => {
    const token = await loginOk();
    setEnv({ WX_MSG_SEC_CHECK: "true" });
    try {
      const before = wechat.secChecks.length;
      const res = await chat(chatEvent(token));
      // The stand-in's stable_token refuses any other secret, which would fail closed (503).
      expect(res.statusCode, res.body).toBe(200);
      expect(wechat.secChecks.length - before).toBe(2);
    } finally {
      setEnv({ WX_MSG_SEC_CHECK: undefined });
    }
  });

  it("fetches each secret once per instance, however many invocations, even concurrent ones", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => login(loginEvent())));
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
    for (let i = 0; i < 12; i++) await loginOk();
    expect(callsFor(wxName)).toBe(1);
  });

  it("answers 503 when SSM fails, logs which secret (not its value), and tries again next time", async () => {
    suiteLogs.clear();
    ssm.queue({ error: { code: "InternalError", message: "backend busy" } });
    const failed = await login(loginEvent());
    expect(failed.statusCode).toBe(503);
    expect(bodyOf(failed).code).toBe("unavailable");
    const line = suiteLogs.lines.find((l) => l.status === 503);
    expect(line?.level).toBe("error");
    expect(String(line?.msg)).toContain(
      `WX_SECRET from SSM secret "${wxName}" (WX_SECRET_SSM_NAME, region ap-guangzhou)`,
    );
    expect(String(line?.msg)).toContain("InternalError: backend busy");

    await loginOk();
    await loginOk();
    expect(callsFor(wxName)).toBe(2);
  });

  it("answers 503 when the secret does not exist or the role may not read it", async () => {
    ssm.secrets.delete(wxName);
    suiteLogs.clear();
    expect((await login(loginEvent())).statusCode).toBe(503);
    expect(suiteLogs.text()).toContain("ResourceNotFound");
    ssm.secrets.set(wxName, WX_SECRET);
    ssm.queue({ error: { code: "AuthFailure.UnauthorizedOperation", message: "no ssm:GetSecretValue" } });
    suiteLogs.clear();
    expect((await login(loginEvent())).statusCode).toBe(503);
    expect(suiteLogs.text()).toContain("AuthFailure.UnauthorizedOperation");
    await loginOk();
  });

  it("answers 503 within its deadline when SSM does not answer", async () => {
    ssm.queue({ hang: true });
    const started = Date.now();
    const res = await chat(chatEvent("a".repeat(64)));
    expect(res.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("answers 503 naming the missing role credentials, without calling SSM", async () => {
    setEnv({
      TENCENTCLOUD_SECRETID: undefined,
      TENCENTCLOUD_SECRETKEY: undefined,
      TENCENTCLOUD_SESSIONTOKEN: undefined,
    });
    suiteLogs.clear();
    const res = await login(loginEvent());
    expect(res.statusCode).toBe(503);
    expect(suiteLogs.text()).toContain("no role credentials (TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY)");
    expect(callsFor(wxName)).toBe(0);
  });

  it("answers 503 naming the variables when a secret has two sources or SSM_REGION is missing", async () => {
    setEnv({ WX_SECRET: WX_SECRET });
    suiteLogs.clear();
    expect((await login(loginEvent())).statusCode).toBe(503);
    expect(suiteLogs.text()).toContain("WX_SECRET: set, and so is WX_SECRET_SSM_NAME: keep one");
    setEnv({ WX_SECRET: undefined, SSM_REGION: undefined });
    suiteLogs.clear();
    expect((await login(loginEvent())).statusCode).toBe(503);
    expect(suiteLogs.text()).toContain("SSM_REGION: missing (WX_SECRET_SSM_NAME is set)");
    expect(callsFor(wxName)).toBe(0);
  });

  it("does not call SSM when no SSM name is set", async () => {
    const before = ssm.calls.length;
    setEnv({ WX_SECRET: WX_SECRET, WX_SECRET_SSM_NAME: undefined, OPENCLAW_TOKEN_SSM_NAME: undefined });
    await loginOk();
    expect(ssm.calls.length).toBe(before);
  });
});
