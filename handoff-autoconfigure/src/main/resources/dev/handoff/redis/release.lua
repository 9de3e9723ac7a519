-- Gives claimed records back without counting the claim as a delivery, each tagged with its version so that only a
-- claimer that reads that version takes it, and announces them. Idempotent: a replay counts what the first run
-- released.
-- KEYS: 1 claim, 2 claims, 3 owner, 4 attempts, 5 released, 6 released versions
-- ARGV: 1 claim id, 2 channel, 3 key ttl ms, then pairs of record id and version
-- Returns how many of the records are released.
local claimId = ARGV[1]
local released, moved = 0, 0
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[3], id) == claimId then
    redis.call('HSET', KEYS[5], id, redis.call('HGET', KEYS[1], id))
    redis.call('HSET', KEYS[6], id, ARGV[i + 1])
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HINCRBY', KEYS[4], id, -1)
    released = released + 1
    moved = moved + 1
  elseif redis.call('HEXISTS', KEYS[5], id) == 1 then
    released = released + 1
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], claimId)
end
if moved > 0 then
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
  redis.call('PEXPIRE', KEYS[6], ARGV[3])
  redis.call('PUBLISH', ARGV[2], claimId)
end
return released
