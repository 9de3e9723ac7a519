package dev.handoff.core;

import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.observation.HandoffObservation;
import dev.handoff.observation.HandoffReceiverContext;
import dev.handoff.security.ChunkSeal;
import dev.handoff.security.RecordProtection;
import dev.handoff.security.RejectedRecordException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Passes the records of one claim to their receiver so that each record settles on its
 * own:
 * <ul>
 * <li>each record is read on its own; one that cannot be read is dead-lettered
 * alone;</li>
 * <li>a record of a newer version than the receiver reads is released for an instance
 * that reads it, and records claimed after the receiver was sealed are released at
 * once;</li>
 * <li>the claim's lease is renewed while the receiver runs;</li>
 * <li>when the receiver throws for a batch, each record is given to it alone, so that the
 * good ones are merged and only the failing one is delivered again (and dead-lettered
 * after max deliveries).</li>
 * </ul>
 * It also logs what the store reports: dead letters a claim made, records given back by
 * lapsed leases, and acknowledgements that came too late.
 */
final class Deliveries {

	private static final Log logger = LogFactory.getLog(Deliveries.class);

	private static final String REJECTED_REMEDY = "Its state was not read. If the record is genuine, check that "
			+ "handoff.security.keys lists the key that signed it and that sender and receiver share "
			+ "handoff.namespace; otherwise someone who can write Redis put it there.";

	private final HandoffStore store;

	private final StateCodecs codecs;

	private final Duration renewEvery;

	private final long maxRecordSize;

	private final Clock clock = Clock.systemUTC();

	private final Object monitor = new Object();

	private final HandoffActivity activity;

	private @Nullable ScheduledExecutorService renewals;

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private volatile ThreadFactory threads = HandoffThreads.PLATFORM;

	private volatile RecordProtection protection = RecordProtection.none();

	private volatile @Nullable Checkpoints checkpoints;

	Deliveries(HandoffStore store, StateCodecs codecs, HandoffStore.Policy policy, HandoffActivity activity) {
		this.store = store;
		this.codecs = codecs;
		this.renewEvery = policy.lease().dividedBy(3);
		this.maxRecordSize = policy.maxRecordSize();
		this.activity = activity;
	}

	void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	void setThreadFactory(ThreadFactory threads) {
		this.threads = threads;
	}

	void setRecordProtection(RecordProtection protection) {
		this.protection = protection;
	}

	void setCheckpoints(@Nullable Checkpoints checkpoints) {
		this.checkpoints = checkpoints;
	}

	/**
	 * Delivers a claim's records to a receiver; see the class description.
	 * @param receiver the receiver
	 * @param claim the claim
	 * @param <S> the type of the state
	 * @return what the receiver merged, to {@link #acknowledge}
	 */
	<S> Delivered deliver(Receiver<S> receiver, HandoffClaim claim) {
		report(claim);
		if (claim.isEmpty()) {
			return new Delivered(receiver, claim, List.of(), null);
		}
		receiver.lock.lock();
		try {
			if (receiver.isSealed()) {
				release(claim, claim.deliveries().stream().map((delivery) -> delivery.record().id()).toList(),
						"they were claimed after the state of label '" + receiver.label + "' was handed off");
				return new Delivered(receiver, claim, List.of(), null);
			}
			for (HandoffClaim.Unreadable unreadable : claim.unreadable()) {
				deadLetter(claim, unreadable.recordId(), "an instance", "unreadable", unreadable.problem(),
						"It was written by a newer Handoff, or not by Handoff at all.");
			}
			List<HandoffRecord<S>> readable = new ArrayList<>();
			List<String> newer = new ArrayList<>();
			Instant now = this.clock.instant();
			for (HandoffClaim.Delivery delivery : claim.deliveries()) {
				HandoffRecord<byte[]> record = verify(claim, delivery.record(), now);
				if (record == null || !fits(claim, record)) {
					continue;
				}
				if (record.version() > receiver.version) {
					newer.add(record.id());
				}
				else {
					S data = read(receiver, claim, delivery.record(), record);
					if (data != null) {
						readable.add(received(record, data));
					}
				}
			}
			if (!newer.isEmpty()) {
				release(claim, newer, "they are of a newer version than version " + receiver.version + ", which "
						+ receiver.description + " reads; an instance that reads their version will take them");
			}
			if (readable.isEmpty()) {
				return new Delivered(receiver, claim, List.of(), null);
			}
			Delivered delivered = merge(receiver, claim, readable);
			captureCheckpoint(delivered);
			return delivered;
		}
		finally {
			receiver.lock.unlock();
		}
	}

