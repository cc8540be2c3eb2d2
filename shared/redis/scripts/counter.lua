-- Shared by every script that charges a window counter: returns the count and the window's ms left.
-- The window starts at the first request in it; no counter lives without a TTL.
local function hit(key, window_ms)
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window_ms)
    ttl = window_ms
  end
  return n, ttl
end
