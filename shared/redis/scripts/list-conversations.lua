-- The summaries of the conversations named (the newest of the owner's index, read just
-- before); ids whose conversation expired or was deleted leave the index.
-- KEYS[1] conversation index, [2..] the conversations; ARGV the ids, in the order of KEYS[2..]
-- Reply: flat {id, title, createdAt, updatedAt, ...} of those that exist
local out = {}
for i = 2, #KEYS do
  local f = redis.call('HMGET', KEYS[i], 'title', 'createdAt', 'updatedAt')
  if f[2] then
    table.insert(out, ARGV[i - 1])
    table.insert(out, f[1] or '')
    table.insert(out, f[2])
    table.insert(out, f[3] or f[2])
  else
    redis.call('ZREM', KEYS[1], ARGV[i - 1])
  end
end
return out
