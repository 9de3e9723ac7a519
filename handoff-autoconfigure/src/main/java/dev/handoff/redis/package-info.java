/**
 * The Redis store: the whole Redis protocol of Handoff lives in
 * {@link dev.handoff.redis.RedisHandoffStore}, whose Javadoc lists every key, command and
 * TTL.
 */
@NullMarked
package dev.handoff.redis;

import org.jspecify.annotations.NullMarked;
