package dev.handoff.core;

import java.time.Duration;

/**
 * Hears what happens to handoff records in this instance, for metrics. Every method has
 * an empty default; they are called on Handoff's threads and must not block. Register one
 * with {@link HandoffActivity#addListener}.
 */
public interface HandoffListener {

	/**
	 * A record was stored.
	 * @param label the label
	 * @param bytes the size of its data
	 * @param took how long the write took
	 */
	default void initiated(String label, int bytes, Duration took) {
	}

	/**
	 * A claim of a label returned.
	 * @param label the label
	 * @param records how many records it took
	 * @param took how long the claim took
	 */
	default void claimed(String label, int records, Duration took) {
	}

	/**
	 * A receiver merged records, and they were acknowledged.
	 * @param label the label
	 * @param records how many
	 * @param merge how long the receiver took
	 * @param latency from the oldest record's handoff to the end of the merge
	 */
	default void received(String label, int records, Duration merge, Duration latency) {
	}

	/**
	 * Records that lapsed leases gave back will be delivered again.
	 * @param label the label
	 * @param records how many
	 */
	default void redelivered(String label, int records) {
	}

	/**
	 * Records were released for another instance: a newer version, or claimed after the
	 * state was handed off.
	 * @param label the label
	 * @param records how many
	 */
	default void released(String label, int records) {
	}

	/**
	 * A received record failed verification, and is dead-lettered unread.
	 * @param label the label
	 * @param reason why, a {@link dev.handoff.security.Rejection#tag()}:
	 * {@code unsigned}, {@code unknown-key}, {@code bad-signature},
	 * {@code wrong-namespace}, {@code wrong-label}, {@code replayed}
	 */
	default void rejected(String label, String reason) {
	}

	/**
	 * A record was moved to the dead letters.
	 * @param label the label
	 * @param reason why, one of a few words: {@code expired}, {@code max-deliveries},
	 * {@code too-large}, {@code unreadable}, {@code version}, {@code rejected},
	 * {@code replayed}
	 */
	default void deadLettered(String label, String reason) {
	}

}
