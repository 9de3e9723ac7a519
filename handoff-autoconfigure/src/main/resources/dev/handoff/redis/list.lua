-- Lists the records of a label as metadata for an operator: where each is, its envelope's header line, its size and
-- its attempts, never its payload. Reads only; each value is read whole inside Redis to cut its header off.
-- KEYS: 1 pending, 2 released, 3 owner, 4 dead, 5 dead reasons, 6 attempts
-- ARGV: 1 the most records to list of each kind
-- Returns a flat list: where, id, header, size, attempts, reason; six items per record.
local limit = tonumber(ARGV[1])
local prefix = string.sub(KEYS[1], 1, -8)
local out = {}
local function add(where, key, id, reason)
  local envelope = redis.call('HGET', key, id)
  if envelope then
    local newline = string.find(envelope, '\n', 1, true)
    out[#out + 1] = where
    out[#out + 1] = id
    out[#out + 1] = newline and string.sub(envelope, 1, newline - 1) or ''
    out[#out + 1] = #envelope
    out[#out + 1] = tonumber(redis.call('HGET', KEYS[6], id)) or 0
    out[#out + 1] = reason or ''
  end
end
local function each(ids, f)
  for i, id in ipairs(ids) do
    if i > limit then
      return
    end
    f(id)
  end
end
local waiting = redis.call('HKEYS', KEYS[1])
for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
  waiting[#waiting + 1] = id
end
each(waiting, function(id)
  add('WAITING', redis.call('HEXISTS', KEYS[1], id) == 1 and KEYS[1] or KEYS[2], id)
end)
local owners = redis.call('HGETALL', KEYS[3])
local owned = {}
for i = 1, #owners, 2 do
  owned[#owned + 1] = owners[i]
end
each(owned, function(id)
  add('IN_FLIGHT', prefix .. 'claim:' .. redis.call('HGET', KEYS[3], id), id)
end)
each(redis.call('HKEYS', KEYS[4]), function(id)
  add('DEAD_LETTERED', KEYS[4], id, redis.call('HGET', KEYS[5], id))
end)
return out
