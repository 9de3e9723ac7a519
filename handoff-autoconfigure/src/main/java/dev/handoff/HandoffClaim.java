package dev.handoff;

import java.util.List;

import org.springframework.util.Assert;

/**
 * Records that one claim took from a {@link HandoffStore}, held under a lease until
 * acknowledged, and what the claim settled on the way: records it dead-lettered and
 * records that lapsed leases gave back. The store reports; the engine logs, so every dead
 * letter is logged once, by whoever receives the claim that made it.
 *
 * @param id the claim's id, which owns the lease
 * @param label the label
 * @param deliveries the claimed records, oldest first
 * @param unreadable claimed records the store could not decode (for example a future
 * envelope format); they are held by the claim like the others, to dead-letter
 * @param deadLettered records this claim moved to the dead letters: expired, delivered
 * too often, or too large
 * @param redelivered ids of records that lapsed leases gave back, claimed again by this
 * claim or left waiting
 * @param more whether records were left waiting because the claim reached its size limit;
 * claim again for them
 */
public record HandoffClaim(String id, String label, List<Delivery> deliveries, List<Unreadable> unreadable,
		List<DeadLetter> deadLettered, List<String> redelivered, boolean more) {

	public HandoffClaim {
		Assert.hasText(id, "'id' must not be empty");
		Assert.hasText(label, "'label' must not be empty");
		deliveries = List.copyOf(deliveries);
		unreadable = List.copyOf(unreadable);
		deadLettered = List.copyOf(deadLettered);
		redelivered = List.copyOf(redelivered);
	}

	/**
	 * A claim of readable records only, that settled nothing else.
	 * @param id the claim's id
	 * @param label the label
	 * @param deliveries the claimed records, oldest first
	 */
	public HandoffClaim(String id, String label, List<Delivery> deliveries) {
		this(id, label, deliveries, List.of(), List.of(), List.of(), false);
	}

	/**
	 * Whether the claim holds no records, readable or not.
	 * @return whether it is empty
	 */
	public boolean isEmpty() {
		return this.deliveries.isEmpty() && this.unreadable.isEmpty();
	}

	/**
	 * One claimed record.
	 *
	 * @param record the record, its data still serialized
	 * @param attempt how many times it has been claimed, this claim included
	 */
	public record Delivery(HandoffRecord<byte[]> record, int attempt) {
	}

	/**
	 * A claimed record that the store could not decode.
	 *
	 * @param recordId the record
	 * @param problem why it could not be decoded
	 */
	public record Unreadable(String recordId, String problem) {
	}

	/**
	 * A record that a claim moved to the dead letters.
	 *
	 * @param recordId the record
	 * @param cause why, for the log line's advice
	 * @param reason why, as the dead letters keep it for the person who inspects them
	 */
	public record DeadLetter(String recordId, Cause cause, String reason) {
	}

	/**
	 * Why a claim dead-lettered a record.
	 */
	public enum Cause {

		/**
		 * Nobody claimed it within the ttl (or, for a record of a newer version, nobody
		 * who reads that version).
		 */
		EXPIRED,

		/** It was claimed max-deliveries times without an acknowledgement. */
		MAX_DELIVERIES,

		/** It is larger than the taker's max-record-size. */
		TOO_LARGE,

		/**
		 * It was acknowledged before: someone who can write the store put it back, and it
		 * is not delivered again.
		 */
		REPLAYED

	}

}
