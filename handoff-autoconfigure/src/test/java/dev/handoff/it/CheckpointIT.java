package dev.handoff.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkpoints in real JVMs against a real Redis, with real signals: an instance killed
 * with SIGKILL loses at most what changed since its last checkpoint, a running instance's
 * checkpoint is never delivered, a graceful shutdown delivers its final state alone, and
 * a taker killed after its merge loses nothing.
 */
class CheckpointIT {

	private static final String INTERVAL = "--handoff.checkpoint.interval=2s";

	private static final String LEASE = "--handoff.checkpoint.lease=3s";

	/** Successors claim every second, so a lapsed checkpoint is claimed soon after. */
	private static final String POLL = "--handoff.poll-interval=1s";

	private static final Duration EXIT = Duration.ofSeconds(30);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final String namespace = "it-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<AppProcess> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() {
		this.processes.forEach(AppProcess::close);
	}

	@Test
	void instanceKilledWithSigkillLosesAtMostTheLastIntervalAndARunningInstancesCheckpointIsNeverDelivered()
			throws InterruptedException {
		AppProcess old = start("old", INTERVAL, LEASE);
		old.awaitReady();
		AppProcess beside = start("beside", POLL);
		beside.awaitReady();
		Map<String, Long> checkpointed = old.mutate(40);
		// Three intervals: the checkpoint holds the 40 increments,
		// and the instance beside it claims every second without
		// getting it.
		Thread.sleep(6_000);
		assertThat(beside.counters()).isEmpty();
		assertThat(beside.received("counters")).isFalse();
		for (int i = 0; i < 7; i++) {
			assertThat(old.post("/increment?key=client-" + i % 4).statusCode()).isEqualTo(200);
		}
		Map<String, Long> last = old.counters();
		old.kill();
		assertThat(old.awaitExit(EXIT)).isEqualTo(137);
		beside.awaitLine((line) -> line.startsWith("RECEIVED counters"), Duration.ofSeconds(20));
		Map<String, Long> received = beside.counters();
		long lost = sum(last) - sum(received);
		assertThat(lost).as("increments lost: at most those after the last checkpoint").isBetween(0L, 7L);
		received.forEach((key, value) -> assertThat(value).as(key).isBetween(checkpointed.get(key), last.get(key)));
		assertThat(beside.output()).anySatisfy((line) -> assertThat(line).contains("WARN")
			.contains("is the checkpoint that old took at")
			.contains("ended without handing off"));
		// Nothing more arrives: the checkpoint was delivered once.
		Thread.sleep(2_500);
		assertThat(beside.counters()).isEqualTo(received);
	}

	@Test
	void gracefulShutdownDeliversTheFinalStateAloneAndATakerKilledAfterItsMergeLosesNothing()
			throws InterruptedException {
		AppProcess old = start("old", "--handoff.checkpoint.interval=1s", LEASE);
		old.awaitReady();
		old.mutate(20);
		Thread.sleep(1_500);
		for (int i = 0; i < 5; i++) {
			assertThat(old.post("/increment?key=client-" + i % 4).statusCode()).isEqualTo(200);
		}
		Map<String, Long> last = old.counters();
		old.terminate();
		old.awaitExit(EXIT);
		// Its next interval is far off: only the checkpoint written with the
		// acknowledgement holds what it merged.
		AppProcess taker = start("taker", "--handoff.checkpoint.interval=10m", LEASE, POLL);
		assertThat(AppProcess.countersIn(taker.awaitReady())).isEqualTo(last);
		// The old instance stopped longer ago than its heartbeat lease, before this one
		// started; two polls more, and no checkpoint of it has followed the final state.
		Thread.sleep(2_500);
		assertThat(taker.counters()).isEqualTo(last);
		taker.kill();
		assertThat(taker.awaitExit(EXIT)).isEqualTo(137);
		AppProcess next = start("new", POLL);
		next.awaitReady();
		next.awaitLine((line) -> line.startsWith("RECEIVED counters"), Duration.ofSeconds(20));
		assertThat(next.counters()).isEqualTo(last);
	}

	private static long sum(Map<String, Long> counters) {
		return counters.values().stream().mapToLong(Long::longValue).sum();
	}

	private AppProcess start(String name, String... arguments) {
		AppProcess process = AppProcess.start(name, redis.server().port(), this.namespace, arguments);
		this.processes.add(process);
		return process;
	}

}
