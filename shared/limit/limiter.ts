/**
 * Fixed-window rate limiting on a Redis counter: INCR and its TTL in one Lua script, so the count
 * is exact under concurrency and no counter can live without a TTL. The window starts at the
 * first request in it; Retry-After is the counter's remaining TTL.
 */
import type { Redis } from "ioredis";
import { Script } from "../redis/script.js";
import { type LimitPolicy, type LimitState, limitState } from "./headers.js";

/** Shared by every script that charges a counter: returns count and the window's ms left. */
export const COUNTER_LUA = `
local function hit(key, window_ms)
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window_ms)
    ttl = window_ms
  end
  return n, ttl
end
`;

const limitScript = new Script(`${COUNTER_LUA}
local n, ttl = hit(KEYS[1], tonumber(ARGV[1]))
return {n, ttl}
`);

/** Charges one request to `key` (one round trip). */
export async function hitLimit(client: Redis, key: string, policy: LimitPolicy): Promise<LimitState> {
  const [count, ttl] = (await limitScript.run(client, [key], [policy.windowS * 1000])) as [number, number];
  return limitState(policy, count, ttl);
}
