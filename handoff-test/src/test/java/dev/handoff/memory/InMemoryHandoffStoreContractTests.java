package dev.handoff.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.HandoffStoreContract;

/**
 * The {@link HandoffStore} contract for the {@link InMemoryHandoffStore}, on a clock the
 * test moves.
 */
class InMemoryHandoffStoreContractTests extends HandoffStoreContract {

	private final MovableClock clock = new MovableClock();

	private InMemoryHandoffStore store;

	@Override
	protected HandoffStore createStore(Policy policy) {
		// Instances of one application share one Redis; in one JVM they share one
		// in-memory store.
		if (this.store == null) {
			this.store = new InMemoryHandoffStore(policy, this.clock);
		}
		return this.store;
	}

	@Override
	protected void elapse(Duration duration) {
		this.clock.now = this.clock.now.plus(duration);
	}

	@Override
	protected Map<String, String> deadLetters(String label) {
		return this.store.deadLetters(label);
	}

	private static final class MovableClock extends Clock {

		private volatile Instant now = Instant.parse("2026-03-01T12:00:00Z");

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
