-- KEYS[1] counter; ARGV[1] window ms
local n, ttl = hit(KEYS[1], tonumber(ARGV[1]))
return {n, ttl}
