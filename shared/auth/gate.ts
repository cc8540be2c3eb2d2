/**
 * The common path of an authenticated request in one Redis round trip, in the contract's order:
 * look the session up, replay or hold a retried request (idempotency), charge the caller's
 * counter, check the daily token quota, check that the resource named is theirs, and claim the
 * retry id. Keys derived from the openid are built inside the script, so it assumes a standalone
 * (or master/replica) Redis, as TencentDB's standard edition is; see the README for clusters.
 */
import type { Redis } from "ioredis";
import { type LimitPolicy, type LimitState, limitState } from "../limit/headers.js";
import { COUNTER_LUA } from "../limit/limiter.js";
import { Script } from "../redis/script.js";
import type { SessionUser } from "./session.js";

const gateScript = new Script(`${COUNTER_LUA}
-- KEYS[1] session
-- ARGV[1] counter key prefix ('' = no limit), [2] window ms, [3] max
-- ARGV[4] key of a hash whose owner must be the caller ('' = none)
-- ARGV[5] quota key prefix ('' = no quota), [6] quota
-- ARGV[7] retry key prefix ('' = none), [8] fingerprint of the request, [9] retry record ttl ms
local s = redis.call('HMGET', KEYS[1], 'openid', 'unionid')
local openid = s[1]
if not openid then return {'unauthorized'} end
local unionid = s[2] or ''

local retry_key = nil
if ARGV[7] ~= '' then
  retry_key = ARGV[7] .. openid
  local r = redis.call('HMGET', retry_key, 'fp', 'state', 'response')
  if r[1] then
    if r[1] ~= ARGV[8] then return {'conflict', openid, unionid, 0, 0, 0} end
    if r[2] == 'done' then return {'replay', openid, unionid, 0, 0, 0, r[3]} end
    return {'pending', openid, unionid, 0, 0, 0}
  end
end

local n, ttl = 0, 0
if ARGV[1] ~= '' then
  n, ttl = hit(ARGV[1] .. openid, tonumber(ARGV[2]))
  if n > tonumber(ARGV[3]) then return {'rate_limited', openid, unionid, n, ttl, 0} end
end

local used = 0
if ARGV[5] ~= '' then
  used = tonumber(redis.call('GET', ARGV[5] .. openid) or '0')
  if used >= tonumber(ARGV[6]) then return {'quota_exceeded', openid, unionid, n, ttl, used} end
end

local fields = {}
if ARGV[4] ~= '' then
  fields = redis.call('HGETALL', ARGV[4])
  local owner = nil
  for i = 1, #fields, 2 do
    if fields[i] == 'owner' then owner = fields[i + 1] end
  end
  if owner ~= openid then return {'not_found', openid, unionid, n, ttl, used} end
end

if retry_key then
  redis.call('HSET', retry_key, 'fp', ARGV[8], 'state', 'pending')
  redis.call('PEXPIRE', retry_key, ARGV[9])
end
return {'ok', openid, unionid, n, ttl, used, unpack(fields)}
`);

export type GateOutcome =
  | "ok"
  | "unauthorized"
  | "rate_limited"
  | "quota_exceeded"
  | "not_found"
  | "conflict"
  | "replay"
  | "pending";

export interface GateRequest {
  sessionKey: string;
  tokenHash: string;
  /** Counter to charge, with its key prefix (the openid completes it). */
  limit?: { keyPrefix: string; policy: LimitPolicy };
  /** Key of a hash whose `owner` field must be the caller. */
  ownedKey?: string;
  /** Daily token quota: key prefix (the openid completes it) and the quota. */
  quota?: { keyPrefix: string; max: number };
  /** A client retry id: key prefix (the openid completes it), request fingerprint, record ttl. */
  retry?: { keyPrefix: string; fingerprint: string; ttlMs: number };
}

export interface GateResult {
  outcome: GateOutcome;
  user?: SessionUser;
  limit?: LimitState;
  /** Tokens used today, when a quota was checked. */
  quotaUsed?: number;
  /** The owned resource's fields, when `ownedKey` was given and it is the caller's. */
  owned?: Record<string, string>;
  /** The stored response of the first request with this retry id. */
  replay?: string;
}

export async function passGate(client: Redis, req: GateRequest): Promise<GateResult> {
  const args = [
    req.limit?.keyPrefix ?? "",
    (req.limit?.policy.windowS ?? 0) * 1000,
    req.limit?.policy.max ?? 0,
    req.ownedKey ?? "",
    req.quota?.keyPrefix ?? "",
    req.quota?.max ?? 0,
    req.retry?.keyPrefix ?? "",
    req.retry?.fingerprint ?? "",
    req.retry?.ttlMs ?? 0,
  ];
  const reply = (await gateScript.run(client, [req.sessionKey], args)) as [GateOutcome, ...Array<string | number>];
  const [outcome, openid, unionid, count, ttl, used, ...rest] = reply;
  if (outcome === "unauthorized") return { outcome };
  const user: SessionUser = { openid: String(openid), tokenHash: req.tokenHash };
  if (unionid) user.unionid = String(unionid);
  const result: GateResult = { outcome, user };
  if (req.limit && Number(count) > 0) result.limit = limitState(req.limit.policy, Number(count), Number(ttl));
  if (req.quota) result.quotaUsed = Number(used);
  if (outcome === "replay") result.replay = String(rest[0] ?? "");
  if (req.ownedKey && outcome === "ok") {
    const owned: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) owned[String(rest[i])] = String(rest[i + 1]);
    result.owned = owned;
  }
  return result;
}