	/**
	 * Merges as one {@link HandoffObservation#MERGE} observation, which continues the
	 * sender's trace.
	 */
	private <S> Delivered merge(Receiver<S> receiver, HandoffClaim claim, List<HandoffRecord<S>> records) {
		Observation observation = startMerge(this.observationRegistry, receiver.label, records);
		Delivered delivered;
		try (Observation.Scope scope = observation.openScope()) {
			delivered = mergeObserved(receiver, claim, records);
		}
		catch (RuntimeException | Error ex) {
			observation.error(ex);
			observation.stop();
			throw ex;
		}
		if (delivered.failure != null) {
			observation.error(delivered.failure);
		}
		observation.stop();
		return delivered;
	}

	/**
	 * Starts the {@link HandoffObservation#MERGE} observation of records.
	 * @param registry where it is observed
	 * @param label their label
	 * @param records the records, at least one
	 * @return the observation, started
	 */
	static Observation startMerge(ObservationRegistry registry, String label,
			List<? extends HandoffRecord<?>> records) {
		HandoffRecord<?> first = records.get(0);
		return HandoffObservation.MERGE.observation(registry, new HandoffReceiverContext(label, records), label)
			.highCardinalityKeyValue(HandoffObservation.HighCardinalityKeys.RECORD_ID.asString(), first.id())
			.highCardinalityKeyValue(HandoffObservation.HighCardinalityKeys.ORIGIN.asString(), first.origin())
			.highCardinalityKeyValue(HandoffObservation.HighCardinalityKeys.RECORDS.asString(),
					String.valueOf(records.size()))
			.start();
	}

	private <S> Delivered mergeObserved(Receiver<S> receiver, HandoffClaim claim, List<HandoffRecord<S>> records) {
		ScheduledFuture<?> renewal = scheduleRenewal(claim);
		long start = System.nanoTime();
		try {
			try {
				receiver.consumer.accept(List.copyOf(records));
				return new Delivered(receiver, claim, records, null, Duration.ofNanos(System.nanoTime() - start));
			}
			catch (RuntimeException ex) {
				if (records.size() == 1) {
					return new Delivered(receiver, claim, List.of(), failed(receiver, claim, records.get(0), ex));
				}
				logger.warn(capitalize(receiver.description) + " failed on a batch of " + records.size()
						+ " handoff records of claim " + claim.id() + "; giving them to it one at a time", ex);
			}
			List<HandoffRecord<S>> merged = new ArrayList<>();
			HandoffException failure = null;
			for (HandoffRecord<S> record : records) {
				try {
					receiver.consumer.accept(List.of(record));
					merged.add(record);
				}
				catch (RuntimeException ex) {
					HandoffException failed = failed(receiver, claim, record, ex);
					if (failure == null) {
						failure = failed;
					}
					else {
						failure.addSuppressed(failed);
					}
				}
			}
			return new Delivered(receiver, claim, merged, failure, Duration.ofNanos(System.nanoTime() - start));
		}
		finally {
			renewal.cancel(false);
		}
	}

	private HandoffException failed(Receiver<?> receiver, HandoffClaim claim, HandoffRecord<?> record,
			RuntimeException ex) {
		int attempt = claim.deliveries()
			.stream()
			.filter((delivery) -> delivery.record().id().equals(record.id()))
			.mapToInt(HandoffClaim.Delivery::attempt)
			.findFirst()
			.orElse(0);
		return new HandoffException(capitalize(receiver.description) + " failed on delivery attempt " + attempt
				+ " of handoff record " + record.id() + " from " + record.origin() + "; it will be delivered again "
				+ "once the lease of claim " + claim.id() + " lapses, and dead-lettered after handoff.max-deliveries "
				+ "attempts", ex);
	}

