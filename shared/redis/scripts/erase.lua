-- Second step of an erase: deletes the keys named by what the first step read, provided the
-- indexes still list exactly that (a login or a turn in between would add to them: the caller
-- then reads again).
-- KEYS[1] sessions, [2] conversation index, [3] retry index, [4..] the keys they name
-- ARGV[1] sessions listed, [2] conversations listed, [3] retries listed, then the members in that order
-- Reply: 1 erased, 0 the indexes changed
local counts = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
if redis.call('SCARD', KEYS[1]) ~= counts[1] or redis.call('ZCARD', KEYS[2]) ~= counts[2]
    or redis.call('HLEN', KEYS[3]) ~= counts[3] then
  return 0
end
local i = 4
for _ = 1, counts[1] do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then return 0 end
  i = i + 1
end
for _ = 1, counts[2] do
  if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then return 0 end
  i = i + 1
end
for _ = 1, counts[3] do
  if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 then return 0 end
  i = i + 1
end
for k = 1, #KEYS do redis.call('DEL', KEYS[k]) end
return 1
