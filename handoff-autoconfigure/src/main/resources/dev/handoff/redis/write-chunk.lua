-- Writes one chunk of a large record's payload, before the record's initiate. The chunks hash is invisible to
-- claims: only initiate.lua indexes the record, after its last chunk, so no claim sees a record half-written. The
-- chunks live for the ttl, which initiate.lua extends to the key ttl once it stored their record, so the chunks of
-- a record never initiated expire unread. Idempotent per index.
-- KEYS: 1 chunks
-- ARGV: 1 chunk index, 2 chunk, 3 ttl ms
-- Returns 1.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
