-- Claims the waiting records of a label under a lease, after settling what is due: claims whose lease lapsed give
-- their records back (or to the dead letters after max deliveries), records nobody claimed within their ttl and
-- records over the size limit are dead-lettered, and dead letters past their ttl are dropped. When everything waiting
-- fits the claim, the pending hash is RENAMEd to the claim's own hash, so no payload passes through Lua; the client
-- reads the records with HGETALL <claim>, sent in the same flush.
-- What the claim settled (dead letters, records given back, records left waiting) is kept under its report key for a
-- lease, so that a replay of the same claim id (Lettuce re-sending after a reconnect, or the store re-using the id of
-- a claim whose reply it never got) returns the same, and every dead letter reaches the engine's log.
-- A lapsed claim may be an instance's checkpoint whose heartbeat ended (see checkpoints.lua): its record waits like a
-- handoff, for a first taker within the ttl.
-- A large record's chunks (see write-chunk.lua) live as long as the record: a dead letter keeps them for its ttl.
-- A record whose id was acknowledged already (someone who can write Redis put it back) is dead-lettered as REPLAYED,
-- never delivered again.
-- KEYS: 1 pending, 2 expiry, 3 attempts, 4 owner, 5 claims, 6 claim, 7 dead, 8 dead reasons, 9 dead expiry,
--       10 released, 11 released versions, 12 report, 13 acked
-- ARGV: 1 claim id, 2 lease ms, 3 key ttl ms, 4 dead-letter ttl ms, 5 max deliveries, 6 highest version read,
--       7 max record size, 8 max claim size, 9 ttl ms
-- Returns { claimed ids, their attempt numbers, dead-lettered ids, their causes, their reasons, ids given back by
-- lapsed claims, 1 when records were left waiting for the next claim or 0 }.
local claimId = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[2])

-- One call per id: unpack() of a whole label's ids fails beyond about 8000 of them.
local function attemptsOf(ids)
  local attempts = {}
  for i, id in ipairs(ids) do
    attempts[i] = tonumber(redis.call('HGET', KEYS[3], id)) or 0
  end
  return attempts
end

local report = redis.call('GET', KEYS[12])
if report or redis.call('ZSCORE', KEYS[5], claimId) then
  redis.call('ZADD', KEYS[5], 'XX', now + lease, claimId)
  local ids = redis.call('HKEYS', KEYS[6])
  local settled = report and cjson.decode(report) or { {}, {}, {}, {}, 0 }
  return { ids, attemptsOf(ids), settled[1], settled[2], settled[3], settled[4], settled[5] }
end

