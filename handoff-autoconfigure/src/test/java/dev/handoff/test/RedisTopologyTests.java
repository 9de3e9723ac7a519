package dev.handoff.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Runs a real round trip through Spring Boot's Redis auto-configuration against every
 * {@link RedisTopology}, with Lettuce and with Jedis: the facts later tests build on,
 * including the combinations Boot or Spring Data Redis do not support, asserted as they
 * fail rather than skipped.
 */
class RedisTopologyTests {

	private static final RedisScript<Long> INCREMENT = RedisScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])",
			Long.class);

	/**
	 * Hash tags whose slots (15495, 3300, 7365) fall to three different masters of a
	 * three-master cluster.
	 */
	private static final List<String> HASH_TAGS = List.of("a", "b", "c");

	private String namespace;

	@BeforeEach
	void drawNamespace() {
		this.namespace = "test-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@ParameterizedTest(name = "{0} with {1}")
	@MethodSource("supportedCombinations")
	void keysOfDifferentHashTagsAreWrittenAndRead(Topology topology, RedisClientType clientType) {
		RedisTopology redis = topology.shared();
		try (RedisClientContext client = redis.connectionFactory(clientType)) {
			StringRedisTemplate template = client.stringRedisTemplate();
			for (String tag : HASH_TAGS) {
				template.opsForValue().set(key(tag), "value-" + tag);
			}
			for (String tag : HASH_TAGS) {
				assertThat(template.opsForValue().get(key(tag))).isEqualTo("value-" + tag);
				assertThat(masterOf(redis, key(tag)).command("GET", key(tag))).isEqualTo("value-" + tag);
			}
			if (redis instanceof ClusterTopology cluster) {
				Set<Integer> masters = HASH_TAGS.stream()
					.map((tag) -> cluster.masterFor(key(tag)).port())
					.collect(Collectors.toSet());
				assertThat(masters).hasSize(3);
			}
		}
	}

	@ParameterizedTest(name = "{0} with {1}")
	@MethodSource("supportedCombinations")
	void scriptTouchesOneKey(Topology topology, RedisClientType clientType) {
		try (RedisClientContext client = topology.shared().connectionFactory(clientType)) {
			StringRedisTemplate template = client.stringRedisTemplate();
			String key = key("b") + ":counter";
			assertThat(template.execute(INCREMENT, List.of(key), "5")).isEqualTo(5L);
			assertThat(template.execute(INCREMENT, List.of(key), "5")).isEqualTo(10L);
			assertThat(template.opsForValue().get(key)).isEqualTo("10");
		}
	}

	@ParameterizedTest(name = "{0} with {1}")
	@MethodSource("pubSubCombinations")
	void publishedMessageReachesListenerContainer(Topology topology, RedisClientType clientType) throws Exception {
		try (RedisClientContext client = topology.shared().connectionFactory(clientType)) {
			String channel = this.namespace + ":channel";
			BlockingQueue<String> received = new LinkedBlockingQueue<>();
			RedisMessageListenerContainer container = new RedisMessageListenerContainer();
			container.setConnectionFactory(client.connectionFactory());
			container.addMessageListener(
					(message, pattern) -> received.add(new String(message.getBody(), StandardCharsets.UTF_8)),
					new ChannelTopic(channel));
			container.afterPropertiesSet();
			container.start();
			try {
				// Publish until it arrives: the subscription may register just after
				// start() returns.
				await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
					client.stringRedisTemplate().convertAndSend(channel, "hello");
					return !received.isEmpty();
				});
				assertThat(received.peek()).isEqualTo("hello");
			}
			finally {
				container.destroy();
			}
		}
	}

	/**
	 * Spring Data Redis' static master/replica connection provider has no pub/sub
	 * connection. With the default recovery (every 5 s, without end)
	 * {@code RedisMessageListenerContainer.start()} does not return: it retries on the
	 * calling thread and logs an ERROR each time, so an application that subscribes at
	 * startup hangs. Bounded recovery, as here, makes {@code start()} fail instead.
	 */
	@Test
	void masterReplicaWithLettuceRefusesPubSub() throws Exception {
		try (RedisClientContext client = RedisTopologies.masterReplica().connectionFactory(RedisClientType.LETTUCE)) {
			try (RedisConnection connection = client.connectionFactory().getConnection()) {
				assertThatExceptionOfType(RedisConnectionFailureException.class)
					.isThrownBy(() -> connection.subscribe((message, pattern) -> {
					}, "channel".getBytes(StandardCharsets.UTF_8)))
					.withMessage("Unable to connect to Redis")
					.havingRootCause()
					.isInstanceOf(UnsupportedOperationException.class)
					.withMessage("Pub/Sub connections not supported with Master/Replica configurations");
			}
			RedisMessageListenerContainer container = new RedisMessageListenerContainer();
			container.setConnectionFactory(client.connectionFactory());
			container.setRecoveryBackoff(new FixedBackOff(50, 1));
			container.addMessageListener((message, pattern) -> {
			}, new ChannelTopic(this.namespace + ":channel"));
			container.afterPropertiesSet();
			try {
				assertThatExceptionOfType(CompletionException.class).isThrownBy(container::start)
					.havingCause()
					.isInstanceOf(IllegalStateException.class)
					.withMessage("Subscription attempts exceeded");
				assertThat(container.isListening()).isFalse();
			}
			finally {
				container.destroy();
			}
			// Commands other than pub/sub work.
			client.stringRedisTemplate().opsForValue().set(key("a"), "1");
			assertThat(client.stringRedisTemplate().opsForValue().get(key("a"))).isEqualTo("1");
		}
	}

	/** Boot's Jedis configuration has no master/replica mode and fails the context. */
	@Test
	void masterReplicaWithJedisFailsTheContext() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RedisTopologies.masterReplica().connectionFactory(RedisClientType.JEDIS).close())
			.havingRootCause()
			.isInstanceOf(IllegalStateException.class)
			.withMessage("'masterReplicaConfig' is not supported by Jedis");
	}

	@ParameterizedTest
	@EnumSource(RedisClientType.class)
	void writesWorkAfterSentinelFailover(RedisClientType clientType) {
		try (SentinelTopology sentinel = RedisTopology.sentinel();
				RedisClientContext client = sentinel.connectionFactory(clientType)) {
			StringRedisTemplate template = client.stringRedisTemplate();
			template.opsForValue().set(key("a") + ":before", "1");
			RedisServerProcess oldMaster = sentinel.master();
			// Replication is asynchronous: only a write the replica has is sure to
			// survive the failover. (WAIT on a connection of the test's own would prove
			// nothing: it waits for that connection's writes only.)
			RedisServerProcess replica = sentinel.replica();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(replica.command("GET", key("a") + ":before")).isEqualTo("1"));
			RedisServerProcess newMaster = sentinel.failover();
			assertThat(newMaster).isNotSameAs(oldMaster);
			// Jedis learns of the new master from a sentinel listener, on its own thread,
			// a moment later; until then a write may reach the old master while it
			// resyncs as a replica.
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				template.opsForValue().set(key("a") + ":after", "2");
				assertThat(newMaster.command("GET", key("a") + ":after")).isEqualTo("2");
			});
			assertThat(template.opsForValue().get(key("a") + ":before")).isEqualTo("1");
			assertThat(template.opsForValue().get(key("a") + ":after")).isEqualTo("2");
		}
	}

	static Stream<Arguments> supportedCombinations() {
		return Stream.of(Topology.values())
			.flatMap((topology) -> Stream.of(RedisClientType.values())
				.filter((clientType) -> topology != Topology.MASTER_REPLICA || clientType != RedisClientType.JEDIS)
				.map((clientType) -> Arguments.of(topology, clientType)));
	}

	static Stream<Arguments> pubSubCombinations() {
		return supportedCombinations().filter((arguments) -> arguments.get()[0] != Topology.MASTER_REPLICA);
	}

	private String key(String hashTag) {
		return this.namespace + ":{" + hashTag + "}";
	}

	private static RedisServerProcess masterOf(RedisTopology redis, String key) {
		if (redis instanceof ClusterTopology cluster) {
			return cluster.masterFor(key);
		}
		List<RedisServerProcess> masters = redis.masters();
		assertThat(masters).hasSize(1);
		return masters.get(0);
	}

	/** The shared topologies, by name, for display names that read well. */
	enum Topology {

		STANDALONE(RedisTopologies::standalone), CLUSTER(RedisTopologies::cluster), SENTINEL(RedisTopologies::sentinel),
		MASTER_REPLICA(RedisTopologies::masterReplica), TLS(RedisTopologies::tls);

		private final Supplier<RedisTopology> shared;

		Topology(Supplier<RedisTopology> shared) {
			this.shared = shared;
		}

		RedisTopology shared() {
			return this.shared.get();
		}

	}

}
