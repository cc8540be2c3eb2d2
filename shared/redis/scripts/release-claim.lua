-- Frees a retry id whose turn failed, so that a retry runs again; only our own pending claim.
-- KEYS[1] retry record, [2] retry index; ARGV[1] claim owner, [2] retry field
-- Reply: 1 released, 0 not ours (or already done)
local r = redis.call('HMGET', KEYS[1], 'owner', 'state')
if r[1] ~= ARGV[1] or r[2] ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
