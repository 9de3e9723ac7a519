-- Counts the records of one label, by where they are, for health checks and gauges. Reads only.
-- KEYS: 1 pending, 2 released, 3 owner, 4 dead expiry
-- Returns { waiting, in flight, dead letters not yet expired }.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return { redis.call('HLEN', KEYS[1]) + redis.call('HLEN', KEYS[2]), redis.call('HLEN', KEYS[3]),
  redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf') }
