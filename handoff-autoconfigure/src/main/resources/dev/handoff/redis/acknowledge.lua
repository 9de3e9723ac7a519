-- Removes records for good, but only those the claim still owns (a lapsed and reclaimed lease is not ours anymore).
-- Remembers acknowledged ids for the key ttl, so that a replayed initiate cannot bring them back.
-- Idempotent: a replay counts the records it already acknowledged.
-- KEYS: 1 claim, 2 claims, 3 owner, 4 expiry, 5 attempts, 6 acked
-- ARGV: 1 claim id, 2 key ttl ms, 3.. record ids
-- Returns how many of the records are acknowledged.
local claimId = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local acknowledged = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[3], id) == claimId then
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('ZADD', KEYS[6], now, id)
    acknowledged = acknowledged + 1
  elseif redis.call('ZSCORE', KEYS[6], id) then
    acknowledged = acknowledged + 1
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], claimId)
end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[6], ARGV[2])
return acknowledged
