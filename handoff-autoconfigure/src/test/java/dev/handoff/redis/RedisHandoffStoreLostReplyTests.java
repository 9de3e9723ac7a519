package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.FaultProxy;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the store reports and leaves in Redis when the network loses a request or its
 * reply: a {@link FaultProxy} between the store and a real Redis. Redis itself is
 * inspected over a direct connection.
 */
class RedisHandoffStoreLostReplyTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	private FaultProxy proxy;

	private LettuceConnectionFactory throughProxy;

	private RedisHandoffStore store;

	private RedisConnection direct;

	@BeforeEach
	void setUp() {
		this.proxy = FaultProxy.start("127.0.0.1", redis.server().port());
		this.throughProxy = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", this.proxy.port()),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
		this.throughProxy.afterPropertiesSet();
		this.throughProxy.start();
		this.store = new RedisHandoffStore(this.throughProxy, redis.namespace(), POLICY);
		this.direct = redis.connectionFactory().getConnection();
		// Opens the connection and loads the scripts, so that the faults below hit the
		// operation under test.
		HandoffRecord<byte[]> warmUp = record("warm-up");
		this.store.initiate(warmUp);
		this.store.acknowledge(this.store.claim("warm-up", "taker"), List.of(warmUp.id()));
	}

	@AfterEach
	void tearDown() {
		this.store.destroy();
		this.throughProxy.destroy();
		this.proxy.close();
		this.direct.close();
	}

	@Test
	void initiateWhoseReplyIsLostIsStoredOnceAndReportedStored() {
		HandoffRecord<byte[]> record = record("cache");
		this.proxy.dropNextReplyAndClose();
		HandoffStore.Initiated initiated = this.store.initiate(record);
		assertThat(initiated.outcome()).isEqualTo(HandoffStore.Outcome.STORED);
		assertThat(this.proxy.acceptedConnections()).isGreaterThan(1);
		assertNoOrphans("cache");
		assertThat(pendingIds("cache")).containsExactly(record.id());
		HandoffClaim claim = this.store.claim("cache", "taker");
		assertThat(claim.deliveries()).extracting((delivery) -> delivery.record().id()).containsExactly(record.id());
	}

	@Test
	void initiateWhoseRequestIsCutIsStoredOnceAndReportedStored() {
		HandoffRecord<byte[]> record = record("cache");
		this.proxy.cutNextRequestAndClose();
		assertThat(this.store.initiate(record).outcome()).isEqualTo(HandoffStore.Outcome.STORED);
		assertNoOrphans("cache");
		assertThat(pendingIds("cache")).containsExactly(record.id());
	}

	@Test
	void initiateThatGetsNoAnswerIsReportedUnknownAndARetryWithTheSameIdStoresItOnce() {
		HandoffRecord<byte[]> record = record("cache");
		this.proxy.blackhole(FaultProxy.Direction.DOWNSTREAM);
		HandoffStore.Initiated initiated = this.store.initiate(record);
		// The request reached Redis, but neither its reply nor the answer to locate came
		// back.
		assertThat(initiated.outcome()).isEqualTo(HandoffStore.Outcome.UNKNOWN);
		assertThat(initiated.retryable()).isTrue();
		assertThat(initiated.problem()).contains("no reply from Redis");
		this.proxy.restore();
		assertThat(this.store.initiate(record).outcome()).isEqualTo(HandoffStore.Outcome.STORED);
		assertNoOrphans("cache");
		assertThat(pendingIds("cache")).containsExactly(record.id());
	}

	@Test
	void initiateThatNeverReachedRedisIsReportedNotStoredAfterLocatingIt() {
		HandoffRecord<byte[]> record = record("cache");
		// The request is held and never delivered: the command times out (1s), its
		// connection is closed with the request still unsent, and locate, re-sent by
		// Lettuce on the new connection, finds nothing.
		this.proxy.blackhole(FaultProxy.Direction.UPSTREAM);
		Thread restorer = new Thread(() -> {
			sleep(Duration.ofMillis(1500));
			this.proxy.closeAll();
			this.proxy.pass();
		});
		restorer.start();
		HandoffStore.Initiated initiated = this.store.initiate(List.of(record), Duration.ofSeconds(5)).get(0);
		assertThat(initiated.outcome()).isEqualTo(HandoffStore.Outcome.NOT_STORED);
		assertThat(initiated.retryable()).isTrue();
		assertThat(initiated.problem()).contains("the record is not in Redis");
		assertThat(pendingIds("cache")).isEmpty();
		assertNoOrphans("cache");
	}

	@Test
	void claimWhoseReplyIsLostDeliversItsRecordsOnceAndLosesNone() {
		HandoffRecord<byte[]> first = record("cache");
		HandoffRecord<byte[]> second = record("cache");
		this.store.initiate(first);
		this.store.initiate(second);
		this.proxy.dropNextReplyAndClose();
		HandoffClaim claim = this.store.claim("cache", "taker");
		assertThat(claim.deliveries()).extracting((delivery) -> delivery.record().id())
			.containsExactlyInAnyOrder(first.id(), second.id());
		assertThat(claim.deliveries()).allSatisfy((delivery) -> assertThat(delivery.attempt()).isOne());
		assertThat(this.store.acknowledge(claim, List.of(first.id(), second.id()))).isEqualTo(2);
		assertThat(this.store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	void claimWhoseReplyIsLostStillReportsTheDeadLettersItMade() {
		// The record runs out at once; the claim is this store's, whose lease (a minute),
		// for which the claim's
		// report is kept, outlasts Lettuce's reconnect on any machine.
		RedisHandoffStore shortTtl = new RedisHandoffStore(this.throughProxy, redis.namespace(),
				new Policy(Duration.ofMillis(300), Duration.ofMillis(200), 3, Duration.ofHours(1)));
		HandoffRecord<byte[]> expiring = record("expiring");
		shortTtl.initiate(expiring);
		RedisClock.awaitPast(this.direct, this.store.keys("expiring").expiry(), expiring.id());
		this.proxy.dropNextReplyAndClose();
		HandoffClaim claim = this.store.claim("expiring", "taker");
		// Lettuce re-sent the claim; its replay returns the report of the first run, so
		// the ERROR is logged once.
		assertThat(this.proxy.acceptedConnections()).isGreaterThan(1);
		assertThat(claim.deadLettered()).extracting(HandoffClaim.DeadLetter::recordId).containsExactly(expiring.id());
		assertThat(this.store.claim("expiring", "taker").deadLettered()).isEmpty();
	}

	@Test
	void claimThatGetsNoAnswerIsTakenOverByTheNextClaimOfItsLabelWithoutWaitingForTheLease() {
		HandoffRecord<byte[]> record = record("cache");
		this.store.initiate(record);
		this.proxy.blackhole(FaultProxy.Direction.DOWNSTREAM);
		HandoffStore.Claims lost = this.store.claim(List.of(new HandoffStore.ClaimRequest("cache", 1)), "taker");
		assertThat(lost.failures()).containsOnlyKeys("cache");
		this.proxy.restore();
		// The lease (a minute) still holds; the next claim re-uses the lost claim's id
		// and gets what it took.
		HandoffClaim claim = this.store.claim("cache", "taker");
		assertThat(claim.deliveries()).singleElement().satisfies((delivery) -> {
			assertThat(delivery.record().id()).isEqualTo(record.id());
			assertThat(delivery.attempt()).isOne();
		});
		assertThat(this.store.acknowledge(claim, List.of(record.id()))).isOne();
		assertThat(this.store.claim("cache", "other").isEmpty()).isTrue();
	}

	@Test
	void deadLetterWhoseReplyIsLostIsReportedMoved() {
		HandoffRecord<byte[]> record = record("cache");
		this.store.initiate(record);
		HandoffClaim claim = this.store.claim("cache", "taker");
		this.proxy.dropNextReplyAndClose();
		assertThat(this.store.deadLetter(claim, record.id(), "unreadable")).isTrue();
		assertThat(this.proxy.acceptedConnections()).isGreaterThan(1);
	}

	/**
	 * Every record indexed in expiry has its payload in pending or in a claim: none is
	 * indexed without it.
	 */
	private void assertNoOrphans(String label) {
		Keys keys = this.store.keys(label);
		Set<String> indexed = strings(this.direct.zSetCommands().zRange(keys.expiry(), 0, -1));
		Set<String> stored = pendingIds(label);
		Set<String> owned = strings(this.direct.hashCommands().hKeys(keys.owner()));
		assertThat(indexed).allSatisfy(
				(id) -> assertThat(stored.contains(id) || owned.contains(id)).as("payload of indexed record %s", id)
					.isTrue());
	}

	private Set<String> pendingIds(String label) {
		return strings(this.direct.hashCommands().hKeys(this.store.keys(label).pending()));
	}

	private static Set<String> strings(Set<byte[]> values) {
		return (values != null)
				? values.stream().map((value) -> new String(value, StandardCharsets.UTF_8)).collect(Collectors.toSet())
				: Set.of();
	}

	private static HandoffRecord<byte[]> record(String label) {
		return new HandoffRecord<>(UUID.randomUUID().toString(), label, 1, "{\"n\":1}".getBytes(StandardCharsets.UTF_8),
				"instance-a", Instant.now());
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
