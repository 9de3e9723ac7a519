package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.data.redis.connection.RedisConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis's own clock, which the store's scripts read ({@code TIME}) for every ttl and
 * lease: a test that needs one to run out waits for Redis to pass the deadline the store
 * wrote, rather than sleeping for a guess.
 */
final class RedisClock {

	private RedisClock() {
	}

	/**
	 * Waits until Redis's clock is past the deadline that a sorted set of the store holds
	 * for a member, such as a record in {@link Keys#expiry()} or a claim in
	 * {@link Keys#claims()}.
	 * @param connection a connection to the Redis the store uses
	 * @param sortedSet the sorted set
	 * @param member the record or claim id
	 */
	static void awaitPast(RedisConnection connection, byte[] sortedSet, String member) {
		Double deadline = connection.zSetCommands().zScore(sortedSet, member.getBytes(StandardCharsets.UTF_8));
		assertThat(deadline).as("deadline of %s in %s", member, new String(sortedSet, StandardCharsets.UTF_8))
			.isNotNull();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> connection.serverCommands().time() > deadline);
	}

}
