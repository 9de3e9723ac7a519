-- Makes a dead letter a waiting record again: its delivery count reset, its ttl started anew (the chunks of a large
-- one kept as long as the record), and announced.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 dead, 5 dead reasons, 6 dead expiry
-- ARGV: 1 record id, 2 ttl ms, 3 key ttl ms, 4 channel
-- Returns 1 when the dead letter was requeued, 0 when there was none.
local id = ARGV[1]
local envelope = redis.call('HGET', KEYS[4], id)
if not envelope then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[1], id, envelope)
redis.call('HDEL', KEYS[4], id)
redis.call('HDEL', KEYS[5], id)
redis.call('ZREM', KEYS[6], id)
redis.call('HDEL', KEYS[3], id)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
-- Every key of the label starts like pending, 'pending' being its last 7 characters.
redis.call('PEXPIRE', string.sub(KEYS[1], 1, -8) .. 'chunks:' .. id, ARGV[3])
redis.call('PUBLISH', ARGV[4], id)
return 1
