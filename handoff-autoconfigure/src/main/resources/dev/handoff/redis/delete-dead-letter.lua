-- Deletes a dead letter.
-- KEYS: 1 dead, 2 dead reasons, 3 dead expiry
-- ARGV: 1 record id
-- Returns 1 when the dead letter was deleted, 0 when there was none.
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
