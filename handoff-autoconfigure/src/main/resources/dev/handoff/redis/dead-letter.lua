-- Moves one claimed record to the dead letters, if the claim still owns it.
-- KEYS: 1 claim, 2 claims, 3 owner, 4 expiry, 5 attempts, 6 dead, 7 dead reasons
-- ARGV: 1 claim id, 2 record id, 3 reason, 4 dead-letter ttl ms
-- Returns 1 when the record was moved, 0 when the claim no longer owned it.
local claimId, id = ARGV[1], ARGV[2]
if redis.call('HGET', KEYS[3], id) ~= claimId then
  return 0
end
redis.call('HSET', KEYS[6], id, redis.call('HGET', KEYS[1], id))
redis.call('HSET', KEYS[7], id, ARGV[3])
redis.call('HDEL', KEYS[1], id)
redis.call('HDEL', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[5], id)
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], claimId)
end
redis.call('PEXPIRE', KEYS[6], ARGV[4])
redis.call('PEXPIRE', KEYS[7], ARGV[4])
return 1
