/**
 * WeChat's app access token (`POST /cgi-bin/stable_token`), cached in Redis for every instance
 * until shortly before it expires. One caller at a time refreshes it (a lock with a TTL); the
 * others wait briefly for the cached token rather than each asking WeChat.
 */
import { randomBytes } from "node:crypto";
import type { ConfigOf } from "../config.js";
import { ApiError } from "../errors.js";
import { fetchText } from "../net/http-client.js";
import { parseWire } from "../net/wire.js";
import { type RedisClient, withRedis } from "../redis/client.js";
import type { RedisKeys } from "../redis/keys.js";
import { defineScript, luaInt } from "../redis/script.js";
import deleteIfEqualsLua from "../redis/scripts/delete-if-equals.lua";
import { StableTokenReply } from "./wire.js";

type WechatConfig = ConfigOf<"wechat">;

/** Refresh this long before WeChat's expiry, so no caller holds a token that dies in flight. */
const EARLY_MS = 5 * 60_000;
const LOCK_MS = 10_000;
const WAIT_STEP_MS = 50;

export const wechatDown = (note: string) =>
  new ApiError("unavailable", "The content check is unavailable; try again shortly.", { operatorNote: note });

async function fetchToken(config: WechatConfig, force: boolean): Promise<{ token: string; ttlMs: number }> {
  let text: string;
  try {
    ({ text } = await fetchText(new URL("/cgi-bin/stable_token", config.WX_API_BASE), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: config.WX_APPID,
        secret: config.WX_SECRET,
        force_refresh: force,
      }),
      timeoutMs: config.WX_TIMEOUT_MS,
    }));
  } catch (e) {
    throw wechatDown(`wechat stable_token: unreachable (${(e as Error).message})`);
  }
  const reply = parseWire(StableTokenReply, text);
  if (!reply) throw wechatDown("wechat stable_token: unparsable answer");
  if (!reply.access_token) {
    throw wechatDown(`wechat stable_token: errcode ${String(reply.errcode)} (check WX_APPID and WX_SECRET)`);
  }
  const expiresS = reply.expires_in ?? 7200;
  return { token: reply.access_token, ttlMs: Math.max(60_000, expiresS * 1000 - EARLY_MS) };
}

/**
 * Deletes a key only while it holds the given value: drops the token WeChat rejected unless
 * another caller already replaced it, and releases the lock only if it is still ours.
 */
const deleteIfEqualsScript = defineScript({
  name: "delete-if-equals",
  lua: deleteIfEqualsLua,
  keys: ["key"],
  args: ["value"],
  reply: luaInt,
});
export const deleteIfEquals = (redis: RedisClient, key: string, value: string) =>
  deleteIfEqualsScript(redis, { keys: { key }, args: { value } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The current token: from the cache (one round trip), else refreshed by exactly one caller
 * across all instances. `invalid` names a token WeChat rejected (40001/42001): it is dropped and
 * a forced refresh replaces it.
 */
export async function accessToken(
  redis: RedisClient,
  keys: RedisKeys,
  config: WechatConfig,
  invalid?: string,
): Promise<string> {
  const key = keys.wxAccessToken(config.WX_APPID);
  const lockKey = keys.wxAccessTokenLock(config.WX_APPID);
  return withRedis(redis, async () => {
    if (invalid) await deleteIfEquals(redis, key, invalid);
    const deadline = Date.now() + config.WX_TIMEOUT_MS;
    for (;;) {
      const cached = await redis.get(key);
      if (cached && cached !== invalid) return cached;
      const owner = randomBytes(8).toString("hex");
      if ((await redis.set(lockKey, owner, "PX", LOCK_MS, "NX")) === "OK") {
        try {
          const fresh = await fetchToken(config, invalid !== undefined);
          await redis.set(key, fresh.token, "PX", fresh.ttlMs);
          return fresh.token;
        } finally {
          await deleteIfEquals(redis, lockKey, owner);
        }
      }
      if (Date.now() > deadline) throw wechatDown("wechat access token: another caller's refresh did not finish");
      await sleep(WAIT_STEP_MS);
    }
  });
}
