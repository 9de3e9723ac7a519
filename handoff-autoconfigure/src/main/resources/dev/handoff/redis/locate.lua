-- Tells where a record is, to settle what happened to an initiate whose reply was lost.
-- KEYS: 1 pending, 2 owner, 3 acked, 4 dead, 5 released
-- ARGV: 1 record id
-- Returns 'pending', 'claimed', 'acknowledged', 'dead' or 'absent'.
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id) == 1 or redis.call('HEXISTS', KEYS[5], id) == 1 then
  return 'pending'
elseif redis.call('HEXISTS', KEYS[2], id) == 1 then
  return 'claimed'
elseif redis.call('ZSCORE', KEYS[3], id) then
  return 'acknowledged'
elseif redis.call('HEXISTS', KEYS[4], id) == 1 then
  return 'dead'
end
return 'absent'
