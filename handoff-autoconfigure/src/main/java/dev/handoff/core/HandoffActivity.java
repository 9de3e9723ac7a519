package dev.handoff.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;

/**
 * What happens to this instance's handoff records: the last handoff sent and received
 * under each label (kept in memory, one entry per label and direction, for health
 * details), and every event, passed on to {@link HandoffListener listeners} such as the
 * metrics.
 */
public final class HandoffActivity {

	private final Map<String, Sent> sent = new ConcurrentHashMap<>();

	private final Map<String, Received> received = new ConcurrentHashMap<>();

	private final List<HandoffListener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Adds a listener to what happens to records from now on.
	 * @param listener the listener
	 */
	public void addListener(HandoffListener listener) {
		this.listeners.add(listener);
	}

	void sent(HandoffRecord<byte[]> record, Instant at, Duration took, @Nullable String notDurable) {
		this.sent.put(record.label(), new Sent(record.id(), at, took, notDurable));
		this.listeners.forEach((listener) -> listener.initiated(record.label(),
				(int) Math.min(Integer.MAX_VALUE, Chunks.payloadSize(record)), took));
	}

	void claimed(String label, int records, Duration took) {
		this.listeners.forEach((listener) -> listener.claimed(label, records, took));
	}

	void received(String label, int records, List<String> from, Instant at, Duration merge, Duration latency) {
		this.received.put(label, new Received(records, List.copyOf(from), at, latency));
		this.listeners.forEach((listener) -> listener.received(label, records, merge, latency));
	}

	void redelivered(String label, int records) {
		this.listeners.forEach((listener) -> listener.redelivered(label, records));
	}

	void released(String label, int records) {
		this.listeners.forEach((listener) -> listener.released(label, records));
	}

	void rejected(String label, String reason) {
		this.listeners.forEach((listener) -> listener.rejected(label, reason));
	}

	void deadLettered(String label, String reason) {
		this.listeners.forEach((listener) -> listener.deadLettered(label, reason));
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
	 * @param notDurable why it is not as durable as {@code handoff.durability} asks, or
	 * null when it is
	 */
	public record Sent(String recordId, Instant at, Duration took, @Nullable String notDurable) {
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
