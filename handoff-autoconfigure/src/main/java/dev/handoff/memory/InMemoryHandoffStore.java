package dev.handoff.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A {@link HandoffStore} that keeps records in this JVM's heap. Records handed off here
 * reach only subscribers in the same JVM, and die with it: use it in tests, or to hand
 * state between application contexts of one process. It keeps the same contract as the
 * Redis store, bounds included: leases, delivery counts, versions of released records,
 * size limits, dead letters that expire, and acknowledged ids remembered for the ttl
 * only.
 */
public final class InMemoryHandoffStore implements HandoffStore {

	private static final String CHECKPOINT_PREFIX = "checkpoint:";

	private final Policy policy;

	private final Clock clock;

	private final Map<String, Label> labels = new ConcurrentHashMap<>();

	private final Map<String, List<Consumer<Collection<String>>>> subscribers = new ConcurrentHashMap<>();

	public InMemoryHandoffStore(Policy policy) {
		this(policy, Clock.systemUTC());
	}

	/**
	 * Creates a store that reads the time from the given clock, so tests can let leases
	 * lapse.
	 * @param policy the ttl, lease and delivery limits
	 * @param clock the clock
	 */
	public InMemoryHandoffStore(Policy policy, Clock clock) {
		Assert.notNull(policy, "'policy' must not be null");
		Assert.notNull(clock, "'clock' must not be null");
		this.policy = policy;
		this.clock = clock;
	}

	@Override
	public List<Initiated> initiate(List<HandoffRecord<byte[]>> records) {
		List<Initiated> results = new ArrayList<>(records.size());
		for (HandoffRecord<byte[]> record : records) {
			Label state = label(record.label());
			boolean added;
			synchronized (state) {
				added = state.add(record, this.clock.instant());
			}
			if (added) {
				notify(record.label());
			}
			results.add(Initiated.stored(record.id()));
		}
		return results;
	}

	@Override
	public List<Initiated> handOff(List<HandoffRecord<byte[]>> records, String instance,
			Map<String, String> checkpoints, Duration timeout) {
		List<Initiated> results = new ArrayList<>(records.size());
		for (HandoffRecord<byte[]> record : records) {
			String checkpoint = checkpoints.get(record.label());
			if (checkpoint == null) {
				results.addAll(initiate(List.of(record)));
				continue;
			}
			Label state = label(record.label());
			Initiated result;
			synchronized (state) {
				result = state.handOff(record, checkpointId(instance), checkpoint, this.clock.instant());
			}
			if (result.isStored()) {
				notify(record.label());
			}
			results.add(result);
		}
		return results;
	}

	@Override
	public boolean supportsCheckpoints() {
		return true;
	}

	@Override
	public List<Checkpointed> checkpoint(List<Checkpoint> checkpoints) {
		List<Checkpointed> results = new ArrayList<>(checkpoints.size());
		for (Checkpoint checkpoint : checkpoints) {
			Label state = label(checkpoint.label());
			synchronized (state) {
				boolean held = state.replaceCheckpoint(checkpoint, this.clock.instant());
				results.add(new Checkpointed(checkpoint.label(), true, !held, null));
			}
		}
		return results;
	}

	@Override
	public List<String> renewCheckpoints(String instance, Collection<String> labels, Duration lease) {
		List<String> lapsed = new ArrayList<>();
		for (String label : labels) {
			Label state = label(label);
			synchronized (state) {
				if (state.leases.replace(checkpointId(instance), this.clock.instant().plus(lease)) == null) {
					lapsed.add(label);
				}
			}
		}
		return lapsed;
	}

	private static String checkpointId(String instance) {
		return CHECKPOINT_PREFIX + instance;
	}

	@Override
	public Claims claim(Collection<ClaimRequest> requests, String claimer) {
		Map<String, HandoffClaim> claims = new LinkedHashMap<>();
		for (ClaimRequest request : requests) {
			Label state = label(request.label());
			synchronized (state) {
				claims.put(request.label(),
						state.claim(claimer + "/" + UUID.randomUUID(), request.version(), this.clock.instant()));
			}
		}
		return new Claims(claims, Map.of());
	}

