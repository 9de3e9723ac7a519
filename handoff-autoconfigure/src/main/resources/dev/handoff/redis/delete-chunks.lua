-- Deletes the chunks of a record whose serialization failed midway, so it was never initiated.
-- KEYS: 1 chunks
-- Returns 1 when there were chunks, 0 when there were none.
return redis.call('DEL', KEYS[1])
