-- Moves one claimed record to the dead letters, if the claim still owns it; the dead letter expires on its own after
-- the dead-letter ttl, and so do the chunks of a large record. Idempotent: a replay finds the record in the dead letters.
-- KEYS: 1 claim, 2 claims, 3 owner, 4 expiry, 5 attempts, 6 dead, 7 dead reasons, 8 dead expiry
-- ARGV: 1 claim id, 2 record id, 3 reason, 4 dead-letter ttl ms
-- Returns 1 when the record is in the dead letters, 0 when the claim no longer owned it.
local claimId, id = ARGV[1], ARGV[2]
if redis.call('HGET', KEYS[3], id) ~= claimId then
  return redis.call('HEXISTS', KEYS[6], id)
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[6], id, redis.call('HGET', KEYS[1], id))
redis.call('HSET', KEYS[7], id, ARGV[3])
redis.call('ZADD', KEYS[8], now + tonumber(ARGV[4]), id)
redis.call('HDEL', KEYS[1], id)
redis.call('HDEL', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[5], id)
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], claimId)
end
-- Every key of the label starts like claims, 'claims' being its last 6 characters.
redis.call('PEXPIRE', string.sub(KEYS[2], 1, -7) .. 'chunks:' .. id, ARGV[4])
for _, i in ipairs({ 6, 7, 8 }) do
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return 1
