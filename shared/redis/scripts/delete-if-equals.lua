-- Deletes a key only while it holds the given value: drops the WeChat token that was rejected
-- unless another caller already replaced it, and releases a lock only if it is still ours.
-- KEYS[1] the key; ARGV[1] the value
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
