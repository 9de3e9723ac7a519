-- Writes, or removes, one instance's checkpoint of a label: the state of a running instance, held under its
-- heartbeat lease, so that it is delivered only once the instance died without shutdown (see checkpoints.lua).
-- KEYS: 1 claims, 2 checkpoint hash, 3 owner
-- ARGV: 1 checkpoint claim id, 2 heartbeat lease ms, 3 key ttl ms, 4 record id ('' removes the checkpoint),
--       5 envelope, 6 the id of this instance's previous checkpoint of the label ('' when none)
-- Returns 1 when the previous checkpoint was still this instance's, 0 when it had lapsed and another claim took it
-- (and then writes nothing).
return replaceCheckpoint(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]) and 1 or 0
