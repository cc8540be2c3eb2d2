-- First step of an erase: sets the erase marker (the time now, as an integer with a short TTL)
-- so that no turn already running records anything, and reads the indexes that name the
-- user's other keys.
-- KEYS[1] erase marker, [2] sessions, [3] conversation index, [4] retry index
-- ARGV[1] marker ttl ms
-- Reply: {session hashes, conversation ids, retry fields}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], now, 'PX', ARGV[1])
return {redis.call('SMEMBERS', KEYS[2]), redis.call('ZRANGE', KEYS[3], 0, -1), redis.call('HKEYS', KEYS[4])}
