-- Removes records for good, but only those the claim still owns (a lapsed and reclaimed lease is not ours anymore).
-- Remembers for the retention (the ttl) which claim acknowledged each id, so that a replayed initiate cannot bring
-- it back, and so that a late acknowledgement learns that another claim merged the record first.
-- With checkpoints on, the same step writes the acknowledging instance's checkpoint of the label, taken after the
-- merge (see checkpoints.lua), so that what was merged is at every moment in Redis: in the claim, then in the
-- checkpoint.
-- A large record's chunks (see write-chunk.lua) go with it.
-- Idempotent: a replay reports what the first run did.
-- KEYS: 1 claim, 2 claims, 3 owner, 4 expiry, 5 attempts, 6 acked, 7 acked by, 8 report, and with a checkpoint
--       9 checkpoint hash
-- ARGV: 1 claim id, 2 retention ms, 3 number n of record ids, 4..3+n record ids, and with a checkpoint
--       4+n checkpoint claim id, 5+n heartbeat lease ms, 6+n key ttl ms, 7+n checkpoint record id, 8+n envelope,
--       9+n id of the previous checkpoint ('' when none)
-- Returns one code per record id: 1 acknowledged by this claim, 2 acknowledged by another claim first, 0 neither
-- (another claim holds it, or it waits again); with a checkpoint, then 1 when the previous checkpoint was still this
-- instance's, 0 when it had lapsed and another claim took it.
local claimId = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local codes = {}
-- Every key of the label starts like claims, 'claims' being its last 6 characters.
local prefix = string.sub(KEYS[2], 1, -7)
local n = tonumber(ARGV[3])
for i = 4, 3 + n do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[3], id) == claimId then
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('ZADD', KEYS[6], now, id)
    redis.call('HSET', KEYS[7], id, claimId)
    redis.call('DEL', prefix .. 'chunks:' .. id)
    codes[#codes + 1] = 1
  else
    local by = redis.call('HGET', KEYS[7], id)
    codes[#codes + 1] = (by == claimId and 1) or (by and 2) or 0
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], claimId)
  redis.call('DEL', KEYS[8])
end
-- Forget ids past the retention, a bounded number per call, which keeps up with any rate of acknowledgements.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 256)) do
  redis.call('ZREM', KEYS[6], id)
  redis.call('HDEL', KEYS[7], id)
end
redis.call('PEXPIRE', KEYS[6], ARGV[2])
redis.call('PEXPIRE', KEYS[7], ARGV[2])
if #KEYS >= 9 then
  codes[#codes + 1] = replaceCheckpoint(KEYS[2], KEYS[9], KEYS[3], ARGV[4 + n], ARGV[5 + n], ARGV[6 + n],
      ARGV[7 + n], ARGV[8 + n], ARGV[9 + n]) and 1 or 0
end
return codes