	@Override
	public boolean renew(HandoffClaim claim) {
		Label state = label(claim.label());
		synchronized (state) {
			return state.leases.replace(claim.id(), this.clock.instant().plus(this.policy.lease())) != null;
		}
	}

	@Override
	public List<Acknowledged> acknowledge(List<Acknowledgement> acknowledgements) {
		List<Acknowledged> results = new ArrayList<>(acknowledgements.size());
		for (Acknowledgement acknowledgement : acknowledgements) {
			Label state = label(acknowledgement.claim().label());
			synchronized (state) {
				Instant now = this.clock.instant();
				Acknowledged acknowledged = state.acknowledge(acknowledgement.claim().id(), acknowledgement.recordIds(),
						now);
				Checkpoint checkpoint = acknowledgement.checkpoint();
				if (checkpoint != null) {
					acknowledged = new Acknowledged(acknowledged.acknowledged(), acknowledged.acknowledgedByAnother(),
							acknowledged.heldByAnother(), !state.replaceCheckpoint(checkpoint, now));
				}
				results.add(acknowledged);
			}
		}
		return results;
	}

	@Override
	public boolean deadLetter(HandoffClaim claim, String recordId, String reason) {
		Label state = label(claim.label());
		synchronized (state) {
			return state.deadLetterClaimed(claim.id(), recordId, reason, this.clock.instant());
		}
	}

	@Override
	public int release(HandoffClaim claim, Collection<String> recordIds) {
		Label state = label(claim.label());
		int released;
		int moved;
		synchronized (state) {
			int before = state.released.size();
			released = state.release(claim.id(), recordIds);
			moved = state.released.size() - before;
		}
		if (moved > 0) {
			notify(claim.label());
		}
		return released;
	}

	@Override
	public Map<String, Counts> inspect(Collection<String> labels) {
		Map<String, Counts> counts = new LinkedHashMap<>();
		for (String label : labels) {
			Label state = label(label);
			synchronized (state) {
				state.dropExpiredDeadLetters(this.clock.instant());
				counts.put(label, new Counts(state.pending.size() + state.released.size(), state.inFlight.size(),
						state.dead.size()));
			}
		}
		return counts;
	}

	@Override
	public List<StoredRecord> list(String label, int limit) {
		Label state = label(label);
		List<StoredRecord> records = new ArrayList<>();
		synchronized (state) {
			state.dropExpiredDeadLetters(this.clock.instant());
			List<Stored> waiting = new ArrayList<>(state.pending.values());
			waiting.addAll(state.released.values());
			waiting.stream().limit(limit).forEach((stored) -> records.add(stored.describe(Where.WAITING, null)));
			state.inFlight.values()
				.stream()
				.limit(limit)
				.forEach((stored) -> records.add(stored.describe(Where.IN_FLIGHT, null)));
			state.dead.values()
				.stream()
				.limit(limit)
				.forEach((dead) -> records.add(new StoredRecord(dead.record().id(), Where.DEAD_LETTERED,
						dead.record().version(), dead.record().origin(), dead.record().createdAt(), 0,
						dead.record().data().length, dead.reason())));
		}
		return records;
	}

	@Override
	public boolean requeueDeadLetter(String label, String recordId) {
		Label state = label(label);
		synchronized (state) {
			Dead dead = state.dead.remove(recordId);
			if (dead == null) {
				return false;
			}
			state.pending.put(recordId, new Stored(dead.record(), this.clock.instant().plus(this.policy.ttl())));
		}
		notify(label);
		return true;
	}

	@Override
	public boolean deleteDeadLetter(String label, String recordId) {
		Label state = label(label);
		synchronized (state) {
			return state.dead.remove(recordId) != null;
		}
	}

	@Override
	public Map<String, Long> waiting(int maxLabels) {
		Map<String, Long> waiting = new LinkedHashMap<>();
		for (Label state : this.labels.values()) {
			synchronized (state) {
				long count = (long) state.pending.size() + state.released.size();
				if (count > 0 && waiting.size() < maxLabels) {
					waiting.put(state.name, count);
				}
			}
		}
		return waiting;
	}

