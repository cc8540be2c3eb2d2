import { readFileSync } from "node:fs";
import path from "node:path";
/** The login and chat bundles, run as SCF runs them: alone, in a fresh process, env set first. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenClawStandin, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { ChatResponse, LoginResponse } from "../../shared/schemas.js";
import { invokeInFreshProcess, isolatedBundle } from "../support/bundles.js";
import { urlEvent } from "../support/events.js";
import { parseAs } from "../support/json.js";
import { TEST_APPID, TEST_SECRET, testRedisEnv, uniquePrefix } from "../support/stack.js";

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let env: Record<string, string>;

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin({ token: "bundle-token" });
  env = {
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: uniquePrefix(),
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: "bundle-token",
  };
});
afterAll(async () => {
  await Promise.all([wechat.close(), openclaw.close()]);
});

describe("dist bundles", () => {
  it("log in and chat with nothing but the bundle file", async () => {
    const [loginDir, chatDir] = await Promise.all([isolatedBundle("login"), isolatedBundle("chat")]);
    const { responses: logins } = await invokeInFreshProcess(
      loginDir,
      [urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: "uma:1" }, base64: true })],
      env,
    );
    expect(logins[0]?.statusCode).toBe(200);
    const token = parseAs(LoginResponse, logins[0]?.body ?? "").sessionKey;
    const chatEvent = (conversation_id: string | null) =>
      urlEvent({
        method: "POST",
        path: "/api/chat",
        headers: { "x-wx-session": token },
        body: { message: "hi", conversation_id },
      });
    const { responses: first } = await invokeInFreshProcess(chatDir, [chatEvent(null)], env);
    expect(first[0]?.statusCode).toBe(200);
    const id = parseAs(ChatResponse, first[0]?.body ?? "").conversation_id;
    // A second instance (new process) continues the conversation: state lives in Redis only.
    const { responses: second } = await invokeInFreshProcess(chatDir, [chatEvent(id)], env);
    expect(JSON.parse(second[0]?.body ?? "{}")).toMatchObject({ conversation_id: id, reply: "(turn 2) You said: hi" });
  });

  it("contain none of the local stand-ins", async () => {
    for (const name of ["login", "chat"]) {
      const code = readFileSync(path.join(await isolatedBundle(name), "index.js"), "utf8");
      expect(code).not.toMatch(/stand-?in/i);
    }
  });

  it("answer 503 without crashing when their configuration is missing", async () => {
    const dir = await isolatedBundle("chat");
    const { responses, stdout } = await invokeInFreshProcess(dir, [
      urlEvent({
        method: "POST",
        path: "/api/chat",
        headers: { "x-wx-session": "a".repeat(64) },
        body: { message: "x" },
      }),
    ]);
    expect(responses[0]?.statusCode).toBe(503);
    expect(stdout).toContain("REDIS_URL: missing");
    expect(stdout).toContain("OPENCLAW_BASE_URL: missing");
  });
});
