package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.handoff.Handoff;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.autoconfigure.health.HandoffHealthContributorAutoConfiguration;
import dev.handoff.test.MasterReplicaTopology;
import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisServerProcess;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code handoff.durability} against a real primary with a real replica: {@code WAIT}
 * after each write, on a connection of its own; a write the replica did not get is stored
 * and reported not durable, within the timeout.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisDurabilityTests {

	private static final HandoffStore.Policy POLICY = new HandoffStore.Policy(Duration.ofHours(1),
			Duration.ofSeconds(30), 5, Duration.ofDays(1));

	@ParameterizedTest
	@EnumSource(RedisClientType.class)
	void aWriteTheReplicaAcknowledgedIsDurableAndOneItCannotIsStoredAndReportedNotDurable(RedisClientType client)
			throws Exception {
		try (MasterReplicaTopology topology = MasterReplicaTopology.start()) {
			RedisConnectionFactory factory = factory(client, topology.master().port());
			try {
				RedisHandoffStore store = new RedisHandoffStore(factory, "durable", POLICY);
				store.setDurability(new Durability(1, false, Duration.ofMillis(500)));
				store.verify();
				HandoffStore.Initiated durable = store.initiate(record());
				assertThat(durable.isStored()).isTrue();
				assertThat(durable.notDurable()).isNull();

				topology.replica().kill();
				long start = System.nanoTime();
				List<HandoffStore.Initiated> results = store.initiate(List.of(record(), record()),
						Duration.ofSeconds(5));
				Duration took = Duration.ofNanos(System.nanoTime() - start);
				assertThat(results).allSatisfy((initiated) -> {
					assertThat(initiated.isStored()).isTrue();
					assertThat(initiated.notDurable())
						.isEqualTo("only 0 of 1 replica(s) acknowledged it within 500 ms");
				});
				assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(3));

				// The wait blocks its own connection only: other commands of the store go
				// on meanwhile. Inspect answers while the record it counts is still
				// waiting for the replica; an inspect queued behind that wait would
				// answer only after it. (Below Jedis' 2 s for a reply, which the store
				// requires.)
				Duration durabilityTimeout = Duration.ofMillis(1500);
				store.setDurability(new Durability(1, false, durabilityTimeout));
				CompletableFuture<HandoffStore.Initiated> waiting = CompletableFuture
					.supplyAsync(() -> store.initiate(record()));
				await().atMost(durabilityTimeout.minusMillis(500))
					.until(() -> store.inspect(List.of("cache")).get("cache").waiting() >= 3);
				assertThat(waiting).isNotDone();
				assertThat(waiting.get(10, TimeUnit.SECONDS).notDurable()).contains("only 0 of 1");
				assertThat(store.claim("cache", "taker").deliveries()).hasSize(4);
			}
			finally {
				((DisposableBean) factory).destroy();
			}
		}
	}

	@Test
	void shutdownWithTheReplicaGoneHandsOffWithinTheBudgetAndWarnsThatItIsNotDurable(CapturedOutput output) {
		try (MasterReplicaTopology topology = MasterReplicaTopology.start()) {
			ApplicationContextRunner runner = new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=" + topology.master().port(),
						"handoff.namespace=durable-" + UUID.randomUUID(), "handoff.durability.replicas=1",
						"handoff.durability.timeout=1s", "handoff.shutdown-timeout=3s")
				.withBean(Tally.class, Tally::new);
			long[] closed = new long[1];
			runner.run((context) -> {
				assertThat(context).hasNotFailed();
				topology.replica().kill();
				closed[0] = System.nanoTime();
			});
			Duration shutdown = Duration.ofNanos(System.nanoTime() - closed[0]);
			assertThat(shutdown).isLessThan(Duration.ofSeconds(3));
			assertThat(output).contains("Handed off the state of label 'tally'")
				.contains("but it is not durable: only 0 of 1 replica(s) acknowledged it");
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void theHealthComponentSaysThatTheLastHandoffIsNotDurable() {
		try (MasterReplicaTopology topology = MasterReplicaTopology.start()) {
			topology.replica().kill();
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
						HandoffAutoConfiguration.class, HandoffHealthContributorAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=" + topology.master().port(), "handoff.namespace=durable-health",
						"handoff.durability.replicas=1", "handoff.durability.timeout=200ms")
				.withBean(Tally.class, Tally::new)
				.run((context) -> {
					context.getBean(HandoffOperations.class).initiate("tally", 1, Map.of("a", 1L));
					Health health = context.getBean("handoffHealthIndicator", HealthIndicator.class).health(true);
					Map<String, Object> tally = (Map<String, Object>) ((Map<String, Object>) health.getDetails()
						.get("labels")).get("tally");
					assertThat((Map<String, Object>) tally.get("lastSent")).containsEntry("durable", false)
						.hasEntrySatisfying("notDurable",
								(why) -> assertThat(why.toString()).contains("only 0 of 1 replica(s) acknowledged it"));
				});
		}
	}

	@Test
	void fsyncOnARedisBefore72FailsStartupWithWhatToChange() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			String version = redis.info("server").get("redis_version");
			Assumptions.assumeTrue(version.compareTo("7.2") < 0,
					"this test needs a Redis before 7.2, without WAITAOF; the binary is " + version);
			LettuceConnectionFactory factory = factory(redis.port());
			try {
				RedisHandoffStore store = new RedisHandoffStore(factory, "durable", POLICY);
				store.setDurability(new Durability(0, true, Duration.ofSeconds(1)));
				assertThatExceptionOfType(HandoffConfigurationException.class).isThrownBy(store::verify)
					.withMessageContaining("handoff.durability.fsync needs WAITAOF")
					.withMessageContaining("Redis 7.2")
					.withMessageContaining("handoff.durability.fsync=false");
			}
			finally {
				factory.destroy();
			}
		}
	}

	@Test
	void fsyncOnARedis72WithAppendOnlyIsDurable() {
		try (RedisServerProcess redis = RedisServerProcess.builder().arguments("--appendonly", "yes").start()) {
			String version = redis.info("server").get("redis_version");
			Assumptions.assumeTrue(version.compareTo("7.2") >= 0, "WAITAOF needs Redis 7.2 or later; the redis-server "
					+ "on the PATH or in the embedded-redis jar is " + version);
			LettuceConnectionFactory factory = factory(redis.port());
			try {
				RedisHandoffStore store = new RedisHandoffStore(factory, "durable", POLICY);
				store.setDurability(new Durability(0, true, Duration.ofSeconds(1)));
				store.verify();
				assertThat(store.initiate(record()).notDurable()).isNull();
			}
			finally {
				factory.destroy();
			}
		}
	}

	@Test
	void aDurabilityTimeoutTheClientWouldNotWaitForFailsStartup() {
		RedisConnectionFactory jedis = factory(RedisClientType.JEDIS, 1);
		try {
			RedisHandoffStore store = new RedisHandoffStore(jedis, "durable", POLICY);
			// Jedis waits 2 s for a reply by default.
			assertThatExceptionOfType(HandoffConfigurationException.class)
				.isThrownBy(() -> store.setDurability(new Durability(1, false, Duration.ofSeconds(2))))
				.withMessageContaining("handoff.durability.timeout (PT2S) is not below the time the Redis client "
						+ "waits for a reply (PT2S)")
				.withMessageContaining("spring.data.redis.timeout");
		}
		finally {
			((JedisConnectionFactory) jedis).destroy();
		}
	}

	@Test
	void durabilityOnRedisClusterFailsStartup() {
		LettuceConnectionFactory cluster = new LettuceConnectionFactory(
				new RedisClusterConfiguration(List.of("127.0.0.1:1")));
		RedisHandoffStore store = new RedisHandoffStore(cluster, "durable", POLICY);
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(() -> store.setDurability(new Durability(1, false, Duration.ofSeconds(1))))
			.withMessageContaining("Redis Cluster");
		store.setDurability(Durability.NONE);
	}

	private static RedisConnectionFactory factory(RedisClientType client, int port) {
		if (client == RedisClientType.LETTUCE) {
			return factory(port);
		}
		JedisConnectionFactory jedis = new JedisConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
		jedis.afterPropertiesSet();
		jedis.start();
		return jedis;
	}

	private static LettuceConnectionFactory factory(int port) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	private static HandoffRecord<byte[]> record() {
		return new HandoffRecord<>(UUID.randomUUID().toString(), "cache", 1, "{}".getBytes(StandardCharsets.UTF_8),
				"test", Instant.now());
	}

	@Handoff("tally")
	static class Tally implements HandoffParticipant<Map<String, Long>> {

		@Override
		public @Nullable Map<String, Long> handoffState() {
			return Map.of("a", 1L);
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
		}

	}

}