	/**
	 * With checkpoints on, captures the receiver's state right after it merged, still
	 * holding it, to write as its checkpoint with the acknowledgement.
	 */
	private void captureCheckpoint(Delivered delivered) {
		Supplier<?> state = delivered.receiver.checkpointState;
		if (this.checkpoints == null || state == null || delivered.records.isEmpty()) {
			return;
		}
		try {
			delivered.checkpointState = state.get();
			delivered.checkpointed = true;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not take a checkpoint of label '" + delivered.receiver.label + "' after the merge "
					+ "(checkpointState() threw " + ex + "); the records are acknowledged without it, so they are "
					+ "in no checkpoint until the next interval", ex);
		}
	}

	private HandoffStore.@Nullable Checkpoint checkpointOf(Delivered delivered) {
		Checkpoints checkpoints = this.checkpoints;
		if (checkpoints == null || !delivered.checkpointed) {
			return null;
		}
		try {
			return checkpoints.checkpointOf(delivered.receiver, delivered.checkpointState);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the checkpoint of label '" + delivered.receiver.label + "' after the merge ("
					+ ex.getMessage() + "); the records are acknowledged without it, so they are in no checkpoint "
					+ "until the next interval", ex);
			return null;
		}
	}

	/**
	 * Acknowledges what receivers merged, in one batch, and logs it.
	 * @param deliveries what each receiver merged
	 */
	void acknowledge(List<Delivered> deliveries) {
		List<Delivered> merged = deliveries.stream().filter((delivered) -> !delivered.records.isEmpty()).toList();
		if (merged.isEmpty()) {
			return;
		}
		List<HandoffStore.Acknowledgement> acknowledgements = merged.stream()
			.map((delivered) -> new HandoffStore.Acknowledgement(delivered.claim,
					delivered.records.stream().map(HandoffRecord::id).toList(), checkpointOf(delivered)))
			.toList();
		List<HandoffStore.Acknowledged> results = this.store.acknowledge(acknowledgements);
		Instant now = this.clock.instant();
		for (int i = 0; i < merged.size(); i++) {
			Delivered delivered = merged.get(i);
			HandoffStore.Acknowledged result = results.get(i);
			HandoffStore.Checkpoint checkpoint = acknowledgements.get(i).checkpoint();
			Checkpoints checkpoints = this.checkpoints;
			if (checkpoint != null && checkpoints != null) {
				checkpoints.written(checkpoint, result.checkpointLapsed());
			}
			String lapsed = "The lease of claim " + delivered.claim.id() + " lapsed before "
					+ delivered.receiver.description + " returned (a merge longer than handoff.lease, or a long GC "
					+ "pause); ";
			if (!result.acknowledgedByAnother().isEmpty()) {
				logger
					.warn(lapsed + "another claim had already merged and acknowledged " + result.acknowledgedByAnother()
							+ ", so they were merged twice. Raise handoff.lease above " + "the time a merge takes.");
			}
			if (!result.heldByAnother().isEmpty()) {
				logger.warn(lapsed + result.heldByAnother() + " will be delivered again, and so merged twice. Raise "
						+ "handoff.lease above the time a merge takes.");
			}
			Set<String> origins = new LinkedHashSet<>();
			delivered.records.forEach((record) -> origins.add(record.origin()));
			Duration latency = Duration.between(delivered.records.get(0).createdAt(), now);
			this.activity.received(delivered.receiver.label, delivered.records.size(), List.copyOf(origins), now,
					delivered.merge, latency);
			logger.info(
					"Received " + delivered.records.size() + " handoff record(s) of label '" + delivered.receiver.label
							+ "' from " + origins + ", handed off " + latency.toMillis() + " ms earlier");
			delivered.records.stream()
				.filter(HandoffRecord::isCheckpoint)
				.forEach((record) -> logger.warn("Handoff record " + record.id() + " of label '"
						+ delivered.receiver.label + "' is the checkpoint that " + record.origin() + " took at "
						+ record.createdAt() + ": that instance ended without handing off (killed, or out of "
						+ "memory), so what changed there after that time is lost"));
		}
	}

	/**
	 * Logs what the store settled while claiming: each dead letter, once, and records
	 * given back.
	 */
	private void report(HandoffClaim claim) {
		for (HandoffClaim.DeadLetter dead : claim.deadLettered()) {
			this.activity.deadLettered(claim.label(), dead.cause().name().toLowerCase(Locale.ROOT).replace('_', '-'));
			logger.error("Handoff record " + dead.recordId() + " of label '" + claim.label() + "' was moved to the "
					+ "dead letters of " + this.store.describe() + ": " + dead.reason() + ". " + advice(claim, dead));
		}
		if (!claim.redelivered().isEmpty()) {
			this.activity.redelivered(claim.label(), claim.redelivered().size());
			logger.warn("A lease on label '" + claim.label() + "' lapsed before acknowledgement; "
					+ claim.redelivered().size() + " record(s) will be delivered again: " + claim.redelivered());
		}
	}

	private static String advice(HandoffClaim claim, HandoffClaim.DeadLetter dead) {
		return switch (dead.cause()) {
			case EXPIRED -> dead.reason().startsWith("expired: version")
					? "Run an instance that reads its version within handoff.ttl, or convert such records in "
							+ "upgradeHandoff of an instance that does."
					: "Raise handoff.ttl if the next instance can start later than that.";
			case MAX_DELIVERIES -> "Check the receiver's logs for the failure, and raise handoff.lease if a merge "
					+ "takes longer than the lease.";
			case REPLAYED -> "It was acknowledged before, and someone who can write Redis put it back; it was not "
					+ "delivered again.";
			case TOO_LARGE -> "Raise handoff.max-record-size on the instances that receive label '" + claim.label()
					+ "', or hand off less state.";
		};
	}

	/**
	 * Verifies a record's signature, and decrypts it, before anything of its payload is
	 * parsed; a record that fails is dead-lettered.
	 * @return the record in clear, or null when it was rejected
	 */
	private @Nullable HandoffRecord<byte[]> verify(HandoffClaim claim, HandoffRecord<byte[]> record, Instant now) {
		try {
			return this.protection.verify(record, claim.label(), now);
		}
		catch (RejectedRecordException ex) {
			this.activity.rejected(claim.label(), ex.getRejection().tag());
			deadLetter(claim, record.id(), record.origin(), "rejected",
					"rejected (" + ex.getRejection().tag() + "): " + ex.getMessage(), REJECTED_REMEDY);
			return null;
		}
	}

	/**
	 * Whether a large record is within this instance's max record size; one that is not
	 * is dead-lettered before any of its chunks is read. (The store's claim dead-letters
	 * a whole record over it.)
	 */
	private boolean fits(HandoffClaim claim, HandoffRecord<byte[]> record) {
		if (!Chunks.isChunked(record)) {
			return true;
		}
		long size;
		try {
			size = Chunks.size(record);
		}
		catch (NumberFormatException ex) {
			size = -1;
		}
		if (size < 0) {
			deadLetter(claim, record.id(), record.origin(), "unreadable",
					"unreadable: its header names no size of its chunks",
					"It was written by a newer Handoff, or not by Handoff at all.");
			return false;
		}
		if (size > this.maxRecordSize) {
			deadLetter(claim, record.id(), record.origin(), "too-large",
					"too large: " + size + " bytes, over the taker's limit of " + this.maxRecordSize,
					"Raise handoff.max-record-size on the instances that receive label '" + claim.label()
							+ "', or hand off less state.");
			return false;
		}
		return true;
	}

	/** The record as the receiver gets it: without Handoff's own headers. */
	private static <S> HandoffRecord<S> received(HandoffRecord<byte[]> record, S data) {
		if (record.headers().keySet().stream().noneMatch((name) -> name.startsWith("handoff-"))) {
			return record.withData(data);
		}
		Map<String, String> headers = new LinkedHashMap<>(record.headers());
		headers.keySet().removeIf((name) -> name.startsWith("handoff-"));
		return record.withData(data).withHeaders(headers);
	}

	/**
	 * Reads a record's state, a large one from its chunks as it parses, with the claim's
	 * lease renewed meanwhile; a record that cannot be read is dead-lettered, except when
	 * the store could not be reached, and then it is delivered again once the lease
	 * lapses.
	 * @return the state, or null when it was not read
	 */
	private <S> @Nullable S read(Receiver<S> receiver, HandoffClaim claim, HandoffRecord<byte[]> stored,
			HandoffRecord<byte[]> record) {
		if (!Chunks.isChunked(record)) {
			return parse(receiver, claim, record, null);
		}
		ChunkSeal seal = this.protection.chunkSeal(stored);
		ScheduledFuture<?> renewal = scheduleRenewal(claim);
		try {
			return parse(receiver, claim, record, () -> new Chunks.Input(this.store, record, seal));
		}
		catch (RejectedRecordException ex) {
			this.activity.rejected(claim.label(), ex.getRejection().tag());
			deadLetter(claim, record.id(), record.origin(), "rejected",
					"rejected (" + ex.getRejection().tag() + "): " + ex.getMessage(), REJECTED_REMEDY);
			return null;
		}
		catch (Chunks.Unreadable ex) {
			deadLetter(claim, record.id(), record.origin(), "unreadable", "unreadable: " + ex.getMessage(),
					"Its chunks were deleted or altered in Redis, or expired.");
			return null;
		}
		catch (HandoffException ex) {
			logger.warn("Could not read the chunks of handoff record " + record.id() + " of label '" + claim.label()
					+ "' from " + this.store.describe() + " (" + ex.getMessage() + "); it will be delivered again "
					+ "once the lease of claim " + claim.id() + " lapses");
			return null;
		}
		finally {
			renewal.cancel(false);
		}
	}

	private <S> @Nullable S parse(Receiver<S> receiver, HandoffClaim claim, HandoffRecord<byte[]> record,
			@Nullable Supplier<InputStream> chunks) {
		if (record.version() == receiver.version) {
			try {
				return (chunks != null) ? this.codecs.get(receiver.type).read(chunks.get())
						: this.codecs.get(receiver.type).read(record.data());
			}
			catch (JacksonException ex) {
				deadLetter(claim, record.id(), record.origin(), "unreadable",
						"unreadable as " + receiver.type.toCanonical() + ": " + ex.getOriginalMessage(),
						"Fix the state type so it reads what version " + record.version() + " wrote, or change its "
								+ "@Handoff version and convert old records in upgradeHandoff.");
				return null;
			}
		}
		if (receiver.upgrader != null) {
			JsonNode tree;
			try {
				tree = (chunks != null) ? this.codecs.get(receiver.type).readTree(chunks.get())
						: this.codecs.get(receiver.type).readTree(record.data());
			}
			catch (JacksonException ex) {
				deadLetter(claim, record.id(), record.origin(), "unreadable",
						"not valid JSON: " + ex.getOriginalMessage(), "It was not written by Handoff's JSON mapper.");
				return null;
			}
			S upgraded;
			try {
				upgraded = receiver.upgrader.apply(record.withData(tree));
			}
			catch (RuntimeException ex) {
				deadLetter(claim, record.id(), record.origin(), "version", "upgradeHandoff threw " + ex,
						"Fix upgradeHandoff of the participant so that it converts version " + record.version() + ".");
				return null;
			}
			if (upgraded != null) {
				return upgraded;
			}
		}
		deadLetter(claim, record.id(), record.origin(), "version",
				"version " + record.version() + " while " + receiver.description + " reads version " + receiver.version,
				"To accept such records, return the converted state from upgradeHandoff(HandoffRecord<JsonNode>) "
						+ "of the participant; to read them unchanged, run a participant with @Handoff(version = "
						+ record.version() + ").");
		return null;
	}

	private void deadLetter(HandoffClaim claim, String recordId, String origin, String kind, String reason,
			String remedy) {
		String record = "Handoff record " + recordId + " of label '" + claim.label() + "' from " + origin;
		boolean moved;
		try {
			moved = this.store.deadLetter(claim, recordId, reason);
		}
		catch (RuntimeException ex) {
			logger.error(record + " was not delivered: " + reason + ". " + remedy + " The store did not confirm "
					+ "that it moved the record to the dead letters (" + ex.getMessage() + "); if it did not, the "
					+ "record is delivered again once the lease of claim " + claim.id() + " lapses.");
			return;
		}
		if (moved) {
			this.activity.deadLettered(claim.label(), kind);
			logger.error(record + " was not delivered: " + reason + ". It was moved to the dead letters of "
					+ this.store.describe() + ". " + remedy);
		}
		else {
			logger.warn(record + " was not delivered (" + reason + ") and could not be dead-lettered: the lease of "
					+ "claim " + claim.id() + " lapsed, so another claim will get it");
		}
	}

	private void release(HandoffClaim claim, List<String> recordIds, String why) {
		try {
			int released = this.store.release(claim, recordIds);
			this.activity.released(claim.label(), released);
			logger.info("Released " + released + " handoff record(s) of label '" + claim.label() + "' at once: " + why
					+ ". " + recordIds);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release handoff records " + recordIds + " of label '" + claim.label() + "' ("
					+ ex.getMessage() + "); " + why + ", and they will be delivered again once the lease of claim "
					+ claim.id() + " lapses");
		}
	}

	private ScheduledFuture<?> scheduleRenewal(HandoffClaim claim) {
		long every = Math.max(1, this.renewEvery.toMillis());
		return renewals().scheduleWithFixedDelay(() -> {
			try {
				this.store.renew(claim);
			}
			catch (RuntimeException ex) {
				logger.debug("Could not renew the lease of claim " + claim.id(), ex);
			}
		}, every, every, TimeUnit.MILLISECONDS);
	}

	/** Starts the thread that renews leases, ahead of the first merge. */
	void prepare() {
		ScheduledExecutorService renewals = renewals();
		if (renewals instanceof ScheduledThreadPoolExecutor executor) {
			executor.prestartCoreThread();
		}
	}

	private ScheduledExecutorService renewals() {
		synchronized (this.monitor) {
			if (this.renewals == null) {
				ThreadFactory threads = this.threads;
				ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
					Thread thread = threads.newThread(task);
					thread.setName("handoff-lease-renewal");
					return thread;
				});
				executor.setRemoveOnCancelPolicy(true);
				this.renewals = executor;
			}
			return this.renewals;
		}
	}

	/** Stops renewing leases. */
	void close() {
		synchronized (this.monitor) {
			if (this.renewals != null) {
				this.renewals.shutdownNow();
				this.renewals = null;
			}
		}
	}

	private static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	/**
	 * What a receiver merged from one claim.
	 */
	static final class Delivered {

		final Receiver<?> receiver;

		final HandoffClaim claim;

		final List<? extends HandoffRecord<?>> records;

		/**
		 * Why the receiver failed on some of the claim's records, which are delivered
		 * again after the lease.
		 */
		final @Nullable HandoffException failure;

		/** How long the receiver took. */
		final Duration merge;

		/** The receiver's state right after the merge, with checkpoints on. */
		@Nullable Object checkpointState;

		/** Whether {@link #checkpointState} was captured. */
		boolean checkpointed;

		Delivered(Receiver<?> receiver, HandoffClaim claim, List<? extends HandoffRecord<?>> records,
				@Nullable HandoffException failure) {
			this(receiver, claim, records, failure, Duration.ZERO);
		}

		Delivered(Receiver<?> receiver, HandoffClaim claim, List<? extends HandoffRecord<?>> records,
				@Nullable HandoffException failure, Duration merge) {
			this.receiver = receiver;
			this.claim = claim;
			this.records = records;
			this.failure = failure;
			this.merge = merge;
		}

	}

}
