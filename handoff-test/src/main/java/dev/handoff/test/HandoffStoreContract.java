package dev.handoff.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffClaim.Delivery;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Initiated;
import dev.handoff.HandoffStore.Outcome;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.HandoffSubscription;
import org.assertj.core.groups.Tuple;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The contract of a {@link HandoffStore}, written once and run against every store: a
 * subclass says how to create the store, how to let time pass on its clock and how to
 * read its dead letters, and JUnit 5 runs every test of the contract against it. Handoff
 * runs it against its own in-memory store, and against its Redis store on every topology
 * with Lettuce and with Jedis. <pre class="code">
 * class MyHandoffStoreContractTests extends HandoffStoreContract {
 *
 *     &#64;Override
 *     protected HandoffStore createStore(Policy policy) {
 *         return new MyHandoffStore(this.database, policy);
 *     }
 *
 *     &#64;Override
 *     protected void elapse(Duration duration) {
 *         this.clock.advance(duration);   // or Thread.sleep, for a store that reads a server's clock
 *     }
 *
 *     &#64;Override
 *     protected Map&lt;String, String&gt; deadLetters(String label) {
 *         return this.database.deadLetterReasons(label);
 *     }
 *
 * }
 * </pre> What the contract asks of the subclass:
 * <ul>
 * <li>Each test starts from an empty store (JUnit creates a test instance per test: a new
 * store, or a new key namespace, per instance does it).</li>
 * <li>Stores created during one test share their records, as the instances of one
 * application share one Redis: several tests create one store per instance and race them,
 * and notifications of one reach the subscribers of another.</li>
 * <li>{@link #elapse(Duration)} lets leases lapse and records expire; the tests let a few
 * seconds pass in all, so a store that reads the time of a server may sleep.</li>
 * </ul>
 * The tests cover the optional operations of {@link HandoffStore} too ({@code inspect},
 * {@code list}, {@code requeueDeadLetter}, {@code deleteDeadLetter}, {@code waiting}). A
 * store that does not offer one overrides that test without {@code @Test} (or with
 * {@code @Disabled}); JUnit does not run an overridden test method that is not annotated
 * again.
 */
public abstract class HandoffStoreContract {

	/**
	 * Long enough that nothing lapses or expires unless a test lets time pass on purpose.
	 */
	protected static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	/** A lease that tests let lapse with {@link #LAPSE}. */
	protected static final Duration SHORT_LEASE = Duration.ofMillis(300);

	/**
	 * A heartbeat lease that tests renew at half of it, long enough for a loaded machine.
	 */
	protected static final Duration HEARTBEAT_LEASE = Duration.ofSeconds(1);

	/** More than {@link #SHORT_LEASE}, so a lease taken before it has lapsed after it. */
	protected static final Duration LAPSE = Duration.ofMillis(400);

	/**
	 * How long a test waits for a notification: pub/sub delivers in milliseconds, a
	 * loaded machine in seconds.
	 */
	protected static final Duration NOTIFICATION_TIMEOUT = Duration.ofSeconds(10);

	private static final Instant EPOCH = Instant.parse("2026-03-01T10:00:00Z");

	private static final AtomicLong sequence = new AtomicLong();

	/**
	 * Creates a store. Stores created during one test share their records, as instances
	 * of one application do, and all of them use the policy of the first.
	 * @param policy the policy
	 * @return the store
	 */
	protected abstract HandoffStore createStore(Policy policy);

	/**
	 * Lets the given time pass on the stores' clock, so that leases lapse and records
	 * expire.
	 * @param duration how much time
	 */
	protected abstract void elapse(Duration duration);

	/**
	 * Returns the dead letters of a label in the stores of the current test.
	 * @param label the label
	 * @return record id → reason
	 */
	protected abstract Map<String, String> deadLetters(String label);

	@Test
	public void claimOfALabelWithoutRecordsIsEmpty() {
		HandoffStore store = createStore(POLICY);
		HandoffClaim claim = store.claim("empty", "taker");
		assertThat(claim.isEmpty()).isTrue();
		assertThat(claim.label()).isEqualTo("empty");
	}

	@Test
	public void claimTakesEveryRecordOfItsLabelOnFirstAttempt() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> first = record("cache");
		HandoffRecord<byte[]> second = record("cache");
		HandoffRecord<byte[]> other = record("sessions");
		store.initiate(first);
		store.initiate(second);
		store.initiate(other);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(claim.label()).isEqualTo("cache");
		assertThat(ids(claim)).containsExactly(first.id(), second.id());
		assertThat(claim.deliveries()).extracting(Delivery::attempt).containsExactly(1, 1);
		assertThat(ids(store.claim("sessions", "taker"))).containsExactly(other.id());
	}

	@Test
	public void claimTakesThousandsOfRecordsAtOnce() {
		// More than a Lua unpack() can spread into one command's arguments (about 8000).
		HandoffStore store = createStore(POLICY);
		List<String> initiated = new ArrayList<>();
		List<HandoffRecord<byte[]>> batch = new ArrayList<>();
		for (int i = 0; i < 8200; i++) {
			HandoffRecord<byte[]> record = record("crowded");
			batch.add(record);
			initiated.add(record.id());
			if (batch.size() == 1000 || i == 8199) {
				assertThat(store.initiate(batch)).allSatisfy((result) -> assertThat(result.isStored()).isTrue());
				batch.clear();
			}
		}
		HandoffClaim claim = store.claim("crowded", "taker");
		assertThat(ids(claim)).containsExactlyElementsOf(initiated);
		assertThat(claim.deliveries()).allSatisfy((delivery) -> assertThat(delivery.attempt()).isOne());
		assertThat(store.acknowledge(claim, initiated)).isEqualTo(initiated.size());
	}

	@Test
	public void secondClaimGetsNoneWhileTheLeaseHolds() {
		HandoffStore store = createStore(POLICY);
		HandoffStore otherInstance = createStore(POLICY);
		store.initiate(record("cache"));
		store.initiate(record("cache"));
		assertThat(store.claim("cache", "first").deliveries()).hasSize(2);
		assertThat(otherInstance.claim("cache", "second").isEmpty()).isTrue();
		assertThat(store.claim("cache", "first").isEmpty()).isTrue();
	}

	@Test
	public void claimTakesRecordsInitiatedAfterAnEarlierClaim() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> early = record("cache");
		HandoffRecord<byte[]> late = record("cache");
		store.initiate(early);
		HandoffClaim first = store.claim("cache", "taker");
		store.initiate(late);
		HandoffClaim second = store.claim("cache", "taker");
		assertThat(ids(first)).containsExactly(early.id());
		assertThat(ids(second)).containsExactly(late.id());
		assertThat(second.id()).isNotEqualTo(first.id());
	}

	@Test
	public void initiateSaysOfEachRecordOfABatchInOrderThatItIsStored() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> first = record("cache");
		HandoffRecord<byte[]> second = record("sessions");
		assertThat(store.initiate(List.of(first, second))).extracting(Initiated::recordId, Initiated::outcome)
			.containsExactly(Tuple.tuple(first.id(), Outcome.STORED), Tuple.tuple(second.id(), Outcome.STORED));
		assertThat(ids(store.claim("cache", "taker"))).containsExactly(first.id());
		assertThat(ids(store.claim("sessions", "taker"))).containsExactly(second.id());
	}

	@Test
	public void initiateIsIdempotentPerRecordId() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		assertThat(store.initiate(record).isStored()).isTrue();
		// A retry after a lost reply: stored already, which is no failure.
		assertThat(store.initiate(record)).satisfies((again) -> {
			assertThat(again.recordId()).isEqualTo(record.id());
			assertThat(again.isStored()).isTrue();
		});
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		assertThat(claim.deliveries().get(0).attempt()).isEqualTo(1);
	}

	@Test
	public void initiateOfAClaimedRecordDoesNotStoreItAgain() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.initiate(record).isStored()).as("known already").isTrue();
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	public void initiateOfAnAcknowledgedRecordDoesNotBringItBack() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		store.initiate(record);
		assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
	}

	@Test
	public void initiateOfADeadLetteredRecordDoesNotBringItBack() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(store.deadLetter(store.claim("cache", "taker"), record.id(), "unknown version")).isTrue();
		store.initiate(record);
		assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
		assertThat(deadLetters("cache")).containsOnlyKeys(record.id());
	}

	@Test
	public void initiateOfARecordMadeAvailableAgainByALapsedLeaseKeepsOneCopy() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(ids(store.claim("cache", "crashed"))).containsExactly(record.id());
		elapse(LAPSE);
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		assertThat(claim.deliveries().get(0).attempt()).isEqualTo(2);
	}

	@Test
	public void acknowledgeRemovesRecordsForGood() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> first = record("cache");
		HandoffRecord<byte[]> second = record("cache");
		store.initiate(first);
		store.initiate(second);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(first.id(), second.id()))).isEqualTo(2);
		elapse(LAPSE);
		assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
		assertThat(deadLetters("cache")).isEmpty();
	}

	@Test
	public void acknowledgeOfSomeRecordsLeavesTheOthersToBeDeliveredAgain() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> merged = record("cache");
		HandoffRecord<byte[]> notMerged = record("cache");
		store.initiate(merged);
		store.initiate(notMerged);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(merged.id()))).isOne();
		elapse(LAPSE);
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(ids(again)).containsExactly(notMerged.id());
		assertThat(again.deliveries().get(0).attempt()).isEqualTo(2);
	}

	@Test
	public void acknowledgeCountsOnlyRecordsTheClaimHolds() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(record.id(), "never-stored"))).isOne();
		assertThat(store.acknowledge(claim, List.of())).isZero();
	}

	@Test
	public void acknowledgeIsIdempotentForTheClaimThatHeldTheRecords() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		// What a replay after a lost reply does: the answer must not tell the caller its
		// lease lapsed.
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
	}

	@Test
	public void staleClaimCannotAcknowledgeRecordsThatAnotherClaimTookAfterItsLeaseLapsed() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim stale = store.claim("cache", "slow");
		elapse(LAPSE);
		HandoffClaim current = store.claim("cache", "fast");
		assertThat(ids(current)).containsExactly(record.id());
		assertThat(store.acknowledge(stale, List.of(record.id()))).isZero();
		assertThat(store.acknowledge(current, List.of(record.id()))).isOne();
		assertThat(store.claim("cache", "fast").isEmpty()).isTrue();
	}

	@Test
	public void claimWhoseLeaseLapsedCanStillAcknowledgeUntilAnotherClaimTakesTheRecords() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim slow = store.claim("cache", "slow");
		elapse(LAPSE);
		assertThat(store.acknowledge(slow, List.of(record.id()))).isOne();
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	public void recordIsRedeliveredWithItsAttemptRaisedWhenTheLeaseLapses() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(store.claim("cache", "crashed").deliveries()).extracting(Delivery::attempt).containsExactly(1);
		elapse(LAPSE);
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(ids(again)).containsExactly(record.id());
		assertThat(again.deliveries()).extracting(Delivery::attempt).containsExactly(2);
		assertThat(again.deliveries().get(0).record().data()).isEqualTo(record.data());
	}

	@Test
	public void recordIsDeadLetteredAfterMaxDeliveriesClaimsWithoutAcknowledgement() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 2));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(store.claim("cache", "crashed").deliveries()).extracting(Delivery::attempt).containsExactly(1);
		elapse(LAPSE);
		HandoffClaim second = store.claim("cache", "crashed");
		assertThat(second.deliveries()).extracting(Delivery::attempt).containsExactly(2);
		assertThat(second.redelivered()).containsExactly(record.id());
		elapse(LAPSE);
		HandoffClaim third = store.claim("cache", "taker");
		assertThat(third.isEmpty()).isTrue();
		assertThat(third.deadLettered()).singleElement().satisfies((dead) -> {
			assertThat(dead.recordId()).isEqualTo(record.id());
			assertThat(dead.cause()).isEqualTo(HandoffClaim.Cause.MAX_DELIVERIES);
		});
		assertThat(deadLetters("cache")).hasEntrySatisfying(record.id(),
				(reason) -> assertThat(reason).startsWith("max deliveries"));
		elapse(LAPSE);
		HandoffClaim fourth = store.claim("cache", "taker");
		assertThat(fourth.isEmpty()).isTrue();
		assertThat(fourth.deadLettered()).isEmpty();
	}

	@Test
	public void recordNobodyClaimsWithinTheTtlIsDeadLetteredAsExpired() {
		HandoffStore store = createStore(new Policy(Duration.ofMillis(500), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		elapse(Duration.ofMillis(600));
		HandoffRecord<byte[]> fresh = record("cache");
		store.initiate(fresh);
		HandoffClaim claim = store.claim("cache", "late");
		assertThat(ids(claim)).containsExactly(fresh.id());
		assertThat(claim.deadLettered()).extracting(HandoffClaim.DeadLetter::recordId, HandoffClaim.DeadLetter::cause)
			.containsExactly(Tuple.tuple(record.id(), HandoffClaim.Cause.EXPIRED));
		assertThat(deadLetters("cache")).containsOnlyKeys(record.id());
		assertThat(deadLetters("cache").get(record.id())).startsWith("expired");
	}

	@Test
	public void recordClaimedWithinTheTtlIsDeliveredAgainWhenItsLeaseLapsesAfterTheTtl() {
		// The ttl bounds the wait for a first taker; once taken, max-deliveries governs
		// the record.
		HandoffStore store = createStore(new Policy(Duration.ofMillis(600), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(ids(store.claim("cache", "crashed"))).containsExactly(record.id());
		elapse(Duration.ofMillis(700));
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(ids(again)).containsExactly(record.id());
		assertThat(again.deliveries()).extracting(Delivery::attempt).containsExactly(2);
		assertThat(deadLetters("cache")).isEmpty();
	}

	@Test
	public void deadLetterMovesOneClaimedRecord() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> unreadable = record("cache");
		HandoffRecord<byte[]> fine = record("cache");
		store.initiate(unreadable);
		store.initiate(fine);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.deadLetter(claim, unreadable.id(), "version 3 while the receiver reads version 2")).isTrue();
		// Idempotent, as a replay after a lost reply is.
		assertThat(store.deadLetter(claim, unreadable.id(), "version 3 while the receiver reads version 2")).isTrue();
		assertThat(deadLetters("cache"))
			.containsExactly(Map.entry(unreadable.id(), "version 3 while the receiver reads version 2"));
		assertThat(store.acknowledge(claim, List.of(unreadable.id()))).isZero();
		elapse(LAPSE);
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(ids(again)).containsExactly(fine.id());
	}

	@Test
	public void staleClaimCannotDeadLetterRecordsThatAnotherClaimTook() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim stale = store.claim("cache", "slow");
		elapse(LAPSE);
		HandoffClaim current = store.claim("cache", "fast");
		assertThat(store.deadLetter(stale, record.id(), "too late")).isFalse();
		assertThat(deadLetters("cache")).isEmpty();
		assertThat(store.acknowledge(current, List.of(record.id()))).isOne();
	}

	@Test
	public void subscriberIsNotifiedOnceOfAllItsLabelsWhenItSubscribesAndOfOneWhenARecordOfItIsInitiated()
			throws InterruptedException {
		HandoffStore store = createStore(POLICY);
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache", "sessions"), notified::add)) {
			assertThat(next(notified)).as("subscribed").containsExactlyInAnyOrder("cache", "sessions");
			// One publisher, one subscriber connection: a notification for 'other' would
			// arrive before 'sessions'.
			store.initiate(record("other"));
			store.initiate(record("sessions"));
			assertThat(next(notified)).as("initiated").containsExactly("sessions");
		}
	}

	@Test
	public void subscriberIsNotifiedOfRecordsAnotherInstanceInitiates() throws InterruptedException {
		HandoffStore store = createStore(POLICY);
		HandoffStore otherInstance = createStore(POLICY);
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), notified::add)) {
			assertThat(next(notified)).as("subscribed").containsExactly("cache");
			otherInstance.initiate(record("cache"));
			assertThat(next(notified)).as("initiated by the other instance").containsExactly("cache");
		}
	}

	@Test
	public void closedSubscriptionIsNotNotified() throws InterruptedException {
		HandoffStore store = createStore(POLICY);
		BlockingQueue<Collection<String>> closed = new LinkedBlockingQueue<>();
		BlockingQueue<Collection<String>> open = new LinkedBlockingQueue<>();
		HandoffSubscription closing = store.subscribe(List.of("cache"), closed::add);
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), open::add)) {
			assertThat(next(closed)).as("subscribed").containsExactly("cache");
			assertThat(next(open)).as("subscribed").containsExactly("cache");
			closing.close();
			store.initiate(record("cache"));
			assertThat(next(open)).as("initiated").containsExactly("cache");
			// Both subscriptions share the store's subscriber: the closed one would have
			// heard it by now.
			assertThat(closed).isEmpty();
		}
	}

	@Test
	public void eachDeadLetterExpiresOnItsOwnAfterTheDeadLetterTtl() {
		HandoffStore store = createStore(
				new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3, Duration.ofMillis(700)));
		HandoffRecord<byte[]> first = record("cache");
		store.initiate(first);
		assertThat(store.deadLetter(store.claim("cache", "taker"), first.id(), "first")).isTrue();
		elapse(Duration.ofMillis(400));
		HandoffRecord<byte[]> second = record("cache");
		store.initiate(second);
		assertThat(store.deadLetter(store.claim("cache", "taker"), second.id(), "second")).isTrue();
		elapse(Duration.ofMillis(400));
		// A new dead letter does not keep the old one: each expires on its own.
		assertThat(store.claim("cache", "taker").isEmpty()).as("dead letters are not delivered").isTrue();
		assertThat(deadLetters("cache")).containsOnlyKeys(second.id());
		elapse(Duration.ofMillis(400));
		assertThat(store.claim("cache", "taker").isEmpty()).as("dead letters are not delivered").isTrue();
		assertThat(deadLetters("cache")).isEmpty();
	}

	@Test
	public void acknowledgedIdIsRememberedForTheRetentionOnly() {
		Policy policy = new Policy(Duration.ofMillis(300), Duration.ofMillis(200), 1, Duration.ofHours(1));
		// ttl + max deliveries × lease + the ttl (shorter than ten minutes)
		assertThat(policy.acknowledgedRetention()).isEqualTo(Duration.ofMillis(800));
		HandoffStore store = createStore(policy);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		assertThat(store.acknowledge(store.claim("cache", "taker"), List.of(record.id()))).isOne();
		store.initiate(record);
		assertThat(store.claim("cache", "taker").isEmpty()).as("a replay within the retention").isTrue();
		elapse(Duration.ofMillis(900));
		// Forgotten after the retention, once the next acknowledgement trims: the set
		// does not grow with throughput.
		HandoffRecord<byte[]> later = record("cache");
		store.initiate(later);
		assertThat(store.acknowledge(store.claim("cache", "taker"), List.of(later.id()))).isOne();
		store.initiate(record);
		assertThat(ids(store.claim("cache", "taker"))).containsExactly(record.id());
	}

	@Test
	public void lateAcknowledgementLearnsThatAnotherClaimAcknowledgedFirst() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim slow = store.claim("cache", "slow");
		elapse(LAPSE);
		HandoffClaim fast = store.claim("cache", "fast");
		assertThat(store.acknowledge(List.of(new HandoffStore.Acknowledgement(fast, List.of(record.id())))))
			.singleElement()
			.satisfies((acknowledged) -> assertThat(acknowledged.acknowledged()).containsExactly(record.id()));
		HandoffStore.Acknowledged late = store
			.acknowledge(List.of(new HandoffStore.Acknowledgement(slow, List.of(record.id()))))
			.get(0);
		assertThat(late.acknowledged()).isEmpty();
		assertThat(late.acknowledgedByAnother()).containsExactly(record.id());
	}

	@Test
	public void acknowledgementOfARecordAnotherClaimHoldsSaysSo() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim slow = store.claim("cache", "slow");
		elapse(LAPSE);
		assertThat(ids(store.claim("cache", "fast"))).containsExactly(record.id());
		HandoffStore.Acknowledged late = store
			.acknowledge(List.of(new HandoffStore.Acknowledgement(slow, List.of(record.id()))))
			.get(0);
		assertThat(late.heldByAnother()).containsExactly(record.id());
		assertThat(late.acknowledged()).isEmpty();
	}

	@Test
	public void renewalKeepsTheLeaseWhileAMergeRuns() {
		HandoffStore store = createStore(policy(Duration.ofMillis(500), 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "slow");
		for (int i = 0; i < 4; i++) {
			elapse(Duration.ofMillis(250));
			assertThat(store.renew(claim)).isTrue();
		}
		assertThat(store.claim("cache", "other").isEmpty()).as("nobody else gets it while it is renewed").isTrue();
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		assertThat(store.renew(claim)).as("nothing left to renew").isFalse();
	}

	@Test
	public void releasedRecordOfANewerVersionGoesOnlyToAClaimerThatReadsItAndIsNotCountedAsADelivery() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> newer = record("cache", 2);
		HandoffRecord<byte[]> current = record("cache", 1);
		store.initiate(newer);
		store.initiate(current);
		HandoffClaim old = claim(store, "cache", 1, "old");
		assertThat(ids(old)).containsExactly(newer.id(), current.id());
		assertThat(store.release(old, List.of(newer.id()))).isOne();
		assertThat(store.release(old, List.of(newer.id()))).as("idempotent").isOne();
		assertThat(store.acknowledge(old, List.of(current.id()))).isOne();
		assertThat(claim(store, "cache", 1, "old").isEmpty()).isTrue();
		HandoffClaim upgraded = claim(store, "cache", 2, "new");
		assertThat(ids(upgraded)).containsExactly(newer.id());
		assertThat(upgraded.deliveries().get(0).attempt()).isOne();
		assertThat(upgraded.deliveries().get(0).record().data()).isEqualTo(newer.data());
	}

	@Test
	public void releasedRecordThatNoInstanceReadsIsDeadLetteredWhenItsTtlEnds() {
		HandoffStore store = createStore(new Policy(Duration.ofMillis(500), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> newer = record("cache", 2);
		store.initiate(newer);
		assertThat(store.release(claim(store, "cache", 1, "old"), List.of(newer.id()))).isOne();
		elapse(Duration.ofMillis(600));
		HandoffClaim claim = claim(store, "cache", 1, "old");
		assertThat(claim.isEmpty()).isTrue();
		assertThat(claim.deadLettered()).singleElement().satisfies((dead) -> {
			assertThat(dead.cause()).isEqualTo(HandoffClaim.Cause.EXPIRED);
			assertThat(dead.reason()).contains("version 2");
		});
		assertThat(deadLetters("cache")).containsOnlyKeys(newer.id());
	}

	@Test
	public void releaseNotifiesSubscribers() throws Exception {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache", 2);
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "sealed");
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), notified::add)) {
			assertThat(next(notified)).as("subscribed").containsExactly("cache");
			assertThat(store.release(claim, List.of(record.id()))).isOne();
			assertThat(next(notified)).as("released").containsExactly("cache");
		}
	}

	@Test
	public void claimTakesAtMostTheMaxClaimSizeAndSaysThatMoreWait() {
		HandoffStore store = createStore(
				new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3, Duration.ofHours(1), 1_000_000, 2_500));
		List<String> initiated = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			HandoffRecord<byte[]> record = record("cache", payload(1_000));
			store.initiate(record);
			initiated.add(record.id());
		}
		List<String> claimed = new ArrayList<>();
		HandoffClaim first = store.claim("cache", "taker");
		assertThat(first.deliveries()).hasSizeBetween(1, 2);
		assertThat(first.more()).isTrue();
		claimed.addAll(ids(first));
		HandoffClaim claim = first;
		while (claim.more()) {
			claim = store.claim("cache", "taker");
			claimed.addAll(ids(claim));
		}
		assertThat(claimed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(initiated);
	}

	@Test
	public void recordOverTheMaxRecordSizeIsDeadLetteredWithoutBeingTransferred() {
		// Written by a sender with a higher limit (or not through Handoff at all).
		HandoffStore store = createStore(
				new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3, Duration.ofHours(1), 100_000, 10_000_000));
		HandoffRecord<byte[]> large = record("cache", payload(200_000));
		HandoffRecord<byte[]> small = record("cache");
		store.initiate(large);
		store.initiate(small);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(small.id());
		assertThat(claim.deadLettered()).singleElement().satisfies((dead) -> {
			assertThat(dead.recordId()).isEqualTo(large.id());
			assertThat(dead.cause()).isEqualTo(HandoffClaim.Cause.TOO_LARGE);
		});
		assertThat(deadLetters("cache")).containsOnlyKeys(large.id());
	}

	@Test
	public void inspectCountsTheRecordsOfEachLabelByWhereTheyAre() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> unreadable = record("cache");
		store.initiate(unreadable);
		store.initiate(record("cache"));
		store.initiate(record("cache"));
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.deadLetter(claim, unreadable.id(), "unreadable")).isTrue();
		store.initiate(record("cache"));
		assertThat(store.inspect(List.of("cache", "empty"))).containsExactly(
				Map.entry("cache", new HandoffStore.Counts(1, 2, 1)),
				Map.entry("empty", new HandoffStore.Counts(0, 0, 0)));
	}

	@Test
	public void listDescribesEachRecordWithoutItsData() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> dead = record("cache");
		HandoffRecord<byte[]> inFlight = record("cache", 3);
		store.initiate(dead);
		store.initiate(inFlight);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.deadLetter(claim, dead.id(), "unreadable")).isTrue();
		HandoffRecord<byte[]> waiting = record("cache");
		store.initiate(waiting);
		assertThat(store.list("cache", 10)).extracting(HandoffStore.StoredRecord::id, HandoffStore.StoredRecord::where)
			.containsExactlyInAnyOrder(Tuple.tuple(waiting.id(), HandoffStore.Where.WAITING),
					Tuple.tuple(inFlight.id(), HandoffStore.Where.IN_FLIGHT),
					Tuple.tuple(dead.id(), HandoffStore.Where.DEAD_LETTERED));
		assertThat(store.list("cache", 10)).allSatisfy((stored) -> {
			assertThat(stored.origin()).isEqualTo("instance-a");
			assertThat(stored.size()).isGreaterThanOrEqualTo(waiting.data().length);
		});
		assertThat(store.list("cache", 10)).filteredOn((stored) -> stored.id().equals(inFlight.id()))
			.singleElement()
			.satisfies((stored) -> {
				assertThat(stored.version()).isEqualTo(3);
				assertThat(stored.attempts()).isOne();
				assertThat(stored.createdAt()).isEqualTo(inFlight.createdAt());
			});
		assertThat(store.list("cache", 10)).filteredOn((stored) -> stored.id().equals(dead.id()))
			.singleElement()
			.satisfies((stored) -> assertThat(stored.reason()).isEqualTo("unreadable"));
		assertThat(store.list("cache", 0)).isEmpty();
	}

	@Test
	public void requeuedDeadLetterIsDeliveredAgainAsAFirstDeliveryAndDeletedOneIsGone() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> requeued = record("cache");
		HandoffRecord<byte[]> deleted = record("cache");
		store.initiate(requeued);
		store.initiate(deleted);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.deadLetter(claim, requeued.id(), "fixed since")).isTrue();
		assertThat(store.deadLetter(claim, deleted.id(), "poison")).isTrue();
		assertThat(store.requeueDeadLetter("cache", requeued.id())).isTrue();
		assertThat(store.requeueDeadLetter("cache", requeued.id())).isFalse();
		assertThat(store.deleteDeadLetter("cache", deleted.id())).isTrue();
		assertThat(store.deleteDeadLetter("cache", deleted.id())).isFalse();
		assertThat(deadLetters("cache")).isEmpty();
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(again.deliveries()).singleElement().satisfies((delivery) -> {
			assertThat(delivery.record().id()).isEqualTo(requeued.id());
			assertThat(delivery.attempt()).isOne();
			assertThat(delivery.record().data()).isEqualTo(requeued.data());
		});
	}

	@Test
	public void waitingCountsTheRecordsOfEachLabel() {
		HandoffStore store = createStore(POLICY);
		store.initiate(record("renamed"));
		store.initiate(record("renamed"));
		store.initiate(record("current"));
		assertThat(ids(store.claim("current", "taker"))).hasSize(1);
		assertThat(store.waiting(10)).containsExactly(Map.entry("renamed", 2L));
	}

	@Test
	public void recordsComeBackOldestFirst() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> middle = record("cache", EPOCH.plusMillis(2));
		HandoffRecord<byte[]> newest = record("cache", EPOCH.plusSeconds(60));
		HandoffRecord<byte[]> oldest = record("cache", EPOCH.minusSeconds(3600));
		HandoffRecord<byte[]> secondOldest = record("cache", EPOCH.plusNanos(1_000));
		for (HandoffRecord<byte[]> record : List.of(middle, newest, oldest, secondOldest)) {
			store.initiate(record);
		}
		assertThat(ids(store.claim("cache", "taker"))).containsExactly(oldest.id(), secondOldest.id(), middle.id(),
				newest.id());
	}

	@ParameterizedTest
	@MethodSource("payloads")
	public void recordRoundTripsExactly(byte[] payload) {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = new HandoffRecord<>("rec-" + UUID.randomUUID(), "cache.v2_eu-1", 7,
				payload.clone(), "pod-7f9c\u00e9-\u2603:4711", Instant.parse("2026-03-01T10:15:30.123456789Z"));
		store.initiate(record);
		HandoffClaim claim = store.claim("cache.v2_eu-1", "taker");
		assertThat(claim.deliveries()).singleElement().satisfies((delivery) -> {
			HandoffRecord<byte[]> received = delivery.record();
			assertThat(received.data()).isEqualTo(payload);
			assertThat(received.id()).isEqualTo(record.id());
			assertThat(received.label()).isEqualTo(record.label());
			assertThat(received.version()).isEqualTo(7);
			assertThat(received.origin()).isEqualTo(record.origin());
			assertThat(received.createdAt()).isEqualTo(record.createdAt());
		});
	}

	/**
	 * The payloads {@link #recordRoundTripsExactly(byte[])} stores and reads back.
	 * @return the payloads, named
	 */
	protected static Stream<Arguments> payloads() {
		byte[] everyByte = new byte[512];
		for (int i = 0; i < everyByte.length; i++) {
			everyByte[i] = (byte) (255 - i);
		}
		byte[] mebibyte = new byte[1024 * 1024];
		new Random(42).nextBytes(mebibyte);
		byte[] notUtf8 = { (byte) 0xC3, 0x28, '\n', (byte) 0xFF, (byte) 0xFE, 0, '\n', '\r', (byte) 0xED, (byte) 0xA0,
				(byte) 0x80, '{', '"', '}', (byte) 0x80 };
		return Stream.of(Arguments.of(Named.of("empty", new byte[0])),
				Arguments.of(Named.of("every byte value", everyByte)),
				Arguments.of(Named.of("invalid UTF-8, NUL and newlines", notUtf8)),
				Arguments.of(Named.of("1 MiB of random bytes", mebibyte)));
	}

	@Test
	public void concurrentClaimersNeverGetTheSameRecordTwiceAndLoseNone() throws Exception {
		int claimers = 8;
		int records = 30;
		List<HandoffStore> stores = IntStream.range(0, claimers).mapToObj((i) -> createStore(POLICY)).toList();
		HandoffStore initiator = createStore(POLICY);
		ExecutorService executor = Executors.newFixedThreadPool(claimers);
		try {
			for (int round = 0; round < 25; round++) {
				String label = "race-" + round;
				Set<String> initiated = ConcurrentHashMap.newKeySet();
				List<String> claimed = Collections.synchronizedList(new ArrayList<>());
				AtomicInteger acknowledged = new AtomicInteger();
				CyclicBarrier start = new CyclicBarrier(claimers + 1);
				List<Future<?>> running = new ArrayList<>();
				for (int i = 0; i < claimers; i++) {
					HandoffStore store = stores.get(i);
					String claimer = "claimer-" + i;
					running.add(executor.submit(() -> {
						start.await();
						long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
						while (claimed.size() < records && System.nanoTime() < deadline) {
							HandoffClaim claim = store.claim(label, claimer);
							List<String> ids = ids(claim);
							claimed.addAll(ids);
							acknowledged.addAndGet(store.acknowledge(claim, ids));
						}
						return null;
					}));
				}
				start.await();
				for (int i = 0; i < records; i++) {
					HandoffRecord<byte[]> record = record(label);
					initiator.initiate(record);
					initiated.add(record.id());
				}
				for (Future<?> claimer : running) {
					claimer.get(30, TimeUnit.SECONDS);
				}
				assertThat(claimed).as("round %d", round)
					.doesNotHaveDuplicates()
					.containsExactlyInAnyOrderElementsOf(initiated);
				assertThat(acknowledged).hasValue(records);
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	/**
	 * Takes the next notification, waiting for it at most {@link #NOTIFICATION_TIMEOUT}.
	 * @param notifications the notifications a subscription received
	 * @return the labels of the next one, or null when none arrived in time
	 * @throws InterruptedException when interrupted while waiting
	 */
	protected static @Nullable Collection<String> next(BlockingQueue<Collection<String>> notifications)
			throws InterruptedException {
		return notifications.poll(NOTIFICATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * Claims one label for a claimer that reads records up to the given version.
	 * @param store the store
	 * @param label the label
	 * @param version the highest version the claimer reads
	 * @param claimer the claimer
	 * @return the claim, after asserting that the store reported no failure
	 */
	protected static HandoffClaim claim(HandoffStore store, String label, int version, String claimer) {
		HandoffStore.Claims claims = store.claim(List.of(new HandoffStore.ClaimRequest(label, version)), claimer);
		assertThat(claims.failures()).isEmpty();
		return claims.of(label);
	}

	/**
	 * Returns a payload of the given size.
	 * @param size the size in bytes
	 * @return the payload
	 */
	protected static byte[] payload(int size) {
		byte[] payload = new byte[size];
		Arrays.fill(payload, (byte) 'x');
		return payload;
	}

	/**
	 * Returns {@link #POLICY} with another lease and delivery limit.
	 * @param lease the lease
	 * @param maxDeliveries the delivery limit
	 * @return the policy
	 */
	protected static Policy policy(Duration lease, int maxDeliveries) {
		return new Policy(Duration.ofMinutes(5), lease, maxDeliveries, Duration.ofHours(1));
	}

	@Test
	public void chunksOfARecordAreClaimedWithItOnceItIsInitiatedAndGoWithItsAcknowledgement() {
		HandoffStore store = createStore(POLICY);
		assumeThat(store.chunkSize()).as("the store takes chunks").isPositive();
		HandoffRecord<byte[]> record = record("cache").withData(new byte[0]);
		byte[][] chunks = { filled('a', store.chunkSize()), filled('b', store.chunkSize()), filled('c', 10) };
		for (int i = 0; i < chunks.length; i++) {
			store.writeChunk("cache", record.id(), i, chunks[i], Duration.ofSeconds(10)).await();
		}
		assertThat(store.claim("cache", "taker").isEmpty()).as("a record whose initiate has not run").isTrue();
		assertThat(store.initiate(record).isStored()).isTrue();
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		for (int i = 0; i < chunks.length; i++) {
			assertThat(store.readChunk("cache", record.id(), i).await()).isEqualTo(chunks[i]);
		}
		assertThat(store.readChunk("cache", record.id(), chunks.length).await()).isNull();
		assertThat(store.acknowledge(claim, List.of(record.id()))).isEqualTo(1);
		assertThat(store.readChunk("cache", record.id(), 0).await()).isNull();
	}

	@Test
	public void chunksOfADeadLetterStayUntilItIsDeletedAndChunksNeverInitiatedCanBeDeleted() {
		HandoffStore store = createStore(POLICY);
		assumeThat(store.chunkSize()).as("the store takes chunks").isPositive();
		HandoffRecord<byte[]> dead = record("cache").withData(new byte[0]);
		store.writeChunk("cache", dead.id(), 0, filled('d', 10), Duration.ofSeconds(10)).await();
		assertThat(store.initiate(dead).isStored()).isTrue();
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.deadLetter(claim, dead.id(), "unreadable")).isTrue();
		assertThat(store.readChunk("cache", dead.id(), 0).await()).isEqualTo(filled('d', 10));
		assertThat(store.deleteDeadLetter("cache", dead.id())).isTrue();
		assertThat(store.readChunk("cache", dead.id(), 0).await()).isNull();
		String cut = UUID.randomUUID().toString();
		store.writeChunk("cache", cut, 0, filled('e', 10), Duration.ofSeconds(10)).await();
		store.deleteChunks("cache", cut);
		assertThat(store.readChunk("cache", cut, 0).await()).isNull();
	}

	@Test
	public void checkpointOfAnInstanceWhoseHeartbeatHoldsIsNeverClaimed() {
		HandoffStore store = createStore(POLICY);
		assumeThat(store.supportsCheckpoints()).as("the store keeps checkpoints").isTrue();
		HandoffRecord<byte[]> checkpoint = checkpoint("counters");
		assertThat(store.checkpoint(List.of(checkpointOf(checkpoint, null, HEARTBEAT_LEASE)))).singleElement()
			.satisfies((result) -> assertThat(result.written()).isTrue());
		for (int i = 0; i < 3; i++) {
			assertThat(store.claim("counters", "taker").isEmpty()).isTrue();
			elapse(HEARTBEAT_LEASE.dividedBy(2));
			assertThat(store.renewCheckpoints("instance-a", List.of("counters"), HEARTBEAT_LEASE)).isEmpty();
		}
		assertThat(store.claim("counters", "taker").isEmpty()).isTrue();
	}

	@Test
	public void checkpointWhoseHeartbeatLapsedIsDeliveredOnceAsACheckpoint() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		assumeThat(store.supportsCheckpoints()).as("the store keeps checkpoints").isTrue();
		HandoffRecord<byte[]> first = checkpoint("counters");
		HandoffRecord<byte[]> second = checkpoint("counters");
		store.checkpoint(List.of(checkpointOf(first, null, SHORT_LEASE)));
		assertThat(store.checkpoint(List.of(checkpointOf(second, first.id(), SHORT_LEASE)))).singleElement()
			.satisfies((result) -> assertThat(result.lapsed()).isFalse());
		elapse(LAPSE);
		HandoffClaim claim = store.claim("counters", "taker");
		assertThat(ids(claim)).containsExactly(second.id());
		HandoffRecord<byte[]> delivered = claim.deliveries().get(0).record();
		assertThat(delivered.isCheckpoint()).isTrue();
		assertThat(delivered.data()).isEqualTo(second.data());
		assertThat(claim.redelivered()).isEmpty();
		assertThat(store.acknowledge(claim, List.of(second.id()))).isOne();
		assertThat(store.renewCheckpoints("instance-a", List.of("counters"), SHORT_LEASE)).containsExactly("counters");
		elapse(LAPSE);
		assertThat(store.claim("counters", "taker").isEmpty()).isTrue();
		assertThat(deadLetters("counters")).isEmpty();
	}

	@Test
	public void handOffReplacesTheCheckpointOfItsLabelInOneStep() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		assumeThat(store.supportsCheckpoints()).as("the store keeps checkpoints").isTrue();
		HandoffRecord<byte[]> checkpoint = checkpoint("counters");
		HandoffRecord<byte[]> other = checkpoint("presence");
		store.checkpoint(List.of(checkpointOf(checkpoint, null, SHORT_LEASE), checkpointOf(other, null, SHORT_LEASE)));
		HandoffRecord<byte[]> last = record("counters");
		List<Initiated> results = store.handOff(List.of(last), "instance-a", Map.of("counters", checkpoint.id()),
				Duration.ofSeconds(10));
		assertThat(results).singleElement().satisfies((result) -> {
			assertThat(result.isStored()).isTrue();
			assertThat(result.problem()).isNull();
		});
		assertThat(store
			.checkpoint(List.of(new HandoffStore.Checkpoint("instance-a", "presence", null, other.id(), SHORT_LEASE))))
			.singleElement()
			.satisfies((result) -> assertThat(result.written()).isTrue());
		elapse(LAPSE);
		assertThat(ids(store.claim("counters", "taker"))).containsExactly(last.id());
		assertThat(store.claim("presence", "taker").isEmpty()).isTrue();
	}

	@Test
	public void handOffAfterTheCheckpointLapsedAndWasClaimedIsDeadLetteredAndNoCheckpointIsWrittenAgain() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		assumeThat(store.supportsCheckpoints()).as("the store keeps checkpoints").isTrue();
		HandoffRecord<byte[]> checkpoint = checkpoint("counters");
		store.checkpoint(List.of(checkpointOf(checkpoint, null, SHORT_LEASE)));
		elapse(LAPSE);
		HandoffClaim claim = store.claim("counters", "taker");
		assertThat(ids(claim)).containsExactly(checkpoint.id());
		assertThat(store.checkpoint(List.of(checkpointOf(checkpoint("counters"), checkpoint.id(), SHORT_LEASE))))
			.singleElement()
			.satisfies((result) -> assertThat(result.lapsed()).isTrue());
		HandoffRecord<byte[]> last = record("counters");
		assertThat(
				store.handOff(List.of(last), "instance-a", Map.of("counters", checkpoint.id()), Duration.ofSeconds(10)))
			.singleElement()
			.satisfies((result) -> {
				assertThat(result.outcome()).isEqualTo(Outcome.NOT_STORED);
				assertThat(result.retryable()).isFalse();
				assertThat(result.problem()).isEqualTo(HandoffStore.LAPSED_CHECKPOINT);
			});
		assertThat(deadLetters("counters")).containsOnlyKeys(last.id());
		assertThat(store.acknowledge(claim, List.of(checkpoint.id()))).isOne();
		elapse(LAPSE);
		assertThat(store.claim("counters", "taker").isEmpty()).isTrue();
	}

	@Test
	public void acknowledgeWritesTheCheckpointOfTheMergeInTheSameStep() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		assumeThat(store.supportsCheckpoints()).as("the store keeps checkpoints").isTrue();
		HandoffRecord<byte[]> record = record("counters");
		store.initiate(record);
		HandoffClaim claim = store.claim("counters", "instance-b");
		HandoffRecord<byte[]> merged = new HandoffRecord<>(UUID.randomUUID().toString(), "counters", 1,
				"{\"merged\":true}".getBytes(StandardCharsets.UTF_8), "instance-b", Instant.now(),
				Map.of(HandoffRecord.CHECKPOINT_HEADER, "true"));
		List<HandoffStore.Acknowledged> results = store
			.acknowledge(List.of(new HandoffStore.Acknowledgement(claim, List.of(record.id()),
					new HandoffStore.Checkpoint("instance-b", "counters", merged, null, SHORT_LEASE))));
		assertThat(results).singleElement().satisfies((result) -> {
			assertThat(result.acknowledged()).containsExactly(record.id());
			assertThat(result.checkpointLapsed()).isFalse();
		});
		assertThat(store.claim("counters", "taker").isEmpty()).isTrue();
		elapse(LAPSE);
		HandoffClaim afterCrash = store.claim("counters", "taker");
		assertThat(ids(afterCrash)).containsExactly(merged.id());
		assertThat(afterCrash.deliveries().get(0).record().isCheckpoint()).isTrue();
	}

	/**
	 * Returns a new record marked as a checkpoint, as {@link #record(String)} does.
	 * @param label the label
	 * @return the record
	 */
	protected static HandoffRecord<byte[]> checkpoint(String label) {
		return record(label).withHeaders(Map.of(HandoffRecord.CHECKPOINT_HEADER, "true"));
	}

	private static HandoffStore.Checkpoint checkpointOf(HandoffRecord<byte[]> record, @Nullable String previous,
			Duration lease) {
		return new HandoffStore.Checkpoint(record.origin(), record.label(), record, previous, lease);
	}

	/**
	 * Returns a new record of version 1 from {@code instance-a}, with a JSON payload and
	 * an id of its own, created after every record this method returned before.
	 * @param label the label
	 * @return the record
	 */
	protected static HandoffRecord<byte[]> record(String label) {
		return record(label, EPOCH.plusMillis(sequence.incrementAndGet()));
	}

	/**
	 * Returns a new record of the given version, as {@link #record(String)} does.
	 * @param label the label
	 * @param version the version of its state's shape
	 * @return the record
	 */
	protected static HandoffRecord<byte[]> record(String label, int version) {
		HandoffRecord<byte[]> record = record(label);
		return new HandoffRecord<>(record.id(), label, version, record.data(), record.origin(), record.createdAt());
	}

	/**
	 * Returns a new record with the given payload, as {@link #record(String)} does.
	 * @param label the label
	 * @param data the payload
	 * @return the record
	 */
	protected static HandoffRecord<byte[]> record(String label, byte[] data) {
		HandoffRecord<byte[]> record = record(label);
		return record.withData(data);
	}

	private static byte[] filled(char value, int length) {
		byte[] bytes = new byte[length];
		Arrays.fill(bytes, (byte) value);
		return bytes;
	}

	/**
	 * Returns a new record created at the given time, as {@link #record(String)} does.
	 * @param label the label
	 * @param createdAt when it was handed off
	 * @return the record
	 */
	protected static HandoffRecord<byte[]> record(String label, Instant createdAt) {
		String id = UUID.randomUUID().toString();
		return new HandoffRecord<>(id, label, 1, ("{\"record\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
				"instance-a", createdAt);
	}

	/**
	 * Returns the ids of the records a claim delivered, in their order.
	 * @param claim the claim
	 * @return the record ids
	 */
	protected static List<String> ids(HandoffClaim claim) {
		return claim.deliveries().stream().map((delivery) -> delivery.record().id()).toList();
	}

}
