package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffException;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.RedisClientContext;
import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisExtension;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.RedisTopologies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The store's startup check ({@link RedisHandoffStore#verify()}): what it leaves in
 * Redis, and how it tells a store that cannot work from one that cannot be reached.
 */
class RedisHandoffStoreCheckTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	@Test
	void checkPassesAndLeavesOnlyKeysThatExpireWithinAMinute() {
		RedisHandoffStore store = new RedisHandoffStore(redis.connectionFactory(), redis.namespace(), POLICY);
		store.verify();
		store.destroy();
		try (RedisConnection connection = redis.connectionFactory().getConnection()) {
			Set<String> keys = new HashSet<>();
			try (Cursor<byte[]> cursor = connection.keyCommands()
				.scan(ScanOptions.scanOptions().match(redis.namespace() + "*").build())) {
				cursor.forEachRemaining((key) -> keys.add(new String(key, StandardCharsets.UTF_8)));
			}
			assertThat(keys).isNotEmpty()
				.allSatisfy((key) -> assertThat(key).startsWith(store.keys(RedisHandoffStore.CHECK_LABEL).prefix()))
				.allSatisfy((key) -> assertThat(connection.keyCommands().pTtl(key.getBytes(StandardCharsets.UTF_8)))
					.isBetween(1L, 60_000L));
		}
	}

	@Test
	void checkOfAStoreThatCannotBeReachedIsNotAConfigurationProblem() {
		int port = RedisServerProcess.freePort();
		LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
		nowhere.afterPropertiesSet();
		nowhere.start();
		try {
			RedisHandoffStore store = new RedisHandoffStore(nowhere, redis.namespace(), POLICY);
			assertThatExceptionOfType(HandoffException.class).isThrownBy(store::verify)
				.isNotInstanceOf(HandoffConfigurationException.class);
		}
		finally {
			nowhere.destroy();
		}
	}

	@Test
	void checkOfMasterReplicaWithoutItsNodesSaysHowToNameThem() {
		try (RedisClientContext context = RedisTopologies.masterReplica().connectionFactory(RedisClientType.LETTUCE)) {
			RedisHandoffStore store = new RedisHandoffStore(context.connectionFactory(), redis.namespace(), POLICY);
			assertThatExceptionOfType(HandoffConfigurationException.class).isThrownBy(store::verify)
				.withMessageContaining("refuses pub/sub")
				.satisfies((ex) -> assertThat(ex.getAction()).contains("spring.data.redis.masterreplica.nodes"));
			store.destroy();
		}
	}

}
