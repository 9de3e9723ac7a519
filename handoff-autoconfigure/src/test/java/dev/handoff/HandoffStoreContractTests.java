package dev.handoff;

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
import java.util.concurrent.CopyOnWriteArrayList;
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

import dev.handoff.HandoffClaim.Delivery;
import dev.handoff.HandoffStore.Policy;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@link HandoffStore} contract, written once and run against every store by a subclass.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class HandoffStoreContractTests {

	/** Long enough that nothing lapses or expires unless a test lets time pass on purpose. */
	static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3, Duration.ofHours(1));

	static final Duration SHORT_LEASE = Duration.ofMillis(300);

	/** More than {@link #SHORT_LEASE}, so a lease taken before it has lapsed after it. */
	static final Duration LAPSE = Duration.ofMillis(400);

	private static final Instant EPOCH = Instant.parse("2026-03-01T10:00:00Z");

	private static final AtomicLong sequence = new AtomicLong();

	/**
	 * Creates a store. Stores created during one test share their records, as instances of one application do, and
	 * all of them use the policy of the first.
	 * @param policy the policy
	 * @return the store
	 */
	protected abstract HandoffStore createStore(Policy policy);

	/**
	 * Lets the given time pass on the stores' clock, so that leases lapse and records expire.
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
	void claimOfALabelWithoutRecordsIsEmpty() {
		HandoffStore store = createStore(POLICY);
		HandoffClaim claim = store.claim("empty", "taker");
		assertThat(claim.isEmpty()).isTrue();
		assertThat(claim.label()).isEqualTo("empty");
	}

	@Test
	void claimTakesEveryRecordOfItsLabelOnFirstAttempt() {
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
	void claimTakesThousandsOfRecordsAtOnce() {
		// More than a Lua unpack() can spread into one command's arguments (about 8000).
		HandoffStore store = createStore(POLICY);
		List<String> initiated = new ArrayList<>();
		for (int i = 0; i < 8200; i++) {
			HandoffRecord<byte[]> record = record("crowded");
			store.initiate(record);
			initiated.add(record.id());
		}
		HandoffClaim claim = store.claim("crowded", "taker");
		assertThat(ids(claim)).containsExactlyElementsOf(initiated);
		assertThat(claim.deliveries()).allSatisfy((delivery) -> assertThat(delivery.attempt()).isOne());
		assertThat(store.acknowledge(claim, initiated)).isEqualTo(initiated.size());
	}

	@Test
	void secondClaimGetsNoneWhileTheLeaseHolds() {
		HandoffStore store = createStore(POLICY);
		HandoffStore otherInstance = createStore(POLICY);
		store.initiate(record("cache"));
		store.initiate(record("cache"));
		assertThat(store.claim("cache", "first").deliveries()).hasSize(2);
		assertThat(otherInstance.claim("cache", "second").isEmpty()).isTrue();
		assertThat(store.claim("cache", "first").isEmpty()).isTrue();
	}

	@Test
	void claimTakesRecordsInitiatedAfterAnEarlierClaim() {
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
	void initiateIsIdempotentPerRecordId() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		assertThat(claim.deliveries().get(0).attempt()).isEqualTo(1);
	}

	@Test
	void initiateOfAClaimedRecordDoesNotStoreItAgain() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		store.initiate(record);
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	void initiateOfAnAcknowledgedRecordDoesNotBringItBack() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		store.acknowledge(claim, List.of(record.id()));
		store.initiate(record);
		assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
	}

	@Test
	void initiateOfADeadLetteredRecordDoesNotBringItBack() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		store.deadLetter(store.claim("cache", "taker"), record.id(), "unknown version");
		store.initiate(record);
		assertThat(store.claim("cache", "taker").isEmpty()).isTrue();
		assertThat(deadLetters("cache")).containsOnlyKeys(record.id());
	}

	@Test
	void initiateOfARecordMadeAvailableAgainByALapsedLeaseKeepsOneCopy() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		store.claim("cache", "crashed");
		elapse(LAPSE);
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		assertThat(claim.deliveries().get(0).attempt()).isEqualTo(2);
	}

	@Test
	void acknowledgeRemovesRecordsForGood() {
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
	void acknowledgeOfSomeRecordsLeavesTheOthersToBeDeliveredAgain() {
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
	void acknowledgeCountsOnlyRecordsTheClaimHolds() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(record.id(), "never-stored"))).isOne();
		assertThat(store.acknowledge(claim, List.of())).isZero();
	}

	@Test
	void acknowledgeIsIdempotentForTheClaimThatHeldTheRecords() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "taker");
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
		// What a replay after a lost reply does: the answer must not tell the caller its lease lapsed.
		assertThat(store.acknowledge(claim, List.of(record.id()))).isOne();
	}

	@Test
	void staleClaimCannotAcknowledgeRecordsThatAnotherClaimTookAfterItsLeaseLapsed() {
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
	void claimWhoseLeaseLapsedCanStillAcknowledgeUntilAnotherClaimTakesTheRecords() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim slow = store.claim("cache", "slow");
		elapse(LAPSE);
		assertThat(store.acknowledge(slow, List.of(record.id()))).isOne();
		assertThat(store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	void recordIsRedeliveredWithItsAttemptRaisedWhenTheLeaseLapses() {
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
	void recordIsDeadLetteredAfterMaxDeliveriesClaimsWithoutAcknowledgement() {
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
	void recordNobodyClaimsWithinTheTtlIsDeadLetteredAsExpired() {
		HandoffStore store = createStore(new Policy(Duration.ofMillis(500), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		elapse(Duration.ofMillis(600));
		HandoffRecord<byte[]> fresh = record("cache");
		store.initiate(fresh);
		HandoffClaim claim = store.claim("cache", "late");
		assertThat(ids(claim)).containsExactly(fresh.id());
		assertThat(claim.deadLettered()).extracting(HandoffClaim.DeadLetter::recordId, HandoffClaim.DeadLetter::cause)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(record.id(), HandoffClaim.Cause.EXPIRED));
		assertThat(deadLetters("cache")).containsOnlyKeys(record.id());
		assertThat(deadLetters("cache").get(record.id())).startsWith("expired");
	}

	@Test
	void recordClaimedWithinTheTtlIsDeliveredAgainWhenItsLeaseLapsesAfterTheTtl() {
		// The ttl bounds the wait for a first taker; once taken, max-deliveries governs the record.
		HandoffStore store = createStore(new Policy(Duration.ofMillis(600), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		store.claim("cache", "crashed");
		elapse(Duration.ofMillis(700));
		HandoffClaim again = store.claim("cache", "taker");
		assertThat(ids(again)).containsExactly(record.id());
		assertThat(again.deliveries()).extracting(Delivery::attempt).containsExactly(2);
		assertThat(deadLetters("cache")).isEmpty();
	}

	@Test
	void deadLetterMovesOneClaimedRecord() {
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
	void staleClaimCannotDeadLetterRecordsThatAnotherClaimTook() {
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
	void subscriberIsNotifiedOnceOfAllItsLabelsWhenItSubscribesAndOfOneWhenARecordOfItIsInitiated() {
		HandoffStore store = createStore(POLICY);
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache", "sessions"), notified::add)) {
			await().untilAsserted(() -> assertThat(notified).singleElement()
				.satisfies((labels) -> assertThat(labels).containsExactlyInAnyOrder("cache", "sessions")));
			notified.clear();
			// One publisher, one subscriber connection: a notification for 'other' would arrive before 'sessions'.
			store.initiate(record("other"));
			store.initiate(record("sessions"));
			await().untilAsserted(() -> assertThat(notified).containsExactly(List.of("sessions")));
		}
	}

	@Test
	void subscriberIsNotifiedOfRecordsAnotherInstanceInitiates() {
		HandoffStore store = createStore(POLICY);
		HandoffStore otherInstance = createStore(POLICY);
		BlockingQueue<String> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), notified::addAll)) {
			await().untilAsserted(() -> assertThat(notified).containsExactly("cache"));
			notified.clear();
			otherInstance.initiate(record("cache"));
			await().untilAsserted(() -> assertThat(notified).containsExactly("cache"));
		}
	}

	@Test
	void closedSubscriptionIsNotNotified() {
		HandoffStore store = createStore(POLICY);
		List<String> closed = new CopyOnWriteArrayList<>();
		List<String> open = new CopyOnWriteArrayList<>();
		HandoffSubscription closing = store.subscribe(List.of("cache"), closed::addAll);
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), open::addAll)) {
			await().untilAsserted(() -> {
				assertThat(closed).containsExactly("cache");
				assertThat(open).containsExactly("cache");
			});
			closing.close();
			closed.clear();
			open.clear();
			store.initiate(record("cache"));
			await().untilAsserted(() -> assertThat(open).containsExactly("cache"));
			assertThat(closed).isEmpty();
		}
	}

	@Test
	void eachDeadLetterExpiresOnItsOwnAfterTheDeadLetterTtl() {
		HandoffStore store = createStore(new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
				Duration.ofMillis(700)));
		HandoffRecord<byte[]> first = record("cache");
		store.initiate(first);
		assertThat(store.deadLetter(store.claim("cache", "taker"), first.id(), "first")).isTrue();
		elapse(Duration.ofMillis(400));
		HandoffRecord<byte[]> second = record("cache");
		store.initiate(second);
		assertThat(store.deadLetter(store.claim("cache", "taker"), second.id(), "second")).isTrue();
		elapse(Duration.ofMillis(400));
		// A new dead letter does not keep the old one: each expires on its own.
		store.claim("cache", "taker");
		assertThat(deadLetters("cache")).containsOnlyKeys(second.id());
		elapse(Duration.ofMillis(400));
		store.claim("cache", "taker");
		assertThat(deadLetters("cache")).isEmpty();
	}

	@Test
	void acknowledgedIdIsRememberedForTheRetentionOnly() {
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
		// Forgotten after the retention, once the next acknowledgement trims: the set does not grow with throughput.
		HandoffRecord<byte[]> later = record("cache");
		store.initiate(later);
		store.acknowledge(store.claim("cache", "taker"), List.of(later.id()));
		store.initiate(record);
		assertThat(ids(store.claim("cache", "taker"))).containsExactly(record.id());
	}

	@Test
	void lateAcknowledgementLearnsThatAnotherClaimAcknowledgedFirst() {
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
	void acknowledgementOfARecordAnotherClaimHoldsSaysSo() {
		HandoffStore store = createStore(policy(SHORT_LEASE, 3));
		HandoffRecord<byte[]> record = record("cache");
		store.initiate(record);
		HandoffClaim slow = store.claim("cache", "slow");
		elapse(LAPSE);
		store.claim("cache", "fast");
		HandoffStore.Acknowledged late = store
			.acknowledge(List.of(new HandoffStore.Acknowledgement(slow, List.of(record.id()))))
			.get(0);
		assertThat(late.heldByAnother()).containsExactly(record.id());
		assertThat(late.acknowledged()).isEmpty();
	}

	@Test
	void renewalKeepsTheLeaseWhileAMergeRuns() {
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
	void releasedRecordOfANewerVersionGoesOnlyToAClaimerThatReadsItAndIsNotCountedAsADelivery() {
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
	void releasedRecordThatNoInstanceReadsIsDeadLetteredWhenItsTtlEnds() {
		HandoffStore store = createStore(new Policy(Duration.ofMillis(500), SHORT_LEASE, 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> newer = record("cache", 2);
		store.initiate(newer);
		store.release(claim(store, "cache", 1, "old"), List.of(newer.id()));
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
	void releaseNotifiesSubscribers() throws Exception {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> record = record("cache", 2);
		store.initiate(record);
		HandoffClaim claim = store.claim("cache", "sealed");
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = store.subscribe(List.of("cache"), notified::add)) {
			assertThat(notified.poll(10, TimeUnit.SECONDS)).as("subscribed").containsExactly("cache");
			store.release(claim, List.of(record.id()));
			assertThat(notified.poll(10, TimeUnit.SECONDS)).as("released").containsExactly("cache");
		}
	}

	@Test
	void claimTakesAtMostTheMaxClaimSizeAndSaysThatMoreWait() {
		HandoffStore store = createStore(new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
				Duration.ofHours(1), 1_000_000, 2_500));
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
	void recordOverTheMaxRecordSizeIsDeadLetteredWithoutBeingTransferred() {
		// Written by a sender with a higher limit (or not through Handoff at all).
		HandoffStore store = createStore(new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
				Duration.ofHours(1), 100_000, 10_000_000));
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
	void inspectCountsTheRecordsOfEachLabelByWhereTheyAre() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> unreadable = record("cache");
		store.initiate(unreadable);
		store.initiate(record("cache"));
		store.initiate(record("cache"));
		HandoffClaim claim = store.claim("cache", "taker");
		store.deadLetter(claim, unreadable.id(), "unreadable");
		store.initiate(record("cache"));
		assertThat(store.inspect(List.of("cache", "empty"))).containsExactly(
				Map.entry("cache", new HandoffStore.Counts(1, 2, 1)),
				Map.entry("empty", new HandoffStore.Counts(0, 0, 0)));
	}

	@Test
	void listDescribesEachRecordWithoutItsData() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> dead = record("cache");
		HandoffRecord<byte[]> inFlight = record("cache", 3);
		store.initiate(dead);
		store.initiate(inFlight);
		HandoffClaim claim = store.claim("cache", "taker");
		store.deadLetter(claim, dead.id(), "unreadable");
		HandoffRecord<byte[]> waiting = record("cache");
		store.initiate(waiting);
		assertThat(store.list("cache", 10)).extracting(HandoffStore.StoredRecord::id, HandoffStore.StoredRecord::where)
			.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(waiting.id(), HandoffStore.Where.WAITING),
					org.assertj.core.groups.Tuple.tuple(inFlight.id(), HandoffStore.Where.IN_FLIGHT),
					org.assertj.core.groups.Tuple.tuple(dead.id(), HandoffStore.Where.DEAD_LETTERED));
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
	void requeuedDeadLetterIsDeliveredAgainAsAFirstDeliveryAndDeletedOneIsGone() {
		HandoffStore store = createStore(POLICY);
		HandoffRecord<byte[]> requeued = record("cache");
		HandoffRecord<byte[]> deleted = record("cache");
		store.initiate(requeued);
		store.initiate(deleted);
		HandoffClaim claim = store.claim("cache", "taker");
		store.deadLetter(claim, requeued.id(), "fixed since");
		store.deadLetter(claim, deleted.id(), "poison");
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
	void waitingCountsTheRecordsOfEachLabel() {
		HandoffStore store = createStore(POLICY);
		store.initiate(record("renamed"));
		store.initiate(record("renamed"));
		store.initiate(record("current"));
		store.claim("current", "taker");
		assertThat(store.waiting(10)).containsExactly(Map.entry("renamed", 2L));
	}

	@Test
	void recordsComeBackOldestFirst() {
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
	void recordRoundTripsExactly(byte[] payload) {
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

	static Stream<Arguments> payloads() {
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
	void concurrentClaimersNeverGetTheSameRecordTwiceAndLoseNone() throws Exception {
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

	static HandoffClaim claim(HandoffStore store, String label, int version, String claimer) {
		HandoffStore.Claims claims = store.claim(List.of(new HandoffStore.ClaimRequest(label, version)), claimer);
		assertThat(claims.failures()).isEmpty();
		return claims.claims().get(label);
	}

	static byte[] payload(int size) {
		byte[] payload = new byte[size];
		Arrays.fill(payload, (byte) 'x');
		return payload;
	}

	static Policy policy(Duration lease, int maxDeliveries) {
		return new Policy(Duration.ofMinutes(5), lease, maxDeliveries, Duration.ofHours(1));
	}

	static HandoffRecord<byte[]> record(String label) {
		return record(label, EPOCH.plusMillis(sequence.incrementAndGet()));
	}

	static HandoffRecord<byte[]> record(String label, int version) {
		HandoffRecord<byte[]> record = record(label);
		return new HandoffRecord<>(record.id(), label, version, record.data(), record.origin(), record.createdAt());
	}

	static HandoffRecord<byte[]> record(String label, byte[] data) {
		HandoffRecord<byte[]> record = record(label);
		return record.withData(data);
	}

	static HandoffRecord<byte[]> record(String label, Instant createdAt) {
		String id = UUID.randomUUID().toString();
		return new HandoffRecord<>(id, label, 1, ("{\"record\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
				"instance-a", createdAt);
	}

	static List<String> ids(HandoffClaim claim) {
		return claim.deliveries().stream().map((delivery) -> delivery.record().id()).toList();
	}


}
