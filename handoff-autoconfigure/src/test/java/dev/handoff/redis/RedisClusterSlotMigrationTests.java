package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.ClusterTopology;
import dev.handoff.test.RedisClientContext;
import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.RedisTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A label's slot moves to another master of a Redis Cluster while its records wait: the
 * store follows {@code ASK} while the slot migrates and {@code MOVED} once it has, and
 * loses nothing. The cluster is this class's own, since the test moves slots.
 */
class RedisClusterSlotMigrationTests {

	private static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	private static ClusterTopology cluster;

	@BeforeAll
	static void startCluster() {
		cluster = RedisTopology.cluster();
	}

	@AfterAll
	static void stopCluster() {
		cluster.close();
	}

	@ParameterizedTest
	@EnumSource(RedisClientType.class)
	void recordsOfALabelWhoseSlotMovesAreAllDelivered(RedisClientType client) {
		String namespace = "moving-" + UUID.randomUUID().toString().substring(0, 8);
		try (RedisClientContext context = cluster.connectionFactory(client)) {
			RedisHandoffStore store = new RedisHandoffStore(context.connectionFactory(), namespace, POLICY);
			List<String> initiated = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				initiated.add(initiate(store, "moving"));
			}
			String pending = new String(store.keys("moving").pending(), StandardCharsets.UTF_8);
			RedisServerProcess source = cluster.masterFor(pending);
			RedisServerProcess target = cluster.startedMasters()
				.stream()
				.filter((master) -> master.port() != source.port())
				.findFirst()
				.orElseThrow();
			long slot = (Long) source.command("CLUSTER", "KEYSLOT", pending);
			String sourceId = ClusterTopology.nodeId(source);
			String targetId = ClusterTopology.nodeId(target);

			assertThat(target.command("CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", sourceId))
				.isEqualTo("OK");
			assertThat(source.command("CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", targetId))
				.isEqualTo("OK");
			List<String> keys = strings(source.command("CLUSTER", "GETKEYSINSLOT", String.valueOf(slot), "1000"));
			assertThat(keys).contains(pending);
			List<String> migrate = new ArrayList<>(
					List.of("MIGRATE", "127.0.0.1", String.valueOf(target.port()), "", "0", "5000", "KEYS"));
			migrate.addAll(keys);
			assertThat(source.command(migrate.toArray(String[]::new))).isEqualTo("OK");
			// Mid-migration: the source answers ASK, and the target TRYAGAIN, since some
			// of the script's keys do not exist there yet; the store tries again until
			// the migration is over, then follows MOVED.
			CompletableFuture<String> midMigration = CompletableFuture.supplyAsync(() -> initiate(store, "moving"));
			sleep(Duration.ofMillis(300));
			assertThat(midMigration).isNotDone();
			for (RedisServerProcess master : cluster.startedMasters()) {
				master.command("CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", targetId);
			}
			initiated.add(midMigration.join());
			cluster.awaitConsistent();
			assertThat(cluster.masterFor(pending).port()).isEqualTo(target.port());

			// Migrated: the old owner answers MOVED, and the client follows it to the new
			// one.
			HandoffClaim claim = store.claim("moving", "taker");
			assertThat(claim.deliveries()).extracting((delivery) -> delivery.record().id())
				.containsExactlyInAnyOrderElementsOf(initiated);
			assertThat(store.acknowledge(claim, initiated)).isEqualTo(initiated.size());
			assertThat(store.claim("moving", "taker").isEmpty()).isTrue();
			store.destroy();
		}
	}

	private static String initiate(RedisHandoffStore store, String label) {
		HandoffRecord<byte[]> record = new HandoffRecord<>(UUID.randomUUID().toString(), label, 1,
				"{}".getBytes(StandardCharsets.UTF_8), "instance-a", Instant.now());
		HandoffStore.Initiated initiated = store.initiate(record);
		assertThat(initiated.isStored()).as("%s", initiated.problem()).isTrue();
		return record.id();
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static List<String> strings(Object reply) {
		return ((List<?>) reply).stream().map(String::valueOf).toList();
	}

}
