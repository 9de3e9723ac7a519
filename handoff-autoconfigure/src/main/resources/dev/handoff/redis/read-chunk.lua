-- Reads one chunk of a large record's payload.
-- KEYS: 1 chunks
-- ARGV: 1 chunk index
-- Returns the chunk, or nil when there is none.
return redis.call('HGET', KEYS[1], ARGV[1])
