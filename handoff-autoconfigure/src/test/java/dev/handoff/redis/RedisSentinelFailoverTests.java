package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.RedisClientContext;
import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.RedisTopology;
import dev.handoff.test.SentinelTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Sentinel failover between a handoff and its claim: the client follows the Sentinel to
 * the promoted replica, whose script cache is empty, and the record, replicated before
 * the failover, is delivered once. The Sentinel setup is this class's own, since the test
 * fails it over.
 */
class RedisSentinelFailoverTests {

	private static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	private static SentinelTopology sentinel;

	@BeforeAll
	static void startSentinel() {
		sentinel = RedisTopology.sentinel();
	}

	@AfterAll
	static void stopSentinel() {
		sentinel.close();
	}

	@ParameterizedTest
	@EnumSource(RedisClientType.class)
	void recordHandedOffBeforeAFailoverIsClaimedFromThePromotedReplica(RedisClientType client) {
		String namespace = "failover-" + UUID.randomUUID().toString().substring(0, 8);
		try (RedisClientContext context = sentinel.connectionFactory(client)) {
			RedisHandoffStore store = new RedisHandoffStore(context.connectionFactory(), namespace, POLICY);
			HandoffRecord<byte[]> record = new HandoffRecord<>(UUID.randomUUID().toString(), "cache", 1,
					"{}".getBytes(StandardCharsets.UTF_8), "instance-a", Instant.now());
			assertThat(store.initiate(record).isStored()).isTrue();
			RedisServerProcess oldMaster = sentinel.master();
			// Replication is asynchronous: only a write the replica has is promised to
			// survive a failover. (WAIT on a connection of the test's own would prove
			// nothing: it waits for that connection's writes only.)
			RedisServerProcess replica = sentinel.replica();
			String pending = new String(store.keys("cache").pending(), StandardCharsets.UTF_8);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(replica.command("HEXISTS", pending, record.id())).isEqualTo(1L));

			RedisServerProcess newMaster = sentinel.failover();
			assertThat(newMaster.port()).isNotEqualTo(oldMaster.port());
			// The client finds the new master on its own a moment later (Lettuce when it
			// reconnects, Jedis from its sentinel listener); on a busy machine the claim
			// could otherwise still go to the old one.
			String probe = namespace + ":probe";
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				context.stringRedisTemplate().opsForValue().set(probe, "1");
				assertThat(newMaster.command("GET", probe)).isEqualTo("1");
			});

			HandoffClaim claim = store.claim("cache", "taker");
			assertThat(claim.deliveries()).extracting((delivery) -> delivery.record().id())
				.containsExactly(record.id());
			assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
			assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
			store.destroy();
		}
	}

}
