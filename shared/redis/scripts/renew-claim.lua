-- Keeps a running turn's claim on its retry id alive; a claim nobody renews (the instance
-- died) expires within seconds and frees the id.
-- KEYS[1] retry record, [2] retry index; ARGV[1] claim owner, [2] claim ttl ms, [3] retry field
-- Reply: 1 renewed, 0 the claim is no longer ours
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[3], now + tonumber(ARGV[2]))
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
return 1
