-- Extends the lease of a claim that still holds records, from now.
-- KEYS: 1 claims
-- ARGV: 1 claim id, 2 lease ms
-- Returns 1 when the lease was extended, 0 when the claim holds nothing anymore.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
return 1
