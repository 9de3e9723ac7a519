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
 * Faults of one participant at shutdown, in real JVMs against a real Redis: the others
 * are still handed off, and the failure is reported with what to change.
 */
class ParticipantFailureIT {

	private static final Duration HANDOFF = Duration.ofSeconds(30);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final String namespace = "it-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<AppProcess> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() {
		this.processes.forEach(AppProcess::close);
	}

	@Test
	void stateOfAThirdOfTheHeapIsHandedOffAndReceivedInChunks() {
		// 80 MiB of state in a 256 MiB heap, on both sides: serialized whole, its JSON
		// buffer alone, doubling past 64 MiB, would not fit.
		AppProcess old = start("old", "--test.big-state-mb=80", "--handoff.max-record-size=1GB");
		AppProcess next = start("new", "--test.big-state-mb=0", "--handoff.max-record-size=1GB");
		old.awaitReady();
		next.awaitReady();
		old.terminate();
		old.awaitExit(HANDOFF);
		next.awaitLine((line) -> line.equals("RECEIVED big 1 of 80 MiB"), HANDOFF);
		assertThat(old.output()).noneMatch((line) -> line.contains(" ERROR "));
	}

	@Test
	void outOfMemoryWhileOneStateIsCapturedIsReportedAndTheOtherParticipantsAreStillHandedOff() {
		// The state streams to Redis, so it is the snapshot that handoffState() takes
		// that
		// does not fit the 256 MiB heap.
		List<String> output = deployWithBigState("--handoff.max-record-size=1GB", "--test.big-state-snapshot-mb=300");
		assertThat(output).anySatisfy((line) -> assertThat(line).contains("ERROR")
			.contains("label 'big'")
			.contains("OutOfMemoryError")
			.contains("-Xmx"));
	}

	@Test
	void stateOverTheMaxRecordSizeStopsEarlyWithAnErrorThatNamesTheProperty() {
		List<String> output = deployWithBigState();
		assertThat(output).anySatisfy((line) -> assertThat(line).contains("ERROR")
			.contains("label 'big'")
			.contains("larger than handoff.max-record-size (64MB)")
			.doesNotContain("OutOfMemoryError"));
	}

	/**
	 * Recreates an instance whose 80 MiB participant cannot be handed off, and checks
	 * that its counters still are.
	 * @param arguments more arguments of the old instance
	 * @return the old instance's output
	 */
	private List<String> deployWithBigState(String... arguments) {
		List<String> oldArguments = new ArrayList<>(List.of("--test.big-state-mb=80"));
		oldArguments.addAll(List.of(arguments));
		AppProcess old = start("old", oldArguments.toArray(String[]::new));
		old.awaitReady();
		Map<String, Long> state = old.mutate(10);
		old.terminate();
		old.awaitExit(HANDOFF);
		AppProcess next = start("new");
		assertThat(AppProcess.countersIn(next.awaitReady())).isEqualTo(state);
		return old.output();
	}

	private AppProcess start(String name, String... arguments) {
		AppProcess process = AppProcess.start(name, redis.server().port(), this.namespace, arguments);
		this.processes.add(process);
		return process;
	}

}
