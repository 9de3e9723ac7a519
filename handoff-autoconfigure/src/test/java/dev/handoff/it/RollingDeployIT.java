package dev.handoff.it;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.RedisExtension;
import dev.handoff.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rolling deploys with real JVMs against one real Redis: each instance is the test
 * application in a child process, stopped with a real SIGTERM or SIGKILL.
 */
class RollingDeployIT {

	private static final Duration HANDOFF = Duration.ofSeconds(30);

	/** A racer claims only when notified, and shows its claims in the metrics. */
	private static final String[] RACER = { "--handoff.poll-interval=1h",
			"--management.endpoints.web.exposure.include=metrics" };

	private static final JsonMapper json = JsonMapper.builder().build();

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final String namespace = "it-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<AppProcess> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() {
		this.processes.forEach(AppProcess::close);
	}

	@Test
	void recreateRestoresStateBeforeTheNewInstanceReportsReady() {
		AppProcess old = start("old");
		old.awaitReady();
		Map<String, Long> state = old.mutate(25);
		old.terminate();
		old.awaitExit(HANDOFF);

		AppProcess next = start("new", "--handoff.poll-interval=1h");
		String ready = next.awaitReady();

		assertThat(AppProcess.countersIn(ready)).isEqualTo(state);
		assertThat(next.output().indexOf(next.findLine((line) -> line.startsWith("RECEIVED counters")).orElseThrow()))
			.isLessThan(next.output().indexOf(ready));
	}

	@Test
	void exactlyOneOfThreeRacingInstancesTakesEachRecord() {
		AppProcess old = start("old");
		List<AppProcess> racers = List.of(start("racer-1", RACER), start("racer-2", RACER), start("racer-3", RACER));
		old.awaitReady();
		racers.forEach(AppProcess::awaitReady);
		Map<String, Long> state = old.mutate(30);
		old.post("/notes?text=only-once");
		// Claimed at startup; they do not poll, so only a notification makes them claim
		// again.
		Map<AppProcess, Double> claimsBefore = new HashMap<>();
		racers.forEach((racer) -> claimsBefore.put(racer, claims(racer)));

		old.terminate();
		old.awaitExit(HANDOFF);

		await().atMost(HANDOFF)
			.until(() -> racers.stream()
				.filter((racer) -> racer.findLine((line) -> line.startsWith("RECEIVED counters")).isPresent())
				.count() == 1
					&& racers.stream()
						.filter((racer) -> racer.findLine((line) -> line.startsWith("RECEIVED notes")).isPresent())
						.count() == 1);
		List<Map<String, Long>> held = racers.stream().map(AppProcess::counters).toList();
		assertThat(held).filteredOn((counters) -> !counters.isEmpty()).containsExactly(state);
		// Pub/sub reached every racer, so each claimed after the handoff; the losers
		// found nothing left.
		await().atMost(HANDOFF)
			.untilAsserted(() -> assertThat(racers)
				.allSatisfy((racer) -> assertThat(claims(racer)).isGreaterThan(claimsBefore.get(racer))));
		assertThat(racers).allSatisfy((racer) -> assertThat(
				racer.output().stream().filter((line) -> line.startsWith("RECEIVED counters")).count())
			.isLessThanOrEqualTo(1));
	}

	@Test
	void shutdownIsBoundedWhenRedisIsDown() {
		try (RedisServerProcess lonely = RedisServerProcess.start()) {
			AppProcess old = track(
					AppProcess.start("old", lonely.port(), this.namespace, "--handoff.shutdown-timeout=3s"));
			old.awaitReady();
			old.mutate(5);
			lonely.kill();

			long start = System.nanoTime();
			old.terminate();
			old.awaitExit(Duration.ofSeconds(30));
			Duration took = Duration.ofNanos(System.nanoTime() - start);

			assertThat(took).isLessThan(Duration.ofSeconds(3 + 2));
			assertThat(old.output()).anyMatch((line) -> line.contains("ERROR")
					&& line.contains("handoff.shutdown-timeout") && line.contains("counters"));
		}
	}

	@Test
	void instanceThatStartedWhileRedisWasDownIsNotifiedOnceRedisIsBack() {
		try (RedisServerProcess late = RedisServerProcess.start()) {
			late.kill();
			AppProcess next = track(AppProcess.start("new", late.port(), this.namespace, "--handoff.poll-interval=1h",
					"--handoff.startup-timeout=2s"));
			next.awaitReady();
			assertThat(next.output()).anyMatch((line) -> line.contains("Could not subscribe"));

			late.startAgain();
			next.awaitLine((line) -> line.contains("Subscribed to handoff notifications"), HANDOFF);
			AppProcess old = track(AppProcess.start("old", late.port(), this.namespace));
			old.awaitReady();
			Map<String, Long> state = old.mutate(10);
			old.terminate();
			old.awaitExit(HANDOFF);

			next.awaitLine((line) -> line.startsWith("RECEIVED counters"), HANDOFF);
			assertThat(next.counters()).isEqualTo(state);
		}
	}

	@Test
	void changesMadeDuringShutdownAreHandedOffOrRefusedNeverLost() throws Exception {
		AppProcess old = start("old", "--test.tick=true");
		old.awaitReady();
		AtomicLong accepted = new AtomicLong();
		AtomicBoolean sending = new AtomicBoolean(true);
		ExecutorService clients = Executors.newFixedThreadPool(4);
		for (int i = 0; i < 4; i++) {
			clients.execute(() -> {
				while (sending.get()) {
					try {
						HttpResponse<String> response = old.post("/increment?key=requests&delay=200");
						if (response.statusCode() == 200) {
							accepted.incrementAndGet();
						}
					}
					catch (RuntimeException ex) {
						// Refused connections once the server has stopped: those changes
						// never happened.
					}
				}
			});
		}
		await().atMost(HANDOFF).until(() -> accepted.get() >= 8);

		old.terminate();
		old.awaitExit(HANDOFF);
		sending.set(false);
		clients.shutdown();
		assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

		long ticks = finalCount(old, "FINAL ticks=(\\d+)");
		AppProcess next = start("new");
		Map<String, Long> received = AppProcess.countersIn(next.awaitReady());
		assertThat(received.get("requests")).isEqualTo(accepted.get());
		assertThat(received.get("ticks")).isEqualTo(ticks);
	}

	@Test
	void recordsOfALabelThatNoParticipantClaimsAreNamedAtStartup() {
		// What a participant renamed from 'tally' to 'counters' leaves behind: records
		// under the old label.
		AppProcess old = start("old", "--handoff.poll-interval=1h");
		old.awaitReady();
		old.post("/initiate?label=tally");
		old.post("/initiate?label=tally");
		old.terminate();
		old.awaitExit(HANDOFF);

		AppProcess next = start("new");
		next.awaitReady();
		String warning = next.awaitLine((line) -> line.contains("no participant of this application claims"),
				Duration.ofSeconds(30));
		assertThat(warning).contains("WARN").contains("{tally=2}").doesNotContain("counters");
	}

	@Test
	void initiateRetriedWithTheSameRecordIdStoresTheStateOnce() {
		AppProcess app = start("app", "--handoff.poll-interval=1h");
		app.awaitReady();
		for (int i = 0; i < 3; i++) {
			assertThat(app.post("/initiate?label=orders&id=order-42").body()).isEqualTo("order-42");
		}
		RedisHandoffStore store = new RedisHandoffStore(redis.connectionFactory(), this.namespace,
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));
		try {
			HandoffClaim claim = store.claim("orders", "test");
			assertThat(claim.deliveries()).singleElement()
				.satisfies((delivery) -> assertThat(delivery.record().id()).isEqualTo("order-42"));
			assertThat(store.acknowledge(claim, List.of("order-42"))).isOne();
			// A retry after the record was delivered stores nothing either.
			assertThat(app.post("/initiate?label=orders&id=order-42").statusCode()).isEqualTo(200);
			assertThat(store.claim("orders", "test").isEmpty()).isTrue();
		}
		finally {
			store.destroy();
		}
	}

	/** How many claims (handoff.claim) the instance has made so far. */
	private static double claims(AppProcess app) {
		JsonNode claim = json.readTree(app.get("/actuator/metrics/handoff.claim"));
		for (JsonNode measurement : claim.path("measurements")) {
			if (measurement.path("statistic").asString().equals("COUNT")) {
				return measurement.path("value").asDouble();
			}
		}
		throw new IllegalStateException(app + " reports no count of handoff.claim: " + claim);
	}

	private AppProcess start(String name, String... arguments) {
		return track(AppProcess.start(name, redis.server().port(), this.namespace, arguments));
	}

	private AppProcess track(AppProcess process) {
		this.processes.add(process);
		return process;
	}

	private static long finalCount(AppProcess app, String pattern) {
		Pattern regex = Pattern.compile(pattern);
		String line = app.findLine((candidate) -> regex.matcher(candidate).find()).orElseThrow();
		Matcher matcher = regex.matcher(line);
		assertThat(matcher.find()).isTrue();
		return Long.parseLong(matcher.group(1));
	}

}
