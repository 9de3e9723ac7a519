-- Shared by checkpoint.lua, acknowledge.lua and initiate.lua, which Script puts after this text: one instance's
-- checkpoint of a label is a claim of that instance, id 'checkpoint:<instance>', whose hash claim:<id> holds one
-- record, the newest, and whose score in claims is the instance's heartbeat deadline. While the heartbeat holds, no
-- claim takes it; once it lapses, a claim gives the record back like any lapsed claim's, and it is delivered.

-- Replaces (or, with record id '', removes) an instance's checkpoint of a label. Returns true when the instance had
-- no checkpoint ('previous' is '') or its checkpoint was still its own; false, writing nothing, when it had lapsed
-- and a claim took it (that claim deleted the hash).
local function replaceCheckpoint(claims, hash, owner, claimId, lease, keyTtl, recordId, envelope, previous)
  if previous ~= '' and redis.call('EXISTS', hash) == 0 then
    -- What this instance holds now includes state another instance merged: it is not written again.
    return false
  end
  -- Every key of the label starts like claims, 'claims' being its last 6 characters.
  local prefix = string.sub(claims, 1, -7)
  for _, old in ipairs(redis.call('HKEYS', hash)) do
    redis.call('HDEL', owner, old)
    redis.call('DEL', prefix .. 'chunks:' .. old)
  end
  redis.call('DEL', hash)
  if recordId == '' then
    redis.call('ZREM', claims, claimId)
    return true
  end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('HSET', hash, recordId, envelope)
  redis.call('PEXPIRE', prefix .. 'chunks:' .. recordId, keyTtl)
  redis.call('HSET', owner, recordId, claimId)
  redis.call('ZADD', claims, now + tonumber(lease), claimId)
  for _, key in ipairs({ hash, owner, claims }) do
    redis.call('PEXPIRE', key, keyTtl)
  end
  return true
end
