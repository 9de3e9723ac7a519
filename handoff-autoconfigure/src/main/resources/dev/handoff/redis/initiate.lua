-- Stores one record and announces it. The payload is the first write, and the index and the announcement follow it,
-- so no id is ever indexed or announced without its payload. Idempotent per record id: a retry with the same id, or
-- Lettuce re-sending the command after a reconnect, stores nothing twice and does not bring back a record that was
-- already claimed, acknowledged or dead-lettered.
-- An instance's final handoff at shutdown (or its spill, handed off later), with checkpoints on, also removes its
-- checkpoint of the label in the same step (see checkpoints.lua), so that a successor never gets both. If that
-- checkpoint lapsed (the instance paused longer than the heartbeat lease, or Redis was out of reach) and was given
-- back but not claimed yet, it is removed too; if a claim took it, part of this state was merged already, and the
-- record is dead-lettered instead of being merged twice.
-- KEYS: 1 pending, 2 expiry, 3 owner, 4 acked, 5 dead, 6 released, and for a final handoff 7 claims,
--       8 checkpoint hash, 9 dead reasons, 10 dead expiry
-- ARGV: 1 record id, 2 envelope, 3 channel, 4 ttl ms, 5 key ttl ms, and for a final handoff 6 checkpoint claim id,
--       7 id of the instance's last checkpoint of the label, 8 dead-letter ttl ms
-- Returns 1 when the record is new, 0 when it was known already, 2 when it was dead-lettered as above.
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id) == 1 or redis.call('HEXISTS', KEYS[3], id) == 1
    or redis.call('ZSCORE', KEYS[4], id) or redis.call('HEXISTS', KEYS[5], id) == 1
    or redis.call('HEXISTS', KEYS[6], id) == 1 then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if #KEYS >= 10 and not replaceCheckpoint(KEYS[7], KEYS[8], KEYS[3], ARGV[6], 0, 0, '', '', ARGV[7]) then
  if redis.call('HDEL', KEYS[1], ARGV[7]) == 1 then
    -- Given back by a claim that stopped at its size limit: nobody has merged it, and nobody will.
    redis.call('ZREM', KEYS[2], ARGV[7])
  else
    redis.call('HSET', KEYS[5], id, ARGV[2])
    redis.call('HSET', KEYS[9], id, 'superseded: checkpoint ' .. ARGV[7] .. ' of the same instance lapsed and was '
        .. 'claimed, so part of this state was merged already')
    redis.call('ZADD', KEYS[10], now + tonumber(ARGV[8]), id)
    redis.call('PEXPIRE', string.sub(KEYS[1], 1, -8) .. 'chunks:' .. id, ARGV[8])
    for _, i in ipairs({ 5, 9, 10 }) do
      redis.call('PEXPIRE', KEYS[i], ARGV[8])
    end
    return 2
  end
end
redis.call('HSET', KEYS[1], id, ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), id)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
-- A large record's chunks (see write-chunk.lua) now live as long as the record: every key of the label starts like
-- pending, 'pending' being its last 7 characters.
redis.call('PEXPIRE', string.sub(KEYS[1], 1, -8) .. 'chunks:' .. id, ARGV[5])
redis.call('PUBLISH', ARGV[3], id)
return 1
