-- Claims every waiting record of a label under a lease, after settling what is due: claims whose lease lapsed give
-- their records back (or to the dead letters after max deliveries), and records nobody claimed within their ttl are
-- dead-lettered. The pending hash is RENAMEd to the claim's own hash, so the payloads of a normal claim never pass
-- through Lua; the client reads them with HGETALL <claim>, sent in the same flush.
-- Idempotent per claim id: a replay returns what the first run claimed.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 owner, 5 claims, 6 claim, 7 dead, 8 dead reasons
-- ARGV: 1 claim id, 2 lease ms, 3 key ttl ms, 4 dead-letter ttl ms, 5 max deliveries
-- Returns { claimed ids, their attempt numbers, ids expired, ids given back by lapsed claims, ids dead-lettered
-- after max deliveries }.
local claimId = ARGV[1]

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
  return { ids, attemptsOf(ids), {}, {}, {} }
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadLettered = false

local function deadLetter(id, envelope, reason)
  redis.call('HSET', KEYS[7], id, envelope)
  redis.call('HSET', KEYS[8], id, reason)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  deadLettered = true
end

-- Lapsed claims. Their hashes share this label's hash tag, so they live in the same slot as KEYS.
local requeued, exhausted = {}, {}
local claimPrefix = string.sub(KEYS[5], 1, -7) .. 'claim:'
for _, lapsed in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)) do
  local lapsedKey = claimPrefix .. lapsed
  local entries = redis.call('HGETALL', lapsedKey)
  for i = 1, #entries, 2 do
    local id, envelope = entries[i], entries[i + 1]
    redis.call('HDEL', KEYS[4], id)
    if (tonumber(redis.call('HGET', KEYS[3], id)) or 0) >= tonumber(ARGV[5]) then
      deadLetter(id, envelope, 'max deliveries: ' .. ARGV[5] .. ' claims ended without an acknowledgement')
      exhausted[#exhausted + 1] = id
    else
      redis.call('HSET', KEYS[1], id, envelope)
      requeued[#requeued + 1] = id
    end
  end
  redis.call('DEL', lapsedKey)
  redis.call('ZREM', KEYS[5], lapsed)
end

-- The ttl bounds the wait for a first taker only: a record that was claimed, even one whose lease lapsed after its
-- ttl, is governed by max deliveries instead.
local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local envelope = (tonumber(redis.call('HGET', KEYS[3], id)) or 0) == 0 and redis.call('HGET', KEYS[1], id)
  if envelope then
    redis.call('HDEL', KEYS[1], id)
    deadLetter(id, envelope, 'expired: nobody claimed it within the ttl')
    expired[#expired + 1] = id
  end
end
if deadLettered then
  redis.call('PEXPIRE', KEYS[7], ARGV[4])
  redis.call('PEXPIRE', KEYS[8], ARGV[4])
end

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
return { ids, attempts, expired, requeued, exhausted }
