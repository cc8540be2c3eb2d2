-- Everything a completed turn changes, at once: the quota charge, then (unless the user was
-- erased after the turn started, or the conversation went away meanwhile) the conversation,
-- its history, the owner's index and the retry record with the response.
-- KEYS[1] conversation, [2] its messages, [3] conversation index, [4] quota counter,
--     [5] retry record, [6] retry index, [7] erase marker
-- ARGV[1] upstream key, [2] conversation ttl ms, [3] '1' when new, [4] conversation id,
--     [5] title, [6] messages kept ('0' = history off), [7] user message JSON, [8] reply JSON,
--     [9] tokens, [10] quota ttl ms ('0' = no quota), [11] retry field ('' = none),
--     [12] response JSON, [13] retry ttl ms, [14] turn start ms (the gate's clock),
--     [15] the request's fingerprint
-- Reply: {stored (1/0), tokens used today}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Tokens were spent whatever happens to the record.
local used = 0
if ARGV[10] ~= '0' then
  used = redis.call('INCRBY', KEYS[4], ARGV[9])
  if redis.call('PTTL', KEYS[4]) < 0 then redis.call('PEXPIRE', KEYS[4], ARGV[10]) end
end

local function forget_claim()
  if ARGV[11] ~= '' then
    redis.call('DEL', KEYS[5])
    redis.call('HDEL', KEYS[6], ARGV[11])
  end
end

local erased = redis.call('GET', KEYS[7])
if erased and tonumber(erased) >= tonumber(ARGV[14]) then
  forget_claim()
  return {0, used}
end

if ARGV[3] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    forget_claim()
    return {0, used}
  end
  redis.call('HSET', KEYS[1], 'key', ARGV[1], 'createdAt', now, 'updatedAt', now, 'title', ARGV[5])
elseif redis.call('EXISTS', KEYS[1]) == 0 then
  -- Deleted or expired while the reply was being written: do not bring it back.
  forget_claim()
  return {0, used}
else
  redis.call('HSET', KEYS[1], 'updatedAt', now)
end
local conversation_ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], conversation_ttl)
local keep = tonumber(ARGV[6])
if keep > 0 then
  redis.call('RPUSH', KEYS[2], ARGV[7], ARGV[8])
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], conversation_ttl) end
redis.call('ZADD', KEYS[3], now, ARGV[4])
redis.call('PEXPIRE', KEYS[3], conversation_ttl)

-- Retry entries past their expiry are dropped from both lists that name them.
local function prune(key, field_prefix)
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local f = all[i]
    if string.sub(f, 1, #field_prefix) == field_prefix and (tonumber(all[i + 1]) or 0) < now then
      redis.call('HDEL', key, f)
    end
  end
end

if ARGV[11] ~= '' then
  local retry_ttl = tonumber(ARGV[13])
  local expires = now + retry_ttl
  redis.call('DEL', KEYS[5])
  redis.call('HSET', KEYS[5], 'fp', ARGV[15], 'state', 'done', 'response', ARGV[12], 'conversation', ARGV[4])
  redis.call('PEXPIRE', KEYS[5], retry_ttl)
  prune(KEYS[6], '')
  redis.call('HSET', KEYS[6], ARGV[11], expires)
  if redis.call('PTTL', KEYS[6]) < retry_ttl then redis.call('PEXPIRE', KEYS[6], retry_ttl) end
  -- The conversation names its retry records, so that deleting it deletes them.
  prune(KEYS[1], 'r:')
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[11], expires)
end
return {1, used}
