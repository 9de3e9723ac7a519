-- Settles a claim whose lease has lapsed: its records become pending again, or are dead-lettered once they have had
-- their maximum number of deliveries; requeued records are announced. Re-checks the lease, so racing reclaimers
-- settle a claim once.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 owner, 5 claims, 6 the lapsed claim, 7 dead, 8 dead reasons
-- ARGV: 1 lapsed claim id, 2 max deliveries, 3 key ttl ms, 4 dead-letter ttl ms, 5 channel
-- Returns { ids made pending again, ids dead-lettered }.
local claimId = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = redis.call('ZSCORE', KEYS[5], claimId)
if not deadline or tonumber(deadline) > now then
  return { {}, {} }
end
local requeued, dead = {}, {}
local entries = redis.call('HGETALL', KEYS[6])
for i = 1, #entries, 2 do
  local id, envelope = entries[i], entries[i + 1]
  redis.call('HDEL', KEYS[4], id)
  if (tonumber(redis.call('HGET', KEYS[3], id)) or 0) >= tonumber(ARGV[2]) then
    redis.call('HSET', KEYS[7], id, envelope)
    redis.call('HSET', KEYS[8], id, 'max deliveries: ' .. ARGV[2] .. ' claims ended without an acknowledgement')
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    dead[#dead + 1] = id
  else
    redis.call('HSET', KEYS[1], id, envelope)
    requeued[#requeued + 1] = id
  end
end
redis.call('DEL', KEYS[6])
redis.call('ZREM', KEYS[5], claimId)
if #requeued > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PUBLISH', ARGV[5], requeued[1])
end
if #dead > 0 then
  redis.call('PEXPIRE', KEYS[7], ARGV[4])
  redis.call('PEXPIRE', KEYS[8], ARGV[4])
end
return { requeued, dead }
