package dev.handoff;

import java.time.Duration;
import java.util.Collection;
import java.util.function.Consumer;

import org.springframework.util.Assert;

/**
 * Where handed-off records wait for the next instance: the storage SPI behind {@link HandoffOperations}. Records are
 * opaque bytes here; serialization and version checks happen above this interface.
 * <p>
 * Every implementation keeps this contract, checked by one shared contract test:
 * <ul>
 * <li>{@link #initiate} is idempotent per record id: storing the same record twice stores it once.</li>
 * <li>{@link #claim} moves every available record of a label to the claimer under a lease, atomically: while the
 * lease holds, no other claim returns them.</li>
 * <li>{@link #acknowledge} removes claimed records for good, but only while the claim still owns them.</li>
 * <li>When a lease lapses, its records become available again with their delivery count raised; a record claimed
 * {@link Policy#maxDeliveries()} times is dead-lettered instead. A record nobody claims within {@link Policy#ttl()} is
 * dead-lettered too. Each dead letter is logged at ERROR.</li>
 * </ul>
 */
public interface HandoffStore {

	/**
	 * Stores a record and notifies the label's subscribers, in one atomic step. Idempotent per record id.
	 * @param record the record, its data already serialized
	 */
	void initiate(HandoffRecord<byte[]> record);

	/**
	 * Claims every available record of a label under a lease owned by the claimer. The claim also settles the label's
	 * lapsed leases and expired records; records that a lapsed lease makes available again are returned by this claim
	 * or announced to subscribers for the next one.
	 * @param label the label
	 * @param claimer the instance that claims, for diagnostics
	 * @return the claim; its records are empty when nothing was waiting
	 */
	HandoffClaim claim(String label, String claimer);

	/**
	 * Removes claimed records for good.
	 * @param claim the claim that holds them
	 * @param recordIds the records to remove
	 * @return how many of them are acknowledged, counting those already acknowledged (so a replayed call returns the
	 * same); fewer than asked means the lease lapsed and another claim holds the rest
	 */
	int acknowledge(HandoffClaim claim, Collection<String> recordIds);

	/**
	 * Moves a claimed record to the dead letters, where it stays for inspection. Used for records that no retry can
	 * help, such as an unknown version.
	 * @param claim the claim that holds it
	 * @param recordId the record
	 * @param reason why, for the person who inspects it
	 * @return where the record went, for the log line, or a note that the claim no longer owned it
	 */
	String deadLetter(HandoffClaim claim, String recordId, String reason);

	/**
	 * Calls {@code onAvailable} with a label when a record may be waiting under it: when one is stored, and when the
	 * subscription is established or re-established after a lost connection.
	 * @param labels the labels
	 * @param onAvailable the callback; must not block
	 * @return the subscription
	 */
	HandoffSubscription subscribe(Collection<String> labels, Consumer<String> onAvailable);

	/**
	 * How long records wait and how often they are tried.
	 *
	 * @param ttl how long a record waits for a taker before it is dead-lettered
	 * @param lease how long a claim owns its records before they become available again
	 * @param maxDeliveries how many claims a record gets before it is dead-lettered
	 * @param deadLetterTtl how long dead letters are kept for inspection
	 */
	record Policy(Duration ttl, Duration lease, int maxDeliveries, Duration deadLetterTtl) {

		public Policy {
			Assert.isTrue(ttl.toMillis() > 0, "'ttl' must be positive");
			Assert.isTrue(lease.toMillis() > 0, "'lease' must be positive");
			Assert.isTrue(maxDeliveries > 0, "'maxDeliveries' must be positive");
			Assert.isTrue(deadLetterTtl.toMillis() > 0, "'deadLetterTtl' must be positive");
		}

	}

}
