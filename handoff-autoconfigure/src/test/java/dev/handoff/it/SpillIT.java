package dev.handoff.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.FaultProxy;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The spill in real JVMs against one real Redis: an instance whose Redis freezes while it
 * shuts down writes its state to {@code handoff.spill.directory} within
 * {@code handoff.shutdown-timeout}, and the next instance started on the same directory
 * hands it off and holds it exactly once, also when the first write had reached Redis
 * before the freeze. The instance that shuts down reaches Redis through a
 * {@link FaultProxy}, which freezes the network as a hung Redis or a silent link would.
 */
class SpillIT {

	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);

	/**
	 * What signal delivery and Spring's shutdown before Handoff's phase (the web server's
	 * drain of no requests) may add on a loaded machine.
	 */
	private static final Duration SHUTDOWN_MARGIN = Duration.ofMillis(1500);

	private static final Duration HANDOFF = Duration.ofSeconds(30);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@TempDir
	Path spill;

	private final String namespace = "it-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<AppProcess> processes = new ArrayList<>();

	private FaultProxy proxy;

	private RedisHandoffStore store;

	@BeforeEach
	void startProxy() {
		this.proxy = FaultProxy.start("127.0.0.1", redis.server().port());
		this.store = new RedisHandoffStore(redis.connectionFactory(), this.namespace,
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));
	}

	@AfterEach
	void stop() {
		this.processes.forEach(AppProcess::close);
		this.proxy.close();
		this.store.destroy();
	}

	@Test
	void stateSpilledWhileRedisIsFrozenIsHandedOffOnceByTheNextInstance() {
		AppProcess old = startBehindProxy();
		Map<String, Long> state = old.mutate(20);
		this.proxy.blackhole();

		Duration spilled = terminateAndAwaitSpill(old);

		assertThat(spilled).isLessThan(SHUTDOWN_TIMEOUT.plus(SHUTDOWN_MARGIN));
		awaitExit(old);
		assertThat(old.output()).anyMatch((line) -> line.contains("ERROR") && line.contains("spilled to " + this.spill)
				&& line.contains("label 'counters' as counters."));
		assertThat(this.store.inspect(List.of("counters")).get("counters").waiting()).isZero();

		this.proxy.pass();
		assertSuccessorHoldsExactly(state);
	}

	@Test
	void stateWhoseWriteHadReachedRedisBeforeTheFreezeIsHeldOnceNotTwice() {
		AppProcess old = startBehindProxy();
		Map<String, Long> state = old.mutate(20);
		// Requests still reach Redis, which runs them; its replies never come back.
		this.proxy.blackhole(FaultProxy.Direction.DOWNSTREAM);

		Duration spilled = terminateAndAwaitSpill(old);

		assertThat(spilled).isLessThan(SHUTDOWN_TIMEOUT.plus(SHUTDOWN_MARGIN));
		awaitExit(old);
		assertThat(old.output()).anyMatch((line) -> line.contains("ERROR") && line.contains("spilled to " + this.spill)
				&& line.contains("may not have been stored"));
		// The record is both in Redis and in the spill directory.
		assertThat(this.store.inspect(List.of("counters")).get("counters").waiting()).isOne();

		this.proxy.pass();
		assertSuccessorHoldsExactly(state);
	}

	/**
	 * Waits for the instance to exit; the Redis connection factory that stops after
	 * Handoff's phase may take its own time with frozen connections.
	 */
	private void awaitExit(AppProcess old) {
		long start = System.nanoTime();
		old.awaitExit(HANDOFF);
		System.out.println("Exited " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms after the spill");
	}

	private void assertSuccessorHoldsExactly(Map<String, Long> state) {
		AppProcess next = track(AppProcess.start("new", redis.server().port(), this.namespace,
				"--handoff.spill.directory=" + this.spill, "--handoff.poll-interval=1h"));
		String ready = next.awaitReady();
		assertThat(AppProcess.countersIn(ready)).isEqualTo(state);
		assertThat(next.output())
			.anyMatch((line) -> line.contains("Handed off 1 spilled record(s) from " + this.spill));
		assertThat(spillFiles()).isEmpty();
		assertThat(next.output().stream().filter((line) -> line.startsWith("RECEIVED counters"))).hasSize(1);
		// Nothing of it is left to deliver a second time.
		HandoffClaim claim = this.store.claim("counters", "test");
		assertThat(claim.deliveries()).isEmpty();
		assertThat(this.store.inspect(List.of("counters")).get("counters").inFlight()).isZero();
		assertThat(next.counters()).isEqualTo(state);
	}

	private AppProcess startBehindProxy() {
		AppProcess old = track(AppProcess.start("old", this.proxy.port(), this.namespace,
				"--handoff.spill.directory=" + this.spill,
				"--handoff.shutdown-timeout=" + SHUTDOWN_TIMEOUT.toMillis() + "ms", "--handoff.poll-interval=1h"));
		old.awaitReady();
		return old;
	}

	/**
	 * Sends SIGTERM and waits for the spill file.
	 * @return how long after SIGTERM the file was there
	 */
	private Duration terminateAndAwaitSpill(AppProcess old) {
		long start = System.nanoTime();
		old.terminate();
		await().atMost(HANDOFF).pollInterval(Duration.ofMillis(10)).until(() -> !spillFiles().isEmpty());
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		System.out.println("Spill file after " + took.toMillis() + " ms");
		assertThat(spillFiles()).singleElement()
			.satisfies(
					(file) -> assertThat(file.getFileName().toString()).startsWith("counters.").endsWith(".handoff"));
		return took;
	}

	private List<Path> spillFiles() {
		try (Stream<Path> files = Files.list(this.spill)) {
			return files.filter((file) -> file.getFileName().toString().endsWith(".handoff")).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private AppProcess track(AppProcess process) {
		this.processes.add(process);
		return process;
	}

}
