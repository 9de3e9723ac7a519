package dev.handoff.demo;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffRecord;
import dev.handoff.demo.LiveCounters.Tallies;
import dev.handoff.demo.LiveCounters.Tally;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link LiveCounters}: nothing recorded before stop is lost, nothing after it
 * is taken, and merges count each request once.
 */
class LiveCountersTests {

	private final HandoffHistory history = new HandoffHistory();

	@Test
	void capturedStateHoldsEveryEventRecordedBeforeStop() {
		LiveCounters counters = new LiveCounters("a", this.history);
		counters.start();
		for (int i = 0; i < 10_000; i++) {
			counters.record("alice", i % 4 != 0);
		}
		counters.stop();
		assertThat(counters.isRunning()).isFalse();
		assertThat(counters.handoffState().byInstance()).containsEntry("a", Map.of("alice", new Tally(7_500, 2_500)));
	}

	@Test
	void requestIsRefusedOnceStopped() {
		LiveCounters counters = new LiveCounters("a", this.history);
		counters.start();
		counters.stop();
		assertThatIllegalStateException().isThrownBy(() -> counters.record("alice", true));
	}

	@Test
	void stateThatArrivesTwiceOrThroughAnotherInstanceCountsOnce() {
		LiveCounters first = new LiveCounters("first", this.history);
		first.record("alice", true);
		HandoffRecord<Tallies> fromFirst = record("first", first.handoffState());
		LiveCounters second = new LiveCounters("second", this.history);
		second.record("alice", false);
		second.receiveHandoff(List.of(fromFirst));
		HandoffRecord<Tallies> fromSecond = record("second", second.handoffState());
		LiveCounters next = new LiveCounters("next", this.history);
		next.receiveHandoff(List.of(fromFirst));
		next.receiveHandoff(List.of(fromSecond, fromFirst));
		assertThat(next.snapshot()).containsEntry("first", Map.of("alice", new Tally(1, 0)))
			.containsEntry("second", Map.of("alice", new Tally(0, 1)))
			.hasSize(2);
	}

	private HandoffRecord<Tallies> record(String origin, Tallies tallies) {
		return new HandoffRecord<>(UUID.randomUUID().toString(), "live-counters", 1, tallies, origin, Instant.now());
	}

}
