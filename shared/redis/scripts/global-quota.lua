-- The daily token counter of all users together (GLOBAL_DAILY_TOKEN_QUOTA): charge it, or only
-- read it, and tell whether this call is the first to find the cap reached today (the marker is
-- set once per day across every instance, so the operator gets one line).
-- KEYS[1] the day's counter, [2] the day's "reached" marker (both in the {global} slot)
-- ARGV[1] tokens to add ('0' = read only), [2] the cap, [3] ttl ms of both keys
-- Reply: {tokens used today by everyone, 1 when this call first found the cap reached}
local used
if ARGV[1] ~= '0' then
  used = redis.call('INCRBY', KEYS[1], ARGV[1])
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
else
  used = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local first = 0
if used >= tonumber(ARGV[2]) and redis.call('SET', KEYS[2], used, 'NX', 'PX', ARGV[3]) then first = 1 end
return {used, first}
