/**
 * The common path of an authenticated request in one Redis round trip: look the session up,
 * charge the caller's counter, and check that the resource named in the request is theirs.
 * On a Redis Cluster the counter and resource keys would need the session's hash slot; this
 * script assumes a standalone (or master/replica) Redis, as TencentDB's standard edition is.
 */
import type { Redis } from "ioredis";
import { type LimitPolicy, type LimitState, limitState } from "../limit/headers.js";
import { COUNTER_LUA } from "../limit/limiter.js";
import { Script } from "../redis/script.js";
import type { SessionUser } from "./session.js";

const gateScript = new Script(`${COUNTER_LUA}
-- KEYS[1] session; KEYS[2] (optional) a resource hash that must have owner == the session's openid
-- ARGV[1] counter key prefix ('' = no limit), ARGV[2] window ms, ARGV[3] max
local s = redis.call('HMGET', KEYS[1], 'openid', 'unionid')
local openid = s[1]
if not openid then return {'unauthorized'} end
local unionid = s[2] or ''
local n, ttl = 0, 0
if ARGV[1] ~= '' then
  n, ttl = hit(ARGV[1] .. openid, tonumber(ARGV[2]))
  if n > tonumber(ARGV[3]) then return {'rate_limited', openid, unionid, n, ttl} end
end
if KEYS[2] then
  local fields = redis.call('HGETALL', KEYS[2])
  local owner = nil
  for i = 1, #fields, 2 do
    if fields[i] == 'owner' then owner = fields[i + 1] end
  end
  if owner ~= openid then return {'not_found', openid, unionid, n, ttl} end
  return {'ok', openid, unionid, n, ttl, unpack(fields)}
end
return {'ok', openid, unionid, n, ttl}
`);

export type GateOutcome = "ok" | "unauthorized" | "rate_limited" | "not_found";

export interface GateRequest {
  sessionKey: string;
  tokenHash: string;
  /** Counter to charge, with its key prefix; absent when the request is not limited. */
  limit?: { keyPrefix: string; policy: LimitPolicy };
  /** Key of a hash whose `owner` field must be the caller. */
  ownedKey?: string;
}

export interface GateResult {
  outcome: GateOutcome;
  user?: SessionUser;
  limit?: LimitState;
  /** The owned resource's fields, when `ownedKey` was given and it is the caller's. */
  owned?: Record<string, string>;
}

export async function passGate(client: Redis, req: GateRequest): Promise<GateResult> {
  const keys = req.ownedKey ? [req.sessionKey, req.ownedKey] : [req.sessionKey];
  const args = req.limit ? [req.limit.keyPrefix, req.limit.policy.windowS * 1000, req.limit.policy.max] : ["", 0, 0];
  const reply = (await gateScript.run(client, keys, args)) as [GateOutcome, ...Array<string | number>];
  const [outcome, openid, unionid, count, ttl, ...fields] = reply;
  if (outcome === "unauthorized") return { outcome };
  const user: SessionUser = { openid: String(openid), tokenHash: req.tokenHash };
  if (unionid) user.unionid = String(unionid);
  const result: GateResult = { outcome, user };
  if (req.limit) result.limit = limitState(req.limit.policy, Number(count), Number(ttl));
  if (req.ownedKey && outcome === "ok") {
    const owned: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) owned[String(fields[i])] = String(fields[i + 1]);
    result.owned = owned;
  }
  return result;
}
