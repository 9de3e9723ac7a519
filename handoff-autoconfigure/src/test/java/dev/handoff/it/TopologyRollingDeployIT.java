package dev.handoff.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisTopologies;
import dev.handoff.test.RedisTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rolling deploys with real JVMs on every topology, each instance configured only through
 * {@code spring.data.redis.*}; {@code RollingDeployIT} has the scenarios that standalone
 * Redis runs alone. Each topology runs one deploy after another, in one scenario so that
 * each step starts from the instance the last one left (a JVM start saved per topology),
 * and its instances alternate between Lettuce and Jedis where Boot supports Jedis, so
 * both clients hand off to each other:
 * <ul>
 * <li>a surge into two racing instances, whose poll is an hour away, so only pub/sub can
 * tell them; exactly one of them takes each record;</li>
 * <li>then all stop, and a recreated instance has their state before it reports
 * ready;</li>
 * <li>then a taker is killed before it acknowledged what that instance handed off, and
 * another instance gets it once the lease lapses.</li>
 * </ul>
 */
class TopologyRollingDeployIT {

	private static final Duration HANDOFF = Duration.ofSeconds(30);

	abstract static class Scenarios {

		private final String namespace = "it-" + UUID.randomUUID().toString().substring(0, 8);

		private final List<AppProcess> processes = new ArrayList<>();

		abstract RedisTopology topology();

		/** The client of the n-th instance a scenario starts. */
		RedisClientType client(int instance) {
			return (instance % 2 == 0) ? RedisClientType.LETTUCE : RedisClientType.JEDIS;
		}

		@AfterEach
		void stopProcesses() {
			this.processes.forEach(AppProcess::close);
		}

		@Test
		void surgeIntoRacingInstancesThenRecreateThenATakerKilledBeforeItAcknowledges() {
			AppProcess old = start("old", "--handoff.poll-interval=1h");
			AppProcess first = start("racer-1", "--handoff.poll-interval=1h");
			AppProcess second = start("racer-2", "--handoff.poll-interval=1h");
			List<AppProcess> racers = List.of(first, second);
			old.awaitReady();
			racers.forEach(AppProcess::awaitReady);
			Map<String, Long> state = old.mutate(20);
			old.post("/notes?text=once");

			old.terminate();
			old.awaitExit(HANDOFF);
			await().atMost(HANDOFF)
				.until(() -> racers.stream().filter((racer) -> racer.received("counters")).count() == 1
						&& racers.stream().filter((racer) -> racer.received("notes")).count() == 1);
			assertThat(racers.stream().map(AppProcess::counters).filter((counters) -> !counters.isEmpty()))
				.containsExactly(state);

			racers.forEach(AppProcess::terminate);
			racers.forEach((racer) -> racer.awaitExit(HANDOFF));
			AppProcess next = start("next", "--handoff.poll-interval=1h");
			assertThat(AppProcess.countersIn(next.awaitReady())).isEqualTo(state);

			AppProcess taker = start("taker", "--test.block-receive=true", "--handoff.poll-interval=1h");
			taker.awaitReady();
			for (int i = 0; i < 10; i++) {
				assertThat(next.post("/increment?key=client-" + (i % 4)).statusCode()).isEqualTo(200);
			}
			Map<String, Long> later = next.counters();
			assertThat(later.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(30);
			next.terminate();
			next.awaitExit(HANDOFF);
			taker.awaitLine((line) -> line.startsWith("RECEIVING"), HANDOFF);
			taker.kill();

			AppProcess survivor = start("survivor", "--handoff.poll-interval=500ms");
			survivor.awaitLine((line) -> line.startsWith("RECEIVED counters"), HANDOFF);
			assertThat(survivor.counters()).isEqualTo(later);
		}

		private AppProcess start(String name, String... arguments) {
			List<String> all = new ArrayList<>(List.of(arguments));
			all.add("--spring.data.redis.client-type=" + client(this.processes.size()).propertyValue());
			AppProcess process = AppProcess.start(name, topology().springProperties(), this.namespace,
					all.toArray(String[]::new));
			this.processes.add(process);
			return process;
		}

	}

	@Nested
	class Standalone extends Scenarios {

		@Override
		RedisTopology topology() {
			return RedisTopologies.standalone();
		}

	}

	@Nested
	class Cluster extends Scenarios {

		@Override
		RedisTopology topology() {
			return RedisTopologies.cluster();
		}

	}

	@Nested
	class Sentinel extends Scenarios {

		@Override
		RedisTopology topology() {
			return RedisTopologies.sentinel();
		}

	}

	@Nested
	class MasterReplica extends Scenarios {

		@Override
		RedisTopology topology() {
			return RedisTopologies.masterReplica();
		}

		@Override
		RedisClientType client(int instance) {
			// Boot refuses master/replica with Jedis.
			return RedisClientType.LETTUCE;
		}

	}

	@Nested
	class Tls extends Scenarios {

		@Override
		RedisTopology topology() {
			return RedisTopologies.tls();
		}

	}

}
