-- Announces a record whose envelope the same MULTI/EXEC has just written with HSET pending <id> <envelope>,
-- so that large payloads never pass through Lua. Idempotent per record id: Lettuce may replay the transaction.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 owner, 5 acked, 6 dead
-- ARGV: 1 record id, 2 channel, 3 ttl ms, 4 key ttl ms
-- Returns 1 when the record is new, 0 for a replay.
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[4], id) == 1 or redis.call('ZSCORE', KEYS[5], id) or redis.call('HEXISTS', KEYS[6], id) == 1 then
  -- A replay after the record was claimed, acknowledged or dead-lettered: undo the HSET that just ran.
  redis.call('HDEL', KEYS[1], id)
  return 0
end
if redis.call('ZSCORE', KEYS[2], id) then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), id)
redis.call('HSET', KEYS[3], id, 0)
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
redis.call('PUBLISH', ARGV[2], id)
return 1
