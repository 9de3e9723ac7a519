-- Stores one record and announces it. The payload is the first write, and the index and the announcement follow it,
-- so no id is ever indexed or announced without its payload. Idempotent per record id: a retry with the same id, or
-- Lettuce re-sending the command after a reconnect, stores nothing twice and does not bring back a record that was
-- already claimed, acknowledged or dead-lettered.
-- KEYS: 1 pending, 2 expiry, 3 owner, 4 acked, 5 dead, 6 released
-- ARGV: 1 record id, 2 envelope, 3 channel, 4 ttl ms, 5 key ttl ms
-- Returns 1 when the record is new, 0 when it was known already.
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id) == 1 or redis.call('HEXISTS', KEYS[3], id) == 1
    or redis.call('ZSCORE', KEYS[4], id) or redis.call('HEXISTS', KEYS[5], id) == 1
    or redis.call('HEXISTS', KEYS[6], id) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], id, ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), id)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[3], id)
return 1
