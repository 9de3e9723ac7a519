package dev.handoff.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.handoff.HandoffRecord;

import org.springframework.stereotype.Component;

/**
 * Where this instance's state came from: every handoff record its participants received,
 * with who handed it off, when, and how long it took to arrive.
 */
@Component
public class HandoffHistory {

	private static final int KEPT = 50;

	private final Clock clock;

	private final Deque<Received> received = new ArrayDeque<>();

	public HandoffHistory() {
		this(Clock.systemUTC());
	}

	HandoffHistory(Clock clock) {
		this.clock = clock;
	}

	/**
	 * Notes records a participant has just merged.
	 * @param records the records
	 */
	public void received(List<? extends HandoffRecord<?>> records) {
		Instant now = this.clock.instant();
		synchronized (this.received) {
			for (HandoffRecord<?> record : records) {
				this.received
					.addLast(new Received(record.label(), record.id(), record.origin(), record.createdAt(), now));
				if (this.received.size() > KEPT) {
					this.received.removeFirst();
				}
			}
		}
	}

	/**
	 * Returns the records received so far, oldest first.
	 * @return the records
	 */
	public List<Received> all() {
		synchronized (this.received) {
			return List.copyOf(this.received);
		}
	}

	/**
	 * One record received.
	 *
	 * @param label the participant's label
	 * @param id the record's id
	 * @param origin the instance that handed it off
	 * @param createdAt when that instance handed it off
	 * @param receivedAt when this instance merged it
	 */
	public record Received(String label, String id, String origin, Instant createdAt, Instant receivedAt) {

		/**
		 * Returns the time from handoff to merge: the whole trip through Redis.
		 * @return the latency
		 */
		@JsonIgnore
		public Duration latency() {
			return Duration.between(this.createdAt, this.receivedAt);
		}

		@JsonProperty("latencyMs")
		public long latencyMillis() {
			return latency().toMillis();
		}

	}

}
