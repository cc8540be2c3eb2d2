/**
 * Fixed-window rate limiting on a Redis counter: INCR and its TTL in one Lua script, so the count
 * is exact under concurrency and no counter can live without a TTL. The window starts at the
 * first request in it; Retry-After is the counter's remaining TTL.
 */

import * as z from "zod/mini";
import type { RedisClient } from "../redis/client.js";
import { defineScript, luaInt } from "../redis/script.js";
import counterLua from "../redis/scripts/counter.lua";
import limitLua from "../redis/scripts/limit.lua";
import { type LimitPolicy, type LimitState, limitState } from "./headers.js";

const limitScript = defineScript({
  name: "limit",
  lua: `${counterLua}\n${limitLua}`,
  keys: ["counter"],
  args: ["windowMs"],
  reply: z.tuple([luaInt, luaInt]),
});

/** Charges one request to `key` (one round trip). */
export async function hitLimit(client: RedisClient, key: string, policy: LimitPolicy): Promise<LimitState> {
  const [count, ttl] = await limitScript(client, { keys: { counter: key }, args: { windowMs: policy.windowS * 1000 } });
  return limitState(policy, count, ttl);
}