-- Every key of the label starts like claims, 'claims' being its last 6 characters. Keys built from it share the
-- label's hash tag, so they live in the same slot as KEYS.
local prefix = string.sub(KEYS[5], 1, -7)
local deadIds, deadCauses, deadReasons = {}, {}, {}
local function deadLetter(id, envelope, cause, reason)
  redis.call('HSET', KEYS[7], id, envelope)
  redis.call('HSET', KEYS[8], id, reason)
  redis.call('ZADD', KEYS[9], now + tonumber(ARGV[4]), id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('PEXPIRE', prefix .. 'chunks:' .. id, ARGV[4])
  deadIds[#deadIds + 1] = id
  deadCauses[#deadCauses + 1] = cause
  deadReasons[#deadReasons + 1] = reason
end

-- Dead letters past their own ttl.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('HDEL', KEYS[7], id)
  redis.call('HDEL', KEYS[8], id)
  redis.call('ZREM', KEYS[9], id)
  redis.call('DEL', prefix .. 'chunks:' .. id)
end

-- Lapsed claims.
local requeued = {}
for _, lapsed in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)) do
  local lapsedKey = prefix .. 'claim:' .. lapsed
  local isCheckpoint = string.sub(lapsed, 1, 11) == 'checkpoint:'
  local entries = redis.call('HGETALL', lapsedKey)
  for i = 1, #entries, 2 do
    local id, envelope = entries[i], entries[i + 1]
    redis.call('HDEL', KEYS[4], id)
    if (tonumber(redis.call('HGET', KEYS[3], id)) or 0) >= tonumber(ARGV[5]) then
      deadLetter(id, envelope, 'MAX_DELIVERIES', 'max deliveries: ' .. ARGV[5]
          .. ' claims ended without an acknowledgement')
    elseif isCheckpoint then
      -- The instance died without shutdown: its checkpoint waits for a first taker, within the ttl, like a handoff.
      redis.call('HSET', KEYS[1], id, envelope)
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[9]), id)
      redis.call('PEXPIRE', prefix .. 'chunks:' .. id, ARGV[3])
    else
      redis.call('HSET', KEYS[1], id, envelope)
      requeued[#requeued + 1] = id
    end
  end
  redis.call('DEL', lapsedKey, prefix .. 'report:' .. lapsed)
  redis.call('ZREM', KEYS[5], lapsed)
end

-- The ttl bounds the wait for a first taker only: a record that was claimed, even one whose lease lapsed after its
-- ttl, is governed by max deliveries instead. A released record waits for a taker of its version within its ttl.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local released = redis.call('HGET', KEYS[10], id)
  if released then
    local version = redis.call('HGET', KEYS[11], id)
    redis.call('HDEL', KEYS[10], id)
    redis.call('HDEL', KEYS[11], id)
    deadLetter(id, released, 'EXPIRED', 'expired: version ' .. version .. ', and no instance that reads version '
        .. version .. ' claimed it within the ttl')
  else
    local envelope = (tonumber(redis.call('HGET', KEYS[3], id)) or 0) == 0 and redis.call('HGET', KEYS[1], id)
    if envelope then
      redis.call('HDEL', KEYS[1], id)
      deadLetter(id, envelope, 'EXPIRED', 'expired: nobody claimed it within the ttl')
    end
  end
end

-- What this claim may take: every pending record, and released records of a version the claimer reads.
local maxRecord, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local function replayed(id, from)
  if redis.call('ZSCORE', KEYS[13], id) then
    local envelope = redis.call('HGET', from, id)
    redis.call('HDEL', from, id)
    redis.call('HDEL', KEYS[11], id)
    deadLetter(id, envelope, 'REPLAYED', 'replayed: it was acknowledged already, and was put back into Redis')
    return true
  end
  return false
end
local pendingIds = {}
local candidates, total, renameable = {}, 0, true
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not replayed(id, KEYS[1]) then
    local size = redis.call('HSTRLEN', KEYS[1], id)
    pendingIds[#pendingIds + 1] = id
    candidates[#candidates + 1] = { id, KEYS[1], size }
    total = total + size
    renameable = renameable and size <= maxRecord
  end
end
local versions = redis.call('EXISTS', KEYS[11]) == 1 and redis.call('HGETALL', KEYS[11]) or {}
for i = 1, #versions, 2 do
  if tonumber(versions[i + 1]) <= tonumber(ARGV[6]) and not replayed(versions[i], KEYS[10]) then
    local size = redis.call('HSTRLEN', KEYS[10], versions[i])
    candidates[#candidates + 1] = { versions[i], KEYS[10], size }
    renameable = false
  end
end
-- A fresh claim id has no hash yet: a claim id that ran before took the replay branch above.
renameable = renameable and total <= budget

local ids, attempts, more = {}, {}, 0
if renameable and #candidates > 0 then
  redis.call('RENAME', KEYS[1], KEYS[6])
  ids = pendingIds
elseif #candidates > 0 then
  -- Oldest first, one by one: only here do payloads pass through Lua.
  for _, candidate in ipairs(candidates) do
    candidate[4] = tonumber(redis.call('ZSCORE', KEYS[2], candidate[1])) or 0
  end
  table.sort(candidates, function(a, b) return a[4] < b[4] end)
  local taken = 0
  for _, candidate in ipairs(candidates) do
    local id, from, size = candidate[1], candidate[2], candidate[3]
    if size > maxRecord then
      local envelope = redis.call('HGET', from, id)
      redis.call('HDEL', from, id)
      redis.call('HDEL', KEYS[11], id)
      deadLetter(id, envelope, 'TOO_LARGE', 'too large: ' .. size .. ' bytes, over the taker\'s limit of '
          .. maxRecord)
    elseif #ids == 0 or taken + size <= budget then
      redis.call('HSET', KEYS[6], id, redis.call('HGET', from, id))
      redis.call('HDEL', from, id)
      redis.call('HDEL', KEYS[11], id)
      ids[#ids + 1] = id
      taken = taken + size
    else
      more = 1
    end
  end
end
for i, id in ipairs(ids) do
  redis.call('HSET', KEYS[4], id, claimId)
  attempts[i] = redis.call('HINCRBY', KEYS[3], id, 1)
end
if #ids > 0 then
  redis.call('ZADD', KEYS[5], now + lease, claimId)
  for _, i in ipairs({ 3, 4, 5, 6 }) do
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
if #deadIds > 0 then
  for _, i in ipairs({ 7, 8, 9 }) do
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
  end
end
-- A claim that only took records needs no report: its entry in claims tells a replay what it took.
if #deadIds > 0 or #requeued > 0 or more == 1 then
  redis.call('SET', KEYS[12], cjson.encode({ deadIds, deadCauses, deadReasons, requeued, more }), 'PX', lease)
end
return { ids, attempts, deadIds, deadCauses, deadReasons, requeued, more }
