package dev.handoff;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Where handed-off records wait for the next instance: the storage SPI behind
 * {@link HandoffOperations}. Records are opaque bytes here; serialization and version
 * checks happen above this interface. The store reports what happened to each record
 * (claimed, released, dead-lettered, acknowledged by whom); the engine decides and logs.
 * <p>
 * Every implementation keeps this contract, checked by one shared contract test:
 * <ul>
 * <li>{@link #initiate} is idempotent per record id: storing the same record twice stores
 * it once, and a record that was already claimed, acknowledged or dead-lettered is not
 * brought back (an acknowledged id is remembered for {@link Policy#ttl()}). Its result
 * says truthfully whether each record is stored.</li>
 * <li>{@link #claim} moves available records of a label to the claimer under a lease,
 * atomically: while the lease holds (and {@link #renew} extends it), no other claim
 * returns them. A claim takes at most {@link Policy#maxClaimSize()} bytes and says when
 * it left records waiting; a record over {@link Policy#maxRecordSize()} is dead-lettered
 * without being transferred. Records {@link #release released} for a newer version are
 * only claimed by a claimer that reads that version.</li>
 * <li>{@link #acknowledge} removes claimed records for good, but only while the claim
 * still owns them, and says for each record whether this claim or another one
 * acknowledged it.</li>
 * <li>When a lease lapses, its records become available again with their delivery count
 * raised; a record claimed {@link Policy#maxDeliveries()} times is dead-lettered instead.
 * A record nobody claims within {@link Policy#ttl()} is dead-lettered too. Each claim
 * reports the dead letters it made; each dead letter expires
 * {@link Policy#deadLetterTtl()} after it was made.</li>
 * </ul>
 * A store that {@link #supportsCheckpoints() keeps checkpoints} also holds: an instance's
 * checkpoint of a label is never claimed while its heartbeat lease holds; once it lapses
 * it is delivered like an initiated record; a checkpoint written with an acknowledgement
 * is written in the same atomic step, and so is the removal of the checkpoint by the
 * instance's {@link #handOff final handoff}. So with checkpoints on, state that a
 * receiver acknowledged is at every moment in the store (a waiting record, a claim under
 * lease, or a checkpoint) until a later checkpoint or handoff of that instance covers it.
 * <p>
 * A store with a {@linkplain #chunkSize() chunk size} takes large payloads in chunks, as
 * they are serialized, and holds: a record's chunks are written before its initiate and
 * no claim sees the record before that initiate stored it, so a claim gets a record with
 * all of its chunks or not at all; the chunks stay readable while the record waits, is
 * claimed or is dead-lettered, and go with it when it is acknowledged or its dead letter
 * ends.
 * <p>
 * Operations on several records or labels are batches: a store sends them together (the
 * Redis store in one pipeline per Redis node), and one failing item does not fail the
 * others.
 */
public interface HandoffStore {

	/**
	 * The problem of a record {@link #handOff handed off} after the instance's checkpoint
	 * of its label lapsed and was claimed: it is in the dead letters.
	 */
	String LAPSED_CHECKPOINT = "it was moved to the dead letters: the instance's checkpoint of the label lapsed (no "
			+ "heartbeat within handoff.checkpoint.lease) and another instance claimed it, so part of this state was "
			+ "merged already, and delivering it would merge that part twice";

	/**
	 * Stores records and notifies each label's subscribers. Each record is stored and
	 * announced in one atomic step, idempotently per record id, so a record whose outcome
	 * was unknown can be initiated again.
	 * @param records the records, their data already serialized
	 * @return one result per record, in order
	 */
	List<Initiated> initiate(List<HandoffRecord<byte[]>> records);

	/**
	 * Stores records like {@link #initiate(List)}, waiting at most the given time for the
	 * store, for a caller with a deadline such as the shutdown. A store that cannot bound
	 * its wait may ignore the timeout.
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
	 * Stores an instance's final records at shutdown like
	 * {@link #initiate(List, Duration)}, and, with checkpoints on, removes in the same
	 * atomic step per record the instance's checkpoint of its label, so that a successor
	 * never gets both. When that checkpoint lapsed and a claim took it, part of the
	 * record's state was merged already: the record is dead-lettered instead
	 * ({@link Outcome#NOT_STORED}, not retryable, its problem
	 * {@link #LAPSED_CHECKPOINT}), so that nothing is merged twice. A store without
	 * checkpoints only initiates.
	 * @param records the records, their data already serialized
	 * @param instance the instance that hands off
	 * @param checkpoints label → id of the instance's last checkpoint of it; the records
	 * of other labels are only initiated
	 * @param timeout how long to wait for the store
	 * @return one result per record, in order
	 */
	default List<Initiated> handOff(List<HandoffRecord<byte[]>> records, String instance,
			Map<String, String> checkpoints, Duration timeout) {
		return initiate(records, timeout);
	}

	/**
	 * Whether this store keeps {@link #checkpoint checkpoints}.
	 * @return whether it does
	 */
	default boolean supportsCheckpoints() {
		return false;
	}

	/**
	 * Writes checkpoints, in one batch: each replaces its instance's checkpoint of its
	 * label with a record, or removes it. A checkpoint is held under the instance's
	 * heartbeat lease and never delivered while the lease holds
	 * ({@link #renewCheckpoints} extends it); once it lapses, a claim of the label gives
	 * its record back, and it waits for a first taker within the ttl like a handed-off
	 * record. An instance has at most one checkpoint per label.
	 * @param checkpoints the checkpoints
	 * @return for each, in order, what became of it
	 * @throws UnsupportedOperationException when the store keeps no checkpoints
	 */
	default List<Checkpointed> checkpoint(List<Checkpoint> checkpoints) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no checkpoints");
	}

	/**
	 * Extends, by the lease from now, an instance's checkpoints of labels, in one batch:
	 * the heartbeat of a running instance.
	 * @param instance the instance
	 * @param labels the labels it has checkpoints of
	 * @param lease the heartbeat lease
	 * @return the labels whose checkpoint is no longer the instance's: it lapsed, and a
	 * claim took it
	 * @throws HandoffException when the store could not be reached
	 * @throws UnsupportedOperationException when the store keeps no checkpoints
	 */
	default List<String> renewCheckpoints(String instance, Collection<String> labels, Duration lease) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no checkpoints");
	}

	/**
	 * The size of the chunks in which this store takes a large record's payload, or 0
	 * when it takes whole payloads only. A payload larger than this is
	 * {@linkplain #writeChunk written in chunks} as it is serialized, before its record
	 * is initiated, so that neither side holds it whole.
	 * @return the chunk size in bytes, or 0
	 */
	default int chunkSize() {
		return 0;
	}

	/**
	 * Writes one chunk of a record's payload, before the record is {@linkplain #initiate
	 * initiated}. Chunks are invisible to claims: a claim only finds the record once its
	 * initiate stored it, after every chunk, so a record is never seen half-written, and
	 * chunks whose record is never initiated expire unread. Once stored, a record's
	 * chunks stay with it, whoever holds it, until it is acknowledged or its dead letter
	 * is deleted or expires. Idempotent per index. The chunk is sent at once and
	 * confirmed when the caller awaits it, so that the next one is serialized meanwhile;
	 * the array is the store's from then on, and the caller does not change it.
	 * @param label the record's label
	 * @param recordId the record id
	 * @param index the chunk's index, from 0
	 * @param chunk the chunk
	 * @param timeout how long, from now, to wait for the store at most; a store waits no
	 * longer than it waits for any write
	 * @return the write, to await: it throws {@link HandoffException} when the store did
	 * not confirm it
	 * @throws UnsupportedOperationException when the store takes whole payloads only
	 */
	default ChunkWrite writeChunk(String label, String recordId, int index, byte[] chunk, Duration timeout) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " takes whole payloads only");
	}

	/**
	 * Reads one chunk of a record's payload: asks at once, and answers when the caller
	 * awaits it, so that the last chunk is parsed meanwhile.
	 * @param label the record's label
	 * @param recordId the record id
	 * @param index the chunk's index, from 0
	 * @return the read, to await: it returns the chunk, or null when the store has no
	 * such chunk, and throws {@link HandoffException} when the store could not be read
	 * @throws UnsupportedOperationException when the store takes whole payloads only
	 */
	default ChunkRead readChunk(String label, String recordId, int index) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " takes whole payloads only");
	}

	/**
	 * Deletes the chunks of a record that will not be initiated, for example because its
	 * serialization failed midway.
	 * @param label the record's label
	 * @param recordId the record id
	 * @throws HandoffException when the store did not confirm the delete
	 */
	default void deleteChunks(String label, String recordId) {
	}

	/**
	 * Claims the available records of each label under a lease owned by the claimer. Each
	 * claim also settles its label's lapsed leases, expired records and expired dead
	 * letters, and reports what it dead-lettered; records that a lapsed lease makes
	 * available again are returned by this claim.
	 * @param requests the labels, each with the highest record version the claimer reads
	 * @param claimer the instance that claims, for diagnostics
	 * @return the claim of each label, empty where nothing was waiting, and the labels
	 * whose claim failed
	 */
	Claims claim(Collection<ClaimRequest> requests, String claimer);

	/**
	 * Claims the available records of a label, of any version; see
	 * {@link #claim(Collection, String)}.
	 * @param label the label
	 * @param claimer the instance that claims, for diagnostics
	 * @return the claim; its records are empty when nothing was waiting
	 * @throws HandoffException when the claim failed
	 */
	default HandoffClaim claim(String label, String claimer) {
		return claim(List.of(new ClaimRequest(label, Integer.MAX_VALUE)), claimer).of(label);
	}

	/**
	 * Extends the lease of a claim by the policy's lease, from now: called while a long
	 * merge runs.
	 * @param claim the claim
	 * @return whether the claim still held records to extend; false once it was
	 * acknowledged or settled
	 */
	boolean renew(HandoffClaim claim);

	/**
	 * Acknowledges records of several claims, in one batch: removes the records each
	 * claim still owns for good. Idempotent: a replayed call reports the same.
	 * @param acknowledgements the claims and their records to remove
	 * @return for each, what became of its records
	 */
	List<Acknowledged> acknowledge(List<Acknowledgement> acknowledgements);

	/**
	 * Acknowledges records of one claim; see {@link #acknowledge(List)}.
	 * @param claim the claim that holds them
	 * @param recordIds the records to remove
	 * @return how many of them this claim acknowledged (now or before); fewer than asked
	 * means its lease lapsed
	 */
	default int acknowledge(HandoffClaim claim, Collection<String> recordIds) {
		return acknowledge(List.of(new Acknowledgement(claim, recordIds))).get(0).acknowledged().size();
	}

	/**
	 * Moves a claimed record to the dead letters, where it stays for inspection for the
	 * dead-letter ttl. Used for records that no retry can help, such as an unreadable
	 * payload. Idempotent.
	 * @param claim the claim that holds it
	 * @param recordId the record
	 * @param reason why, for the person who inspects it
	 * @return whether the record is in the dead letters; false when the claim no longer
	 * owned it
	 */
	boolean deadLetter(HandoffClaim claim, String recordId, String reason);

	/**
	 * Gives claimed records back without counting the claim as a delivery, and notifies
	 * the label's subscribers: for records an instance cannot read (a newer version) or
	 * should not merge (its state was already handed off). A released record is only
	 * claimed again by a claimer that reads its version. Idempotent.
	 * @param claim the claim that holds them
	 * @param recordIds the records, among the claim's deliveries
	 * @return how many of them are released
	 */
	int release(HandoffClaim claim, Collection<String> recordIds);

	/**
	 * Counts the records of each label, in one batch: for health checks and gauges, which
	 * call it often.
	 * @param labels the labels
	 * @return the counts of each label, in the order asked
	 * @throws HandoffException when the store cannot be reached or refuses the read
	 */
	default Map<String, Counts> inspect(Collection<String> labels) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot count its records");
	}

	/**
	 * Lists the records of a label, as metadata without their data: for an operator's
	 * endpoint.
	 * @param label the label
	 * @param limit the most records to list of each kind (waiting, in flight,
	 * dead-lettered)
	 * @return the records
	 * @throws HandoffException when the store cannot be read
	 */
	default List<StoredRecord> list(String label, int limit) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot list its records");
	}

	/**
	 * Makes a dead letter a waiting record again, its delivery count reset and its ttl
	 * started anew, and notifies the label's subscribers.
	 * @param label the label
	 * @param recordId the dead letter
	 * @return whether there was such a dead letter
	 */
	default boolean requeueDeadLetter(String label, String recordId) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot requeue dead letters");
	}

	/**
	 * Deletes a dead letter.
	 * @param label the label
	 * @param recordId the dead letter
	 * @return whether there was such a dead letter
	 */
	default boolean deleteDeadLetter(String label, String recordId) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot delete dead letters");
	}

	/**
	 * Says what in the store's own settings can lose records it acknowledged (persistence
	 * off, an eviction policy that can evict its keys), read once after startup.
	 * @return one sentence per risk, saying what to change; empty when there is none, or
	 * the store has no such settings
	 * @throws RuntimeException when the settings cannot be read (for example an ACL that
	 * refuses it)
	 */
	default List<String> durabilityRisks() {
		return List.of();
	}

	/**
	 * Counts the records waiting under each label of this store's namespace, in one
	 * bounded scan, so that labels nobody claims (after a rename) can be reported.
	 * @param maxLabels the most labels to return
	 * @return label → records waiting, for labels with at least one; empty when the store
	 * cannot tell
	 */
	default Map<String, Long> waiting(int maxLabels) {
		return Map.of();
	}

	/**
	 * Calls {@code onAvailable} with labels under which a record may be waiting: with one
	 * label when a record of it is stored, and with all of them once the subscription is
	 * established and each time it is re-established after a lost connection.
	 * @param labels the labels
	 * @param onAvailable the callback; must not block
	 * @return the subscription
	 */
	HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable);

	/**
	 * Checks that this store can do its job, by running each of its operations once on
	 * records of its own. Called once at startup.
	 * @throws HandoffConfigurationException when the store refuses an operation, for
	 * example for a missing permission; the message says what the store answered and what
	 * to change
	 * @throws HandoffException when the store could not be reached
	 */
	default void verify() {
	}

	/**
	 * Describes the store for log lines, for example
	 * {@code "Redis (Lettuce, Redis Cluster)"}.
	 * @return the description
	 */
	default String describe() {
		return getClass().getSimpleName();
	}

	/** A chunk on its way to the store. */
	@FunctionalInterface
	interface ChunkWrite {

		/**
		 * Waits until the store confirmed the chunk.
		 * @throws HandoffException when it did not, in time
		 */
		void await();

	}

	/** A chunk on its way from the store. */
	@FunctionalInterface
	interface ChunkRead {

		/**
		 * Waits for the chunk.
		 * @return the chunk, or null when the store has no such chunk
		 * @throws HandoffException when the store could not be read, in time
		 */
		byte @Nullable [] await();

	}

	/**
	 * The records of one label, by where they are.
	 *
	 * @param waiting records waiting for a taker (released ones included)
	 * @param inFlight records held by a claim
	 * @param deadLettered dead letters not yet expired
	 */
	record Counts(long waiting, long inFlight, long deadLettered) {
	}

	/**
	 * A stored record, as metadata.
	 *
	 * @param id the record id
	 * @param where where it is
	 * @param version the version of its state's shape
	 * @param origin the instance that handed it off
	 * @param createdAt when it was handed off
	 * @param attempts how many claims it had
	 * @param size its size in the store, in bytes
	 * @param reason why it was dead-lettered, or null
	 */
	record StoredRecord(String id, Where where, int version, String origin, Instant createdAt, int attempts, long size,
			@Nullable String reason) {
	}

	/**
	 * Where a stored record is.
	 */
	enum Where {

		/** Waiting for a taker. */
		WAITING,

		/** Held by a claim. */
		IN_FLIGHT,

		/** In the dead letters. */
		DEAD_LETTERED

	}

	/**
	 * A label to claim.
	 *
	 * @param label the label
	 * @param version the highest record version the claimer reads: records released for a
	 * newer one are left
	 */
	record ClaimRequest(String label, int version) {
	}

	/**
	 * Records of one claim to acknowledge.
	 *
	 * @param claim the claim that holds them
	 * @param recordIds the records
	 * @param checkpoint the acknowledging instance's checkpoint of the label, taken after
	 * the merge, written in the same atomic step; or null
	 */
	record Acknowledgement(HandoffClaim claim, Collection<String> recordIds, @Nullable Checkpoint checkpoint) {

		/**
		 * Records of one claim to acknowledge, without a checkpoint.
		 * @param claim the claim that holds them
		 * @param recordIds the records
		 */
		public Acknowledgement(HandoffClaim claim, Collection<String> recordIds) {
			this(claim, recordIds, null);
		}

	}

	/**
	 * One instance's checkpoint of a label: the state of a running instance, which is
	 * delivered only if the instance ends without handing off.
	 *
	 * @param instance the instance
	 * @param label the label
	 * @param record the state, its data already serialized; null removes the checkpoint
	 * @param previous the id of the instance's last checkpoint of the label that the
	 * store confirmed, or null when it has none
	 * @param lease the heartbeat lease: how long the checkpoint is held without a renewal
	 */
	record Checkpoint(String instance, String label, @Nullable HandoffRecord<byte[]> record, @Nullable String previous,
			Duration lease) {

		public Checkpoint {
			Assert.hasText(instance, "'instance' must not be empty");
			Assert.isTrue(record == null || record.label().equals(label), "'record' must be of the label");
			Assert.isTrue(lease.toMillis() > 0, "'lease' must be positive");
		}

	}

	/**
	 * What became of one {@link Checkpoint}.
	 *
	 * @param label the label
	 * @param written whether the store wrote it (or removed it, for a removal)
	 * @param lapsed whether the instance's previous checkpoint of the label had lapsed
	 * and a claim took it: another instance may have merged that state, and nothing was
	 * written
	 * @param problem what went wrong, when it was not written
	 */
	record Checkpointed(String label, boolean written, boolean lapsed, @Nullable String problem) {
	}

	/**
	 * What became of the records of one {@link Acknowledgement}.
	 *
	 * @param acknowledged the records this claim acknowledged, now or in an earlier call
	 * @param acknowledgedByAnother records another claim acknowledged first: this claim's
	 * lease lapsed and they were merged twice
	 * @param heldByAnother records this claim no longer owns and nobody acknowledged yet:
	 * they will be merged again
	 * @param checkpointLapsed whether the checkpoint written with them replaced one that
	 * had lapsed and that a claim took
	 */
	record Acknowledged(List<String> acknowledged, List<String> acknowledgedByAnother, List<String> heldByAnother,
			boolean checkpointLapsed) {

		public Acknowledged {
			acknowledged = List.copyOf(acknowledged);
			acknowledgedByAnother = List.copyOf(acknowledgedByAnother);
			heldByAnother = List.copyOf(heldByAnother);
		}

		/**
		 * What became of records acknowledged without a checkpoint, or whose checkpoint
		 * replaced one that was still the instance's.
		 * @param acknowledged the records this claim acknowledged
		 * @param acknowledgedByAnother records another claim acknowledged first
		 * @param heldByAnother records this claim no longer owns
		 */
		public Acknowledged(List<String> acknowledged, List<String> acknowledgedByAnother, List<String> heldByAnother) {
			this(acknowledged, acknowledgedByAnother, heldByAnother, false);
		}

	}

	/**
	 * What became of one record given to {@link #initiate}.
	 *
	 * @param recordId the record
	 * @param outcome whether it is stored
	 * @param problem what went wrong, when it is not known to be stored
	 * @param retryable whether initiating it again may succeed: the write did not arrive,
	 * rather than being refused
	 * @param notDurable why a stored record is not as durable as the store was asked to
	 * make it (for example fewer replicas acknowledged it than configured), or null when
	 * it is
	 */
	record Initiated(String recordId, Outcome outcome, @Nullable String problem, boolean retryable,
			@Nullable String notDurable) {

		/**
		 * A record whose durability is not in question.
		 * @param recordId the record
		 * @param outcome whether it is stored
		 * @param problem what went wrong, when it is not known to be stored
		 * @param retryable whether initiating it again may succeed
		 */
		public Initiated(String recordId, Outcome outcome, @Nullable String problem, boolean retryable) {
			this(recordId, outcome, problem, retryable, null);
		}

		public static Initiated stored(String recordId) {
			return new Initiated(recordId, Outcome.STORED, null, false);
		}

		/**
		 * A stored record that is not as durable as asked.
		 * @param recordId the record
		 * @param why why not
		 * @return the outcome
		 */
		public static Initiated storedNotDurable(String recordId, String why) {
			return new Initiated(recordId, Outcome.STORED, null, false, why);
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

		/**
		 * Returns the claim of one label that was asked for, or throws why it could not
		 * be claimed.
		 * @param label the label
		 * @return the claim; its records are empty when nothing was waiting
		 * @throws RuntimeException the failure of that label's claim
		 * @throws IllegalArgumentException when the label was not asked for
		 */
		public HandoffClaim of(String label) {
			RuntimeException failure = this.failures.get(label);
			if (failure != null) {
				throw failure;
			}
			HandoffClaim claim = this.claims.get(label);
			if (claim == null) {
				throw new IllegalArgumentException("Label '" + label + "' was not claimed; claimed were "
						+ this.claims.keySet() + " and failed were " + this.failures.keySet());
			}
			return claim;
		}

	}

	/**
	 * How long records wait, how often they are tried, and how large they may be.
	 *
	 * @param ttl how long a record waits for a taker before it is dead-lettered; an
	 * acknowledged id is remembered somewhat longer ({@link #acknowledgedRetention()}),
	 * so that a retried initiate or a replay of it is refused
	 * @param lease how long a claim owns its records before they become available again
	 * @param maxDeliveries how many claims a record gets before it is dead-lettered
	 * @param deadLetterTtl how long each dead letter is kept for inspection
	 * @param maxRecordSize the largest record, in bytes of its data, that is handed off
	 * or claimed
	 * @param maxClaimSize the most bytes of records one claim takes; the rest wait for
	 * the next claim
	 */
	record Policy(Duration ttl, Duration lease, int maxDeliveries, Duration deadLetterTtl, long maxRecordSize,
			long maxClaimSize) {

		/**
		 * The default for {@link #maxRecordSize()} and {@link #maxClaimSize()}: 64 MiB.
		 */
		public static final long DEFAULT_MAX_SIZE = 64L * 1024 * 1024;

		private static final Duration ACKNOWLEDGED_MARGIN = Duration.ofMinutes(10);

		public Policy {
			Assert.isTrue(ttl.toMillis() > 0, "'ttl' must be positive");
			Assert.isTrue(lease.toMillis() > 0, "'lease' must be positive");
			Assert.isTrue(maxDeliveries > 0, "'maxDeliveries' must be positive");
			Assert.isTrue(deadLetterTtl.toMillis() > 0, "'deadLetterTtl' must be positive");
			Assert.isTrue(maxRecordSize > 0, "'maxRecordSize' must be positive");
			Assert.isTrue(maxClaimSize > 0, "'maxClaimSize' must be positive");
		}

		/**
		 * How long a store remembers an acknowledged record id, refusing it (a retried
		 * initiate, or a copy put back by someone who can write the store) all that time:
		 * past the longest a genuine record can still be delivered,
		 * {@code ttl + maxDeliveries × lease}, with ten minutes (or the ttl, when
		 * shorter) for clocks and polls. A signed record older than this is rejected as a
		 * replay, so between the two no replay is delivered.
		 * @return the retention
		 */
		public Duration acknowledgedRetention() {
			Duration margin = (this.ttl.compareTo(ACKNOWLEDGED_MARGIN) < 0) ? this.ttl : ACKNOWLEDGED_MARGIN;
			return this.ttl.plus(this.lease.multipliedBy(this.maxDeliveries)).plus(margin);
		}

		/**
		 * A policy with the default size limits.
		 * @param ttl how long a record waits for a taker
		 * @param lease how long a claim owns its records
		 * @param maxDeliveries how many claims a record gets
		 * @param deadLetterTtl how long each dead letter is kept
		 */
		public Policy(Duration ttl, Duration lease, int maxDeliveries, Duration deadLetterTtl) {
			this(ttl, lease, maxDeliveries, deadLetterTtl, DEFAULT_MAX_SIZE, DEFAULT_MAX_SIZE);
		}

	}

}
