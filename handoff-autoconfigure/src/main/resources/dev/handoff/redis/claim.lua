-- Moves every pending record of a label to a new claim under a lease. The pending hash is RENAMEd to the claim's
-- own hash, so the payloads never pass through Lua; the same MULTI/EXEC reads them with HGETALL <claim>.
-- Idempotent per claim id: a replay returns what the first run claimed.
-- Before claiming, pending records that nobody claimed within their ttl are dead-lettered.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 owner, 5 claims, 6 claim, 7 dead, 8 dead reasons
-- ARGV: 1 claim id, 2 lease ms, 3 key ttl ms, 4 dead-letter ttl ms
-- Returns { claimed ids, their attempt numbers, ids dead-lettered as expired, ids of lapsed claims to reclaim }.
local claimId = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- One call per id: unpack() of a whole label's ids fails beyond about 8000 of them.
local function attemptsOf(ids)
  local attempts = {}
  for i, id in ipairs(ids) do
    attempts[i] = tonumber(redis.call('HGET', KEYS[3], id)) or 0
  end
  return attempts
end

if redis.call('ZSCORE', KEYS[5], claimId) then
  local ids = redis.call('HKEYS', KEYS[6])
  return { ids, attemptsOf(ids), {}, {} }
end

local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  -- The ttl bounds the wait for a first taker only: a record that was claimed, even one whose lease lapsed after
  -- its ttl, is governed by max deliveries (reclaim.lua). Records never claimed are still pending.
  local envelope = (tonumber(redis.call('HGET', KEYS[3], id)) or 0) == 0 and redis.call('HGET', KEYS[1], id)
  if envelope then
    redis.call('HSET', KEYS[7], id, envelope)
    redis.call('HSET', KEYS[8], id, 'expired: nobody claimed it within the ttl')
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    expired[#expired + 1] = id
  end
end
if #expired > 0 then
  redis.call('PEXPIRE', KEYS[7], ARGV[4])
  redis.call('PEXPIRE', KEYS[8], ARGV[4])
end

local lapsed = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)

local ids, attempts = {}, {}
if redis.call('EXISTS', KEYS[1]) == 1 then
  ids = redis.call('HKEYS', KEYS[1])
  redis.call('RENAME', KEYS[1], KEYS[6])
  for i, id in ipairs(ids) do
    redis.call('HSET', KEYS[4], id, claimId)
    attempts[i] = redis.call('HINCRBY', KEYS[3], id, 1)
  end
  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[2]), claimId)
  for _, i in ipairs({ 3, 4, 5, 6 }) do
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
return { ids, attempts, expired, lapsed }
