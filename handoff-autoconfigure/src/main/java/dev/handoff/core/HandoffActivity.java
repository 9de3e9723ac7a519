package dev.handoff.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * The last handoff this instance sent and received under each label, for health details and the operator's eye.
 * Kept in memory, one entry per label and direction.
 */
public final class HandoffActivity {

	private final Map<String, Sent> sent = new ConcurrentHashMap<>();

	private final Map<String, Received> received = new ConcurrentHashMap<>();

	void sent(String label, String recordId, Instant at, Duration took) {
		this.sent.put(label, new Sent(recordId, at, took));
	}

	void received(String label, int records, List<String> from, Instant at, Duration latency) {
		this.received.put(label, new Received(records, List.copyOf(from), at, latency));
	}

	/**
	 * Returns the last handoff sent under a label.
	 * @param label the label
	 * @return it, or null when none was sent
	 */
	public @Nullable Sent lastSent(String label) {
		return this.sent.get(label);
	}

	/**
	 * Returns the last handoff received under a label.
	 * @param label the label
	 * @return it, or null when none was received
	 */
	public @Nullable Received lastReceived(String label) {
		return this.received.get(label);
	}

	/**
	 * A handoff this instance stored.
	 *
	 * @param recordId the record
	 * @param at when it was stored
	 * @param took how long the write took
	 */
	public record Sent(String recordId, Instant at, Duration took) {
	}

	/**
	 * Records this instance merged from one claim.
	 *
	 * @param records how many
	 * @param from the instances that handed them off
	 * @param at when the merge ended
	 * @param latency from the oldest record's handoff to the end of the merge
	 */
	public record Received(int records, List<String> from, Instant at, Duration latency) {
	}

}
