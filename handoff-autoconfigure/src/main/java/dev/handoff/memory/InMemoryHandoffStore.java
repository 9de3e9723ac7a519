package dev.handoff.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A {@link HandoffStore} that keeps records in this JVM's heap. Records handed off here reach only subscribers in the
 * same JVM, and die with it: use it in tests, or to hand state between application contexts of one process. It keeps
 * the same contract as the Redis store: leases, delivery counts, dead letters and expiry.
 */
public class InMemoryHandoffStore implements HandoffStore {

	private static final Log logger = LogFactory.getLog(InMemoryHandoffStore.class);

	private final Policy policy;

	private final Clock clock;

	private final Map<String, Label> labels = new ConcurrentHashMap<>();

	private final Map<String, List<Consumer<Collection<String>>>> subscribers = new ConcurrentHashMap<>();

	public InMemoryHandoffStore(Policy policy) {
		this(policy, Clock.systemUTC());
	}

	/**
	 * Creates a store that reads the time from the given clock, so tests can let leases lapse.
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
				added = state.add(record, this.clock.instant().plus(this.policy.ttl()));
			}
			if (added) {
				notify(record.label());
			}
			results.add(Initiated.stored(record.id()));
		}
		return results;
	}

	@Override
	public Claims claim(Collection<String> labels, String claimer) {
		Map<String, HandoffClaim> claims = new LinkedHashMap<>();
		for (String label : labels) {
			Label state = label(label);
			synchronized (state) {
				Instant now = this.clock.instant();
				state.expire(now);
				state.reclaim(now);
				claims.put(label, state.claim(claimer + "/" + UUID.randomUUID(), now.plus(this.policy.lease())));
			}
		}
		return new Claims(claims, Map.of());
	}

	@Override
	public int acknowledge(HandoffClaim claim, Collection<String> recordIds) {
		Label state = label(claim.label());
		synchronized (state) {
			return state.acknowledge(claim.id(), recordIds);
		}
	}

	@Override
	public String deadLetter(HandoffClaim claim, String recordId, String reason) {
		Label state = label(claim.label());
		synchronized (state) {
			return state.deadLetterClaimed(claim.id(), recordId, reason)
					? "the in-memory dead letters of label '" + claim.label() + "'"
					: "nowhere: the lease of claim " + claim.id() + " lapsed, so another claim will get it";
		}
	}

	@Override
	public HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable) {
		List<String> subscribed = List.copyOf(labels);
		subscribed.forEach((label) -> this.subscribers.computeIfAbsent(label, (key) -> new CopyOnWriteArrayList<>())
			.add(onAvailable));
		// As with Redis, establishing the subscription counts as a notification.
		onAvailable.accept(subscribed);
		return () -> subscribed.forEach((label) -> this.subscribers.get(label).remove(onAvailable));
	}

	/**
	 * Returns the dead letters of a label, with the reason of each.
	 * @param label the label
	 * @return record id → reason
	 */
	public Map<String, String> deadLetters(String label) {
		Label state = label(label);
		synchronized (state) {
			return Map.copyOf(state.deadReasons);
		}
	}

	private void notify(String label) {
		this.subscribers.getOrDefault(label, List.of()).forEach((subscriber) -> subscriber.accept(List.of(label)));
	}

	private Label label(String label) {
		return this.labels.computeIfAbsent(label, Label::new);
	}

	/** The records of one label; every access holds the label's monitor. */
	private final class Label {

		private final String name;

		private final Map<String, Stored> pending = new LinkedHashMap<>();

		private final Map<String, Stored> inFlight = new LinkedHashMap<>();

		private final Map<String, Instant> leases = new LinkedHashMap<>();

		private final Set<String> settled = new HashSet<>();

		private final Map<String, HandoffRecord<byte[]>> dead = new LinkedHashMap<>();

		private final Map<String, String> deadReasons = new LinkedHashMap<>();

		Label(String name) {
			this.name = name;
		}

		boolean add(HandoffRecord<byte[]> record, Instant expiresAt) {
			String id = record.id();
			if (this.pending.containsKey(id) || this.inFlight.containsKey(id) || this.settled.contains(id)) {
				return false;
			}
			this.pending.put(id, new Stored(record.withData(record.data().clone()), expiresAt));
			return true;
		}

		void expire(Instant now) {
			this.pending.values().removeIf((stored) -> {
				if (stored.expiresAt.isAfter(now)) {
					return false;
				}
				deadLetter(stored, "expired: nobody claimed it within the ttl");
				logger.error("Handoff record " + stored.record.id() + " of label '" + this.name + "' expired after "
						+ InMemoryHandoffStore.this.policy.ttl() + " without a taker; moved to the dead letters.");
				return true;
			});
		}

		void reclaim(Instant now) {
			for (Stored stored : List.copyOf(this.inFlight.values())) {
				Instant deadline = this.leases.get(stored.owner);
				if (deadline == null || deadline.isAfter(now)) {
					continue;
				}
				this.inFlight.remove(stored.record.id());
				if (stored.attempts >= InMemoryHandoffStore.this.policy.maxDeliveries()) {
					deadLetter(stored, "max deliveries");
					logger.error("Handoff record " + stored.record.id() + " of label '" + this.name + "' was claimed "
							+ stored.attempts + " times without an acknowledgement; moved to the dead letters.");
				}
				else {
					logger.warn("Lease of claim " + stored.owner + " on label '" + this.name + "' lapsed before "
							+ "acknowledgement; record " + stored.record.id() + " will be delivered again");
					stored.owner = null;
					this.pending.put(stored.record.id(), stored);
				}
			}
			this.leases.values().removeIf((deadline) -> !deadline.isAfter(now));
		}

		HandoffClaim claim(String claimId, Instant leaseDeadline) {
			List<HandoffClaim.Delivery> deliveries = new ArrayList<>();
			for (Stored stored : this.pending.values()) {
				stored.attempts++;
				stored.owner = claimId;
				this.inFlight.put(stored.record.id(), stored);
				deliveries.add(new HandoffClaim.Delivery(stored.record.withData(stored.record.data().clone()),
						stored.attempts));
			}
			this.pending.clear();
			if (!deliveries.isEmpty()) {
				this.leases.put(claimId, leaseDeadline);
			}
			deliveries.sort(Comparator.comparing((delivery) -> delivery.record().createdAt()));
			return new HandoffClaim(claimId, this.name, deliveries);
		}

		int acknowledge(String claimId, Collection<String> recordIds) {
			int acknowledged = 0;
			for (String id : recordIds) {
				Stored stored = this.inFlight.get(id);
				if (stored != null && claimId.equals(stored.owner)) {
					this.inFlight.remove(id);
					this.settled.add(id);
					acknowledged++;
				}
				else if (this.settled.contains(id) && !this.dead.containsKey(id)) {
					acknowledged++;
				}
			}
			return acknowledged;
		}

		boolean deadLetterClaimed(String claimId, String recordId, String reason) {
			Stored stored = this.inFlight.get(recordId);
			if (stored == null || !claimId.equals(stored.owner)) {
				return false;
			}
			this.inFlight.remove(recordId);
			deadLetter(stored, reason);
			return true;
		}

		private void deadLetter(Stored stored, String reason) {
			this.settled.add(stored.record.id());
			this.dead.put(stored.record.id(), stored.record);
			this.deadReasons.put(stored.record.id(), reason);
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

	}

}
