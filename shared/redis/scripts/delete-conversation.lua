-- Deletes one conversation with its history, its index entry and its retry records (which
-- hold reply text). The conversation's hash names its retry records ('r:' fields); the caller
-- passes the ones it knows, and is told to ask again if a turn added one meanwhile.
-- KEYS[1] conversation, [2] its messages, [3] conversation index, [4] retry index,
--     [5..] the retry records
-- ARGV[1] conversation id, [2..] the retry fields, in the order of KEYS[5..]
-- Reply: {0} no such conversation, {1} deleted, {2, field, ...} the retry fields it has now
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local known = {}
for i = 2, #ARGV do known[ARGV[i]] = true end
local now_fields = {}
local missing = false
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 2) == 'r:' then
    local field = string.sub(f, 3)
    table.insert(now_fields, field)
    if not known[field] then missing = true end
  end
end
if missing then
  local reply = {2}
  for _, f in ipairs(now_fields) do table.insert(reply, f) end
  return reply
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
for i = 5, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('HDEL', KEYS[4], ARGV[i - 3])
end
return {1}
