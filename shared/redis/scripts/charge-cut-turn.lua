-- A turn cut short after it reached OpenClaw (the client hung up, or the turn broke): charge
-- its tokens to today's quota and free its retry id, in one round trip. Nothing is stored.
-- KEYS[1] quota counter, [2] retry record, [3] retry index
-- ARGV[1] tokens, [2] quota ttl ms ('0' = no quota), [3] claim owner ('' = no claim),
--     [4] retry field
-- Reply: {tokens used today (0 without a quota), claim released (1/0)}
local used = 0
if ARGV[2] ~= '0' then
  used = redis.call('INCRBY', KEYS[1], ARGV[1])
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
local released = 0
if ARGV[3] ~= '' then
  local r = redis.call('HMGET', KEYS[2], 'owner', 'state')
  if r[1] == ARGV[3] and r[2] == 'pending' then
    redis.call('DEL', KEYS[2])
    redis.call('HDEL', KEYS[3], ARGV[4])
    released = 1
  end
end
return {used, released}
