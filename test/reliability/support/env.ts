/** The stand-ins and the environment the built bundles read, for one reliability file. */
import { randomBytes } from "node:crypto";
import { type OpenClawStandin, startOpenClawStandin } from "../../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../../scripts/standins/wechat.js";
import { setEnv, uniquePrefix } from "../../support/stack.js";

export interface Stack {
  wechat: WechatStandin;
  openclaw: OpenClawStandin;
  prefix: string;
  secrets: string[];
  close(): Promise<void>;
}

/** `redis` is the test Redis (testRedisEnv) or a server of the test's own (then standalone). */
export async function startStack(
  redis: string | { REDIS_URL: string; REDIS_MODE: string },
  env: Record<string, string> = {},
): Promise<Stack> {
  const appid = "wx-reliability";
  const secret = `wxsecret-${randomBytes(8).toString("hex")}`;
  const openclawToken = `oc-token-${randomBytes(8).toString("hex")}`;
  const wechat = await startWechatStandin({ appid, secret });
  const openclaw = await startOpenClawStandin({ token: openclawToken });
  const prefix = uniquePrefix();
  setEnv({
    ...(typeof redis === "string" ? { REDIS_URL: redis, REDIS_MODE: "standalone" } : redis),
    REDIS_KEY_PREFIX: prefix,
    WX_APPID: appid,
    WX_SECRET: secret,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: openclawToken,
    OPENCLAW_TIMEOUT_MS: "3000",
    RATE_LIMIT_MAX: "1000000",
    RATE_LIMIT_WINDOW_S: "60",
    LOGIN_RATE_LIMIT_MAX: "1000000",
    DAILY_TOKEN_QUOTA: "0",
    HISTORY_ENABLED: "true",
    WX_MSG_SEC_CHECK: "false",
    LOG_LEVEL: "info",
    ...env,
  });
  return {
    wechat,
    openclaw,
    prefix,
    secrets: [secret, openclawToken],
    close: async () => {
      await Promise.all([wechat.close(), openclaw.close()]);
    },
  };
}
