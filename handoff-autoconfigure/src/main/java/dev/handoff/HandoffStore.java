package dev.handoff;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Where handed-off records wait for the next instance: the storage SPI behind {@link HandoffOperations}. Records are
 * opaque bytes here; serialization and version checks happen above this interface.
 * <p>
 * Every implementation keeps this contract, checked by one shared contract test:
 * <ul>
 * <li>{@link #initiate} is idempotent per record id: storing the same record twice stores it once, and a record
 * that was already claimed, acknowledged or dead-lettered is not brought back. Its result says truthfully whether
 * each record is stored.</li>
 * <li>{@link #claim} moves every available record of a label to the claimer under a lease, atomically: while the
 * lease holds, no other claim returns them.</li>
 * <li>{@link #acknowledge} removes claimed records for good, but only while the claim still owns them.</li>
 * <li>When a lease lapses, its records become available again with their delivery count raised; a record claimed
 * {@link Policy#maxDeliveries()} times is dead-lettered instead. A record nobody claims within {@link Policy#ttl()} is
 * dead-lettered too. Each dead letter is logged at ERROR.</li>
 * </ul>
 * Operations on several records or labels are batches: a store sends them together (the Redis store in one pipeline
 * per Redis node), and one failing item does not fail the others.
 */
public interface HandoffStore {

	/**
	 * Stores records and notifies each label's subscribers. Each record is stored and announced in one atomic step,
	 * idempotently per record id, so a record whose outcome was unknown can be initiated again.
	 * @param records the records, their data already serialized
	 * @return one result per record, in order
	 */
	List<Initiated> initiate(List<HandoffRecord<byte[]>> records);

	/**
	 * Stores records like {@link #initiate(List)}, waiting at most the given time for the store, for a caller with a
	 * deadline such as the shutdown. A store that cannot bound its wait may ignore the timeout.
	 * @param records the records, their data already serialized
	 * @param timeout how long to wait for the store
	 * @return one result per record, in order
	 */
	default List<Initiated> initiate(List<HandoffRecord<byte[]>> records, Duration timeout) {
		return initiate(records);
	}

	/**
	 * Stores one record and notifies the label's subscribers.
	 * @param record the record, its data already serialized
	 * @return the result
	 */
	default Initiated initiate(HandoffRecord<byte[]> record) {
		return initiate(List.of(record)).get(0);
	}

	/**
	 * Claims every available record of each label under a lease owned by the claimer. Each claim also settles its
	 * label's lapsed leases and expired records; records that a lapsed lease makes available again are returned by
	 * this claim.
	 * @param labels the labels
	 * @param claimer the instance that claims, for diagnostics
	 * @return the claim of each label, empty where nothing was waiting, and the labels whose claim failed
	 */
	Claims claim(Collection<String> labels, String claimer);

	/**
	 * Claims every available record of a label; see {@link #claim(Collection, String)}.
	 * @param label the label
	 * @param claimer the instance that claims, for diagnostics
	 * @return the claim; its records are empty when nothing was waiting
	 * @throws HandoffException when the claim failed
	 */
	default HandoffClaim claim(String label, String claimer) {
		Claims claims = claim(List.of(label), claimer);
		RuntimeException failure = claims.failures().get(label);
		if (failure != null) {
			throw failure;
		}
		return claims.claims().get(label);
	}

	/**
	 * Removes claimed records for good.
	 * @param claim the claim that holds them
	 * @param recordIds the records to remove
	 * @return how many of them are acknowledged, counting those already acknowledged (so a replayed call returns the
	 * same); fewer than asked means the lease lapsed and another claim holds the rest
	 */
	int acknowledge(HandoffClaim claim, Collection<String> recordIds);

	/**
	 * Acknowledges records of several claims, in one batch; see {@link #acknowledge(HandoffClaim, Collection)}.
	 * @param acknowledgements the claims and their records to remove
	 * @return for each, how many of its records are acknowledged
	 */
	default List<Integer> acknowledge(List<Acknowledgement> acknowledgements) {
		return acknowledgements.stream()
			.map((acknowledgement) -> acknowledge(acknowledgement.claim(), acknowledgement.recordIds()))
			.toList();
	}

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
	 * Calls {@code onAvailable} with labels under which a record may be waiting: with one label when a record of it
	 * is stored, and with all of them once the subscription is established and each time it is re-established after
	 * a lost connection.
	 * @param labels the labels
	 * @param onAvailable the callback; must not block
	 * @return the subscription
	 */
	HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable);

	/**
	 * Checks that this store can do its job, by running each of its operations once on records of its own. Called
	 * once at startup.
	 * @throws HandoffConfigurationException when the store refuses an operation, for example for a missing
	 * permission; the message says what the store answered and what to change
	 * @throws HandoffException when the store could not be reached
	 */
	default void verify() {
	}

	/**
	 * Describes the store for log lines, for example {@code "Redis (Lettuce, Redis Cluster)"}.
	 * @return the description
	 */
	default String describe() {
		return getClass().getSimpleName();
	}

	/**
	 * Records of one claim to acknowledge.
	 *
	 * @param claim the claim that holds them
	 * @param recordIds the records
	 */
	record Acknowledgement(HandoffClaim claim, Collection<String> recordIds) {
	}

	/**
	 * What became of one record given to {@link #initiate}.
	 *
	 * @param recordId the record
	 * @param outcome whether it is stored
	 * @param problem what went wrong, when it is not known to be stored
	 * @param retryable whether initiating it again may succeed: the write did not arrive, rather than being refused
	 */
	record Initiated(String recordId, Outcome outcome, @Nullable String problem, boolean retryable) {

		public static Initiated stored(String recordId) {
			return new Initiated(recordId, Outcome.STORED, null, false);
		}

		public boolean isStored() {
			return this.outcome == Outcome.STORED;
		}

	}

	/**
	 * Whether an initiated record is stored.
	 */
	enum Outcome {

		/** The record is stored (or was already), and has been announced. */
		STORED,

		/** The record is not in the store: it was refused, or the write never arrived. */
		NOT_STORED,

		/** The write may or may not have landed, and the store could not be asked. */
		UNKNOWN

	}

	/**
	 * The result of claiming several labels.
	 *
	 * @param claims the claim of each label that could be claimed, in the order asked
	 * @param failures why each other label could not be claimed
	 */
	record Claims(Map<String, HandoffClaim> claims, Map<String, RuntimeException> failures) {

		public Claims {
			claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
			failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
		}

	}

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