	@Override
	public HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable) {
		List<String> subscribed = List.copyOf(labels);
		subscribed.forEach((label) -> this.subscribers.computeIfAbsent(label, (key) -> new CopyOnWriteArrayList<>())
			.add(onAvailable));
		// As with Redis, establishing the subscription counts as a notification.
		onAvailable.accept(subscribed);
		return () -> subscribed.forEach((label) -> this.subscribers.computeIfPresent(label, (key, listeners) -> {
			listeners.remove(onAvailable);
			return listeners;
		}));
	}

	/**
	 * Returns the dead letters of a label, with the reason of each.
	 * @param label the label
	 * @return record id → reason
	 */
	public Map<String, String> deadLetters(String label) {
		Label state = label(label);
		synchronized (state) {
			state.dropExpiredDeadLetters(this.clock.instant());
			Map<String, String> reasons = new LinkedHashMap<>();
			state.dead.forEach((id, dead) -> reasons.put(id, dead.reason));
			return reasons;
		}
	}

	private void notify(String label) {
		this.subscribers.getOrDefault(label, List.of()).forEach((subscriber) -> subscriber.accept(List.of(label)));
	}

	private Label label(String label) {
		return this.labels.computeIfAbsent(label, Label::new);
	}

	/**
	 * The records of one label, with the same bounds as the Redis store: acknowledged ids
	 * are remembered for the ttl, dead letters for the dead-letter ttl. Every access
	 * holds the label's monitor.
	 */
	private final class Label {

		private final String name;

		/** Waiting records, and records released for a newer version, by id. */
		private final Map<String, Stored> pending = new LinkedHashMap<>();

		private final Map<String, Stored> released = new LinkedHashMap<>();

		private final Map<String, Stored> inFlight = new LinkedHashMap<>();

		private final Map<String, Instant> leases = new LinkedHashMap<>();

		/**
		 * Acknowledged ids, oldest first, with the claim that acknowledged each and when.
		 */
		private final LinkedHashMap<String, Acked> acked = new LinkedHashMap<>();

		private final LinkedHashMap<String, Dead> dead = new LinkedHashMap<>();

		Label(String name) {
			this.name = name;
		}

		boolean add(HandoffRecord<byte[]> record, Instant now) {
			forgetAcknowledged(now);
			dropExpiredDeadLetters(now);
			String id = record.id();
			if (isKnown(id)) {
				return false;
			}
			Policy policy = InMemoryHandoffStore.this.policy;
			this.pending.put(id, new Stored(record.withData(record.data().clone()), now.plus(policy.ttl())));
			return true;
		}

		private boolean isKnown(String id) {
			return this.pending.containsKey(id) || this.released.containsKey(id) || this.inFlight.containsKey(id)
					|| this.acked.containsKey(id) || this.dead.containsKey(id);
		}

		HandoffClaim claim(String claimId, int version, Instant now) {
			Policy policy = InMemoryHandoffStore.this.policy;
			List<HandoffClaim.DeadLetter> deadLettered = new ArrayList<>();
			List<String> redelivered = new ArrayList<>();
			dropExpiredDeadLetters(now);
			// Lapsed claims give their records back, or to the dead letters after max
			// deliveries.
			for (Stored stored : List.copyOf(this.inFlight.values())) {
				Instant deadline = this.leases.get(stored.owner);
				if (deadline != null && deadline.isAfter(now)) {
					continue;
				}
				this.inFlight.remove(stored.record.id());
				boolean checkpoint = stored.owner != null && stored.owner.startsWith(CHECKPOINT_PREFIX);
				stored.owner = null;
				if (checkpoint) {
					// Its instance died without shutdown: it waits for a first taker.
					this.pending.put(stored.record.id(), new Stored(stored.record, now.plus(policy.ttl())));
				}
				else if (stored.attempts >= policy.maxDeliveries()) {
					deadLettered.add(deadLetter(stored, HandoffClaim.Cause.MAX_DELIVERIES,
							"max deliveries: " + policy.maxDeliveries() + " claims ended without an acknowledgement",
							now));
				}
				else {
					this.pending.put(stored.record.id(), stored);
					redelivered.add(stored.record.id());
				}
			}
			this.leases.values().removeIf((deadline) -> !deadline.isAfter(now));
			// The ttl bounds the wait for a first taker, or for a taker of a released
			// record's version.
			expire(this.pending, (stored) -> stored.attempts == 0, "expired: nobody claimed it within the ttl", now,
					deadLettered);
			expire(this.released, (stored) -> true, null, now, deadLettered);
			List<Stored> candidates = new ArrayList<>(this.pending.values());
			this.released.values()
				.stream()
				.filter((stored) -> stored.record.version() <= version)
				.forEach(candidates::add);
			candidates.sort(Comparator.comparing((stored) -> stored.expiresAt));
			List<HandoffClaim.Delivery> deliveries = new ArrayList<>();
			long taken = 0;
			boolean more = false;
			for (Stored stored : candidates) {
				long size = stored.record.data().length;
				if (size > policy.maxRecordSize()) {
					remove(stored);
					deadLettered.add(deadLetter(stored, HandoffClaim.Cause.TOO_LARGE,
							"too large: " + size + " bytes, over the taker's limit of " + policy.maxRecordSize(), now));
				}
				else if (deliveries.isEmpty() || taken + size <= policy.maxClaimSize()) {
					remove(stored);
					stored.attempts++;
					stored.owner = claimId;
					this.inFlight.put(stored.record.id(), stored);
					deliveries.add(new HandoffClaim.Delivery(stored.record.withData(stored.record.data().clone()),
							stored.attempts));
					taken += size;
				}
				else {
					more = true;
				}
			}
			if (!deliveries.isEmpty()) {
				this.leases.put(claimId, now.plus(policy.lease()));
			}
			deliveries.sort(Comparator.comparing((delivery) -> delivery.record().createdAt()));
			return new HandoffClaim(claimId, this.name, deliveries, List.of(), deadLettered, redelivered, more);
		}

		private void expire(Map<String, Stored> records, java.util.function.Predicate<Stored> waitingForFirstTaker,
				@Nullable String reason, Instant now, List<HandoffClaim.DeadLetter> deadLettered) {
			for (Stored stored : List.copyOf(records.values())) {
				if (!stored.expiresAt.isAfter(now) && waitingForFirstTaker.test(stored)) {
					records.remove(stored.record.id());
					int version = stored.record.version();
					deadLettered.add(deadLetter(stored, HandoffClaim.Cause.EXPIRED,
							(reason != null) ? reason : "expired: version " + version
									+ ", and no instance that reads version " + version + " claimed it within the ttl",
							now));
				}
			}
		}

		/**
		 * Replaces (or removes) an instance's checkpoint of this label.
		 * @return whether the instance had none, or its checkpoint was still its own
		 */
		boolean replaceCheckpoint(Checkpoint checkpoint, Instant now) {
			String claimId = checkpointId(checkpoint.instance());
			boolean had = removeCheckpoint(claimId);
			if (checkpoint.previous() != null && !had) {
				// Lapsed and claimed: what this instance holds now includes state another
				// instance merged, and it is not written again.
				return false;
			}
			HandoffRecord<byte[]> record = checkpoint.record();
			if (record != null) {
				Stored stored = new Stored(record.withData(record.data().clone()), now);
				stored.owner = claimId;
				this.inFlight.put(record.id(), stored);
				this.leases.put(claimId, now.plus(checkpoint.lease()));
			}
			return true;
		}

		/** Removes an instance's checkpoint, and says whether there was one. */
		private boolean removeCheckpoint(String claimId) {
			boolean removed = this.inFlight.values().removeIf((stored) -> claimId.equals(stored.owner));
			this.leases.remove(claimId);
			return removed;
		}

		Initiated handOff(HandoffRecord<byte[]> record, String claimId, String checkpoint, Instant now) {
			String id = record.id();
			if (isKnown(id)) {
				return Initiated.stored(id);
			}
			if (!removeCheckpoint(claimId) && this.pending.remove(checkpoint) == null) {
				this.dead.put(id,
						new Dead(record,
								"superseded: checkpoint " + checkpoint + " of the same instance "
										+ "lapsed and was claimed, so part of this state was merged already",
								now.plus(InMemoryHandoffStore.this.policy.deadLetterTtl())));
				return new Initiated(id, Outcome.NOT_STORED, LAPSED_CHECKPOINT, false, null);
			}
			add(record, now);
			return Initiated.stored(id);
		}

		private void remove(Stored stored) {
			this.pending.remove(stored.record.id());
			this.released.remove(stored.record.id());
		}

		Acknowledged acknowledge(String claimId, Collection<String> recordIds, Instant now) {
			List<String> acknowledged = new ArrayList<>();
			List<String> byAnother = new ArrayList<>();
			List<String> held = new ArrayList<>();
			for (String id : recordIds) {
				Stored stored = this.inFlight.get(id);
				Acked settled = this.acked.get(id);
				if (stored != null && claimId.equals(stored.owner)) {
					this.inFlight.remove(id);
					this.acked.put(id, new Acked(claimId, now));
					acknowledged.add(id);
				}
				else if (settled != null) {
					(settled.claimId.equals(claimId) ? acknowledged : byAnother).add(id);
				}
				else {
					held.add(id);
				}
			}
			if (this.inFlight.values().stream().noneMatch((stored) -> claimId.equals(stored.owner))) {
				this.leases.remove(claimId);
			}
			forgetAcknowledged(now);
			return new Acknowledged(acknowledged, byAnother, held);
		}

		boolean deadLetterClaimed(String claimId, String recordId, String reason, Instant now) {
			Stored stored = this.inFlight.get(recordId);
			if (stored == null || !claimId.equals(stored.owner)) {
				return this.dead.containsKey(recordId);
			}
			this.inFlight.remove(recordId);
			deadLetter(stored, null, reason, now);
			return true;
		}

		int release(String claimId, Collection<String> recordIds) {
			int released = 0;
			for (String id : recordIds) {
				Stored stored = this.inFlight.get(id);
				if (stored != null && claimId.equals(stored.owner)) {
					this.inFlight.remove(id);
					stored.owner = null;
					stored.attempts--;
					this.released.put(id, stored);
					released++;
				}
				else if (this.released.containsKey(id)) {
					released++;
				}
			}
			return released;
		}

		private HandoffClaim.DeadLetter deadLetter(Stored stored, HandoffClaim.@Nullable Cause cause, String reason,
				Instant now) {
			this.dead.put(stored.record.id(),
					new Dead(stored.record, reason, now.plus(InMemoryHandoffStore.this.policy.deadLetterTtl())));
			return new HandoffClaim.DeadLetter(stored.record.id(), (cause != null) ? cause : HandoffClaim.Cause.EXPIRED,
					reason);
		}

		/** Drops dead letters past their own ttl. */
		void dropExpiredDeadLetters(Instant now) {
			this.dead.values().removeIf((dead) -> !dead.expiresAt.isAfter(now));
		}

		/**
		 * Forgets acknowledged ids past the ttl: no replay of their initiate arrives
		 * later than that.
		 */
		private void forgetAcknowledged(Instant now) {
			Instant cutoff = now.minus(InMemoryHandoffStore.this.policy.acknowledgedRetention());
			this.acked.values().removeIf((acked) -> !acked.at.isAfter(cutoff));
		}

	}

	private static final class Stored {

		final HandoffRecord<byte[]> record;

		final Instant expiresAt;

		int attempts;

		@Nullable String owner;

		Stored(HandoffRecord<byte[]> record, Instant expiresAt) {
			this.record = record;
			this.expiresAt = expiresAt;
		}

		StoredRecord describe(Where where, @Nullable String reason) {
			return new StoredRecord(this.record.id(), where, this.record.version(), this.record.origin(),
					this.record.createdAt(), this.attempts, this.record.data().length, reason);
		}

	}

	private record Acked(String claimId, Instant at) {
	}

	private record Dead(HandoffRecord<byte[]> record, String reason, Instant expiresAt) {
	}

}
