-- Deletes a dead letter, and the chunks of a large one.
-- KEYS: 1 dead, 2 dead reasons, 3 dead expiry
-- ARGV: 1 record id
-- Returns 1 when the dead letter was deleted, 0 when there was none.
-- Every key of the label starts like dead, 'dead' being its last 4 characters.
redis.call('DEL', string.sub(KEYS[1], 1, -5) .. 'chunks:' .. ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
