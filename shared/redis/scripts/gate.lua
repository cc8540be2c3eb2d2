-- The common path of an authenticated request, in the contract's order: session, retry id
-- (replay, wait or conflict), limit, quota, the conversation named, then the retry claim.
-- KEYS[1] session, [2] rate counter, [3] quota counter, [4] conversation, [5] retry record,
--     [6] retry index
-- ARGV[1] window ms ('0' = no limit), [2] limit max, [3] quota max ('0' = none),
--     [4] '1' when a conversation is named, [5] retry field ('' = no retry id), [6] fingerprint,
--     [7] claim owner, [8] claim ttl ms, [9] waiters allowed
-- Reply: {outcome, openid, unionid, count, window ms left, quota used, now ms, ...}
local s = redis.call('HMGET', KEYS[1], 'openid', 'unionid')
local openid = s[1]
if not openid then return {'unauthorized', '', '', 0, 0, 0, 0} end
local unionid = s[2] or ''
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local retry = ARGV[5] ~= ''
if retry then
  local r = redis.call('HMGET', KEYS[5], 'fp', 'state', 'response')
  if r[1] then
    if r[1] ~= ARGV[6] then return {'conflict', openid, unionid, 0, 0, 0, now} end
    if r[2] == 'done' then return {'replay', openid, unionid, 0, 0, 0, now, r[3]} end
    local waiters = redis.call('HINCRBY', KEYS[5], 'waiters', 1)
    if waiters > tonumber(ARGV[9]) then
      return {'in_progress', openid, unionid, 0, 0, 0, now, redis.call('PTTL', KEYS[5])}
    end
    return {'pending', openid, unionid, 0, 0, 0, now}
  end
end

local n, ttl = 0, 0
if ARGV[1] ~= '0' then
  n, ttl = hit(KEYS[2], tonumber(ARGV[1]))
  if n > tonumber(ARGV[2]) then return {'rate_limited', openid, unionid, n, ttl, 0, now} end
end

local used = 0
if ARGV[3] ~= '0' then
  used = tonumber(redis.call('GET', KEYS[3]) or '0')
  if used >= tonumber(ARGV[3]) then return {'quota_exceeded', openid, unionid, n, ttl, used, now} end
end

local fields = {}
if ARGV[4] == '1' then
  fields = redis.call('HGETALL', KEYS[4])
  if #fields == 0 then return {'not_found', openid, unionid, n, ttl, used, now} end
end

if retry then
  local expires = now + tonumber(ARGV[8])
  redis.call('HSET', KEYS[5], 'fp', ARGV[6], 'state', 'pending', 'owner', ARGV[7])
  redis.call('PEXPIRE', KEYS[5], ARGV[8])
  redis.call('HSET', KEYS[6], ARGV[5], expires)
  if redis.call('PTTL', KEYS[6]) < tonumber(ARGV[8]) then redis.call('PEXPIRE', KEYS[6], ARGV[8]) end
end
local reply = {'ok', openid, unionid, n, ttl, used, now}
for _, f in ipairs(fields) do table.insert(reply, f) end
return reply
