package dev.handoff.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.handoff.Handoff;
import dev.handoff.HandoffClaim;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.HandoffSubscription;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis protocol of {@link RedisHandoffStore} as its Javadoc documents it: round
 * trips and the commands inside them, idempotence under Lettuce's replay after a
 * reconnect, the shape and lifetime of its keys, and a Redis restart. The behaviour every
 * store shares is in {@code HandoffStoreContract} (module handoff-test).
 */
class RedisHandoffStoreProtocolTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private static final Policy POLICY = new Policy(Duration.ofMinutes(5), Duration.ofMinutes(1), 3,
			Duration.ofHours(1));

	private static final Pattern CALLS = Pattern.compile("calls=(\\d+)");

	private final List<RedisHandoffStore> stores = new ArrayList<>();

	private RedisConnection connection;

	private RedisHandoffStore store;

	@BeforeEach
	void setUp() {
		this.connection = redis.connectionFactory().getConnection();
		this.store = store(POLICY);
	}

	@AfterEach
	void tearDown() {
		this.stores.forEach(RedisHandoffStore::destroy);
		this.connection.close();
	}

	@Test
	void initiateIsOneEvalshaThatWritesThePayloadBeforeItIndexesAndAnnouncesIt() {
		warmUp();
		byte[] mebibyte = new byte[1024 * 1024];
		new Random(7).nextBytes(mebibyte);
		HandoffRecord<byte[]> record = record("cache", mebibyte);
		Map<String, Long> commands = commandsDuring(() -> this.store.initiate(record));
		// EVALSHA initiate.lua, no MULTI. Inside the script, for a new record: HEXISTS
		// pending/owner/dead/released and ZSCORE acked (replay checks), HSET pending <id>
		// <envelope>, TIME, ZADD expiry, PEXPIRE pending/expiry and chunks:<id> (none: a
		// record of one chunk is whole), PUBLISH.
		assertThat(commands).containsExactlyInAnyOrderEntriesOf(Map.of("evalsha", 1L, "hexists", 4L, "zscore", 1L,
				"hset", 1L, "time", 1L, "zadd", 1L, "pexpire", 3L, "publish", 1L));
		assertThat(Envelope.decode(hashField(keys("cache").pending(), record.id().getBytes(StandardCharsets.UTF_8)))
			.data()).isEqualTo(mebibyte);
	}

	@Test
	void claimIsOneEvalshaThatRenamesThePayloadsAndOneHgetallInTheSameFlush() {
		warmUp();
		byte[] mebibyte = new byte[1024 * 1024];
		new Random(8).nextBytes(mebibyte);
		HandoffRecord<byte[]> record = record("cache", mebibyte);
		this.store.initiate(record);
		List<HandoffClaim> claims = new ArrayList<>();
		Map<String, Long> commands = commandsDuring(() -> claims.add(this.store.claim("cache", "taker")));
		// EVALSHA claim.lua, then HGETALL claim:<id>, no MULTI. Inside the script: TIME,
		// GET report and ZSCORE claims (replay check), ZRANGEBYSCORE dead-expiry (nothing
		// to drop), claims (nothing lapsed) and expiry (nothing expired), HKEYS pending
		// and HSTRLEN per record (size limits), EXISTS released-versions, RENAME pending
		// to the claim (the payloads move without passing through Lua), HSET owner and
		// HINCRBY attempts per record, ZADD claims, PEXPIRE attempts/owner/claims/claim.
		// No HGET: the envelope is read by HGETALL only, and no report: a claim that only
		// took records needs none.
		assertThat(commands).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(Map.entry("evalsha", 1L),
				Map.entry("hgetall", 1L), Map.entry("time", 1L), Map.entry("get", 1L), Map.entry("zscore", 2L),
				Map.entry("zrangebyscore", 3L), Map.entry("hkeys", 1L), Map.entry("hstrlen", 1L),
				Map.entry("exists", 1L), Map.entry("rename", 1L), Map.entry("hset", 1L), Map.entry("hincrby", 1L),
				Map.entry("zadd", 1L), Map.entry("pexpire", 4L)));
		assertThat(claims.get(0).deliveries()).singleElement()
			.satisfies((delivery) -> assertThat(delivery.record().data()).isEqualTo(mebibyte));
	}

	@Test
	void claimsOfManyLabelsAndTheirAcknowledgementsAreOneEvalshaEachWithoutMulti() {
		warmUp();
		List<String> labels = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			labels.add("label-" + i);
			this.store.initiate(record("label-" + i));
		}
		List<HandoffStore.Claims> claims = new ArrayList<>();
		Map<String, Long> commands = commandsDuring(() -> claims.add(this.store
			.claim(labels.stream().map((label) -> new HandoffStore.ClaimRequest(label, 1)).toList(), "taker")));
		assertThat(commands).containsEntry("evalsha", 20L)
			.containsEntry("hgetall", 20L)
			.doesNotContainKeys("multi", "exec", "eval");
		assertThat(claims.get(0).failures()).isEmpty();
		List<HandoffStore.Acknowledgement> acknowledgements = claims.get(0)
			.claims()
			.values()
			.stream()
			.map((claim) -> new HandoffStore.Acknowledgement(claim, ids(claim)))
			.toList();
		assertThat(this.store.acknowledge(acknowledgements)).hasSize(20)
			.allSatisfy((acknowledged) -> assertThat(acknowledged.acknowledged()).hasSize(1));
	}

	@Test
	void startupClaimsEveryLabelOnceAndTheSubscriptionAddsNoClaimOfItsOwn() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"handoff.namespace=" + redis.namespace(), "handoff.store-check=off", "handoff.poll-interval=1h")
			.withBean("alpha", Silent.class, Silent::new)
			.withBean("beta", Silent.class, Silent::new)
			.withBean("gamma", Silent.class, Silent::new);
		runner.run((context) -> {
		});
		for (int run = 0; run < 5; run++) {
			Map<String, Long> commands = commandsDuring(
					() -> runner.run((context) -> assertThat(context).hasNotFailed()));
			// One claim per label (each claim is one EVALSHA and one HGETALL), in one
			// batch; the subscription's
			// confirmation comes before the restore, which covers it.
			assertThat(commands).containsEntry("hgetall", 3L).containsEntry("subscribe", 1L);
		}
	}

	@Test
	void acknowledgeIsOneEvalsha() {
		warmUp();
		HandoffRecord<byte[]> record = record("cache");
		this.store.initiate(record);
		HandoffClaim claim = this.store.claim("cache", "taker");
		List<Integer> acknowledged = new ArrayList<>();
		Map<String, Long> commands = commandsDuring(
				() -> acknowledged.add(this.store.acknowledge(claim, List.of(record.id()))));
		// EVALSHA acknowledge.lua (cached by the warm-up). Inside: TIME; per record HGET
		// owner, HDEL claim/owner/ attempts, ZREM expiry, ZADD acked, HSET acked-by, DEL
		// chunks:<id> (none here); then
		// EXISTS claim, ZREM claims and DEL report (the claim is empty now),
		// ZRANGEBYSCORE acked (nothing past the retention), PEXPIRE acked/acked-by.
		assertThat(commands).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(Map.entry("evalsha", 1L),
				Map.entry("time", 1L), Map.entry("hget", 1L), Map.entry("hdel", 3L), Map.entry("zrem", 2L),
				Map.entry("zadd", 1L), Map.entry("hset", 1L), Map.entry("exists", 1L), Map.entry("del", 2L),
				Map.entry("zrangebyscore", 1L), Map.entry("pexpire", 2L)));
		assertThat(acknowledged).containsExactly(1);
	}

	@Test
	void envelopeThatCannotBeDecodedIsReportedOnItsOwnAndTheOtherRecordsAreDelivered() {
		Keys keys = keys("cache");
		HandoffRecord<byte[]> good = record("cache");
		this.store.initiate(good);
		// What a future envelope format, or a writer that is not Handoff, leaves in the
		// pending hash.
		this.connection.hashCommands()
			.hSet(keys.pending(), bytes("future"), bytes("{\"format\":2,\"id\":\"future\"}\n{}"));
		HandoffClaim claim = this.store.claim("cache", "taker");
		assertThat(ids(claim)).containsExactly(good.id());
		assertThat(claim.unreadable()).singleElement()
			.satisfies((unreadable) -> assertThat(unreadable.recordId()).isEqualTo("future"));
		assertThat(this.store.deadLetter(claim, "future", "unreadable envelope")).isTrue();
		assertThat(this.store.acknowledge(claim, List.of(good.id()))).isOne();
	}

	@Test
	void replayedInitiateNeitherStoresARecordTwiceNorBringsItBack() {
		Keys keys = keys("cache");
		HandoffRecord<byte[]> record = record("cache");
		this.store.initiate(record);
		// Lettuce re-sends the EVALSHA after a reconnect; calling initiate again sends
		// exactly that.
		Map<String, Long> whilePending = commandsDuring(() -> this.store.initiate(record));
		assertThat(whilePending).doesNotContainKeys("publish", "zadd");
		assertThat(this.connection.hashCommands().hLen(keys.pending())).isOne();
		assertThat(this.connection.zSetCommands().zCard(keys.expiry())).isOne();

		HandoffClaim claim = this.store.claim("cache", "taker");
		Map<String, Long> whileClaimed = commandsDuring(() -> this.store.initiate(record));
		assertThat(whileClaimed).doesNotContainKeys("hset", "publish", "zadd");
		assertThat(this.connection.keyCommands().exists(keys.pending())).isFalse();
		assertThat(this.store.claim("cache", "other").isEmpty()).isTrue();

		assertThat(this.store.acknowledge(claim, List.of(record.id()))).isOne();
		this.store.initiate(record);
		assertThat(this.connection.keyCommands().exists(keys.pending())).isFalse();
		assertThat(this.store.claim("cache", "other").isEmpty()).isTrue();

		HandoffRecord<byte[]> deadLetter = record("cache");
		this.store.initiate(deadLetter);
		this.store.deadLetter(this.store.claim("cache", "taker"), deadLetter.id(), "unknown version");
		this.store.initiate(deadLetter);
		assertThat(this.connection.keyCommands().exists(keys.pending())).isFalse();
		assertThat(this.store.claim("cache", "other").isEmpty()).isTrue();
		assertThat(this.connection.zSetCommands().zCard(keys.expiry())).isZero();
	}

	@Test
	void replayedClaimReturnsTheSameRecordsAndLosesNone() throws IOException {
		Keys keys = keys("cache");
		HandoffRecord<byte[]> first = record("cache");
		HandoffRecord<byte[]> second = record("cache");
		this.store.initiate(first);
		this.store.initiate(second);
		String claimId = "replayer/" + UUID.randomUUID();
		ClaimResult claimed = runClaimTransaction(keys, claimId);
		// A record that arrives between the first run and its replay belongs to a later
		// claim.
		HandoffRecord<byte[]> later = record("cache");
		this.store.initiate(later);
		ClaimResult replayed = runClaimTransaction(keys, claimId);

		assertThat(claimed.attempts()).containsOnlyKeys(first.id(), second.id()).containsValues(1L, 1L);
		assertThat(replayed.attempts()).isEqualTo(claimed.attempts());
		assertThat(replayed.envelopes().keySet()).isEqualTo(claimed.envelopes().keySet());
		replayed.envelopes().forEach((id, envelope) -> assertThat(envelope).isEqualTo(claimed.envelopes().get(id)));
		assertThat(this.connection.zSetCommands().zCard(keys.claims())).isOne();

		assertThat(ids(this.store.claim("cache", "next"))).containsExactly(later.id());
		List<HandoffClaim.Delivery> deliveries = replayed.envelopes()
			.values()
			.stream()
			.map((envelope) -> new HandoffClaim.Delivery(Envelope.decode(envelope), 1))
			.toList();
		HandoffClaim claim = new HandoffClaim(claimId, "cache", deliveries);
		assertThat(this.store.acknowledge(claim, List.of(first.id(), second.id()))).isEqualTo(2);
		assertThat(this.connection.keyCommands().exists(keys.claim(claimId))).isFalse();
	}

	@Test
	void everyKeyOfALabelSharesItsHashTagUnderTheNamespaceAndExpires() {
		// A ttl and a lease that run out within the test, yet outlast a pause of a loaded
		// machine between the steps that need them: the records still wait when claimed,
		// and the claim still holds when it is settled.
		Duration lapse = Duration.ofSeconds(2);
		RedisHandoffStore lapsing = store(new Policy(lapse, lapse, 1, Duration.ofHours(1)));
		Keys cache = keys("cache");
		List<HandoffRecord<byte[]>> records = List.of(record("cache"), record("cache"), record("cache"));
		records.forEach(lapsing::initiate);
		HandoffClaim crashed = lapsing.claim("cache", "crashed");
		assertThat(ids(crashed)).hasSize(3);
		// Acknowledged through the store with the long policy, so the acknowledged ids
		// are kept until listed.
		assertThat(this.store.acknowledge(crashed, List.of(records.get(0).id()))).isOne();
		assertThat(lapsing.deadLetter(crashed, records.get(1).id(), "unknown version")).isTrue();
		HandoffRecord<byte[]> expiring = record("cache");
		lapsing.initiate(expiring);
		RedisClock.awaitPast(this.connection, cache.claims(), crashed.id());
		RedisClock.awaitPast(this.connection, cache.expiry(), expiring.id());
		// This claim dead-letters the expired record and the one left in the lapsed claim
		// (max deliveries 1).
		assertThat(lapsing.claim("cache", "taker").isEmpty()).isTrue();
		// From here on a store whose ttl and lease outlast the test, so every key is
		// still there to be listed.
		HandoffRecord<byte[]> inFlight = record("cache");
		this.store.initiate(inFlight);
		HandoffClaim holding = this.store.claim("cache", "taker");
		// Replays of settled and claimed records write nothing.
		records.subList(1, 3).forEach(this.store::initiate);
		this.store.initiate(expiring);
		this.store.initiate(inFlight);
		assertThat(this.connection.keyCommands().exists(cache.pending())).isFalse();
		this.store.initiate(record("cache"));

		Set<String> keys = scan(redis.namespace() + "*");
		assertThat(keys).allSatisfy((key) -> assertThat(key).startsWith(cache.prefix()));
		assertThat(keys).filteredOn((key) -> !key.startsWith(string(cache.report(""))))
			.containsExactlyInAnyOrder(Stream
				.of(cache.pending(), cache.claim(holding.id()), cache.claims(), cache.owner(), cache.expiry(),
						cache.attempts(), cache.dead(), cache.deadReasons(), cache.deadExpiry(), cache.acked(),
						cache.ackedBy())
				.map(RedisHandoffStoreProtocolTests::string)
				.toArray(String[]::new));
		// -1 is a key that never expires; the taker's report lives for its lease, and may
		// be gone (-2) by now.
		assertThat(keys)
			.allSatisfy((key) -> assertThat(this.connection.keyCommands().pTtl(key.getBytes(StandardCharsets.UTF_8)))
				.as("PTTL of %s", key)
				.isNotEqualTo(-1L));
		assertThat(this.connection.hashCommands().hKeys(cache.dead()))
			.extracting((id) -> new String(id, StandardCharsets.UTF_8))
			.containsExactlyInAnyOrder(records.get(1).id(), records.get(2).id(), expiring.id());
	}

	@Test
	void notificationChannelOfALabelSharesItsHashTag() {
		BlockingQueue<String> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = this.store.subscribe(List.of("cache"),
				(labels) -> notified.addAll(labels))) {
			await().untilAsserted(() -> assertThat(notified).containsExactly("cache"));
			notified.clear();
			Long receivers = this.connection.publish(keys("cache").channel(), bytes("some-record-id"));
			assertThat(receivers).isOne();
			await().untilAsserted(() -> assertThat(notified).containsExactly("cache"));
		}
	}

	@Test
	void subscriptionCallsBackAgainAndEveryOperationWorksAfterRedisRestarts() {
		BlockingQueue<String> notified = new LinkedBlockingQueue<>();
		try (HandoffSubscription subscription = this.store.subscribe(List.of("cache"),
				(labels) -> notified.addAll(labels))) {
			await().untilAsserted(() -> assertThat(notified).containsExactly("cache"));
			handOffAndTake(this.store, record("cache"));
			redis.server().stop();
			notified.clear();
			redis.server().startAgain();
			// A new, empty Redis: re-subscribing counts as a notification, as records may
			// have come meanwhile.
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(notified).contains("cache"));
			notified.clear();

			HandoffRecord<byte[]> unreadable = record("cache");
			HandoffRecord<byte[]> fine = record("cache");
			Map<String, Long> commands = commandsDuring(() -> {
				this.store.initiate(unreadable);
				this.store.initiate(fine);
				HandoffClaim claim = this.store.claim("cache", "taker");
				assertThat(ids(claim)).containsExactlyInAnyOrder(unreadable.id(), fine.id());
				this.store.deadLetter(claim, unreadable.id(), "unknown version");
				assertThat(this.store.acknowledge(claim, List.of(fine.id()))).isOne();
			});
			// The script cache is empty: the first use of each script got NOSCRIPT from
			// EVALSHA and sent EVAL, which
			// loaded it; the second initiate found it loaded.
			assertThat(commands).containsEntry("evalsha", 5L).containsEntry("eval", 4L);
			await().untilAsserted(() -> assertThat(notified).contains("cache"));
		}
	}

	private void handOffAndTake(RedisHandoffStore store, HandoffRecord<byte[]> record) {
		store.initiate(record);
		HandoffClaim claim = store.claim(record.label(), "taker");
		assertThat(ids(claim)).containsExactly(record.id());
		assertThat(store.acknowledge(claim, ids(claim))).isOne();
	}

	/**
	 * Runs one cycle on another label, so that what a test counts is the operation alone:
	 * the first use of a connection adds its handshake (HELLO, CLIENT SETINFO), and the
	 * first acknowledge loads its script (EVALSHA answered with NOSCRIPT, then EVAL).
	 */
	private void warmUp() {
		handOffAndTake(this.store, record("warm-up"));
	}

	/**
	 * Returns the commands Redis executed while the action ran, by name, from
	 * {@code INFO commandstats}; commands that scripts call are counted too. The test's
	 * own CONFIG RESETSTAT and INFO are left out.
	 */
	private Map<String, Long> commandsDuring(Runnable action) {
		this.connection.serverCommands().resetConfigStats();
		action.run();
		Properties stats = this.connection.serverCommands().info("commandstats");
		Map<String, Long> calls = new TreeMap<>();
		stats.forEach((key, value) -> {
			String command = ((String) key).substring("cmdstat_".length());
			Matcher matcher = CALLS.matcher((String) value);
			if (!command.startsWith("config") && !command.startsWith("info") && matcher.find()) {
				calls.put(command, Long.parseLong(matcher.group(1)));
			}
		});
		return calls;
	}

	/**
	 * What {@code claim} sends, run by hand so the test can send it twice with one claim
	 * id.
	 */
	private ClaimResult runClaimTransaction(Keys keys, String claimId) throws IOException {
		byte[] script = new ClassPathResource("claim.lua", RedisHandoffStore.class).getContentAsByteArray();
		byte[][] keysAndArgs = { keys.pending(), keys.expiry(), keys.attempts(), keys.owner(), keys.claims(),
				keys.claim(claimId), keys.dead(), keys.deadReasons(), keys.deadExpiry(), keys.released(),
				keys.releasedVersions(), keys.report(claimId), keys.acked(), bytes(claimId),
				bytes(String.valueOf(POLICY.lease().toMillis())),
				bytes(String.valueOf(POLICY.ttl().plus(POLICY.deadLetterTtl()).toMillis())),
				bytes(String.valueOf(POLICY.deadLetterTtl().toMillis())), bytes(String.valueOf(POLICY.maxDeliveries())),
				bytes("1"), bytes(String.valueOf(Long.MAX_VALUE / 4)), bytes(String.valueOf(Long.MAX_VALUE / 4)) };
		try (RedisConnection connection = redis.connectionFactory().getConnection()) {
			List<?> scriptResult = connection.scriptingCommands().eval(script, ReturnType.MULTI, 13, keysAndArgs);
			Map<byte[], byte[]> payloads = connection.hashCommands().hGetAll(keys.claim(claimId));
			List<?> ids = (List<?>) scriptResult.get(0);
			List<?> attempts = (List<?>) scriptResult.get(1);
			Map<String, Long> attemptsById = new LinkedHashMap<>();
			for (int i = 0; i < ids.size(); i++) {
				attemptsById.put(string((byte[]) ids.get(i)), ((Number) attempts.get(i)).longValue());
			}
			Map<String, byte[]> envelopes = new LinkedHashMap<>();
			payloads.forEach((id, envelope) -> envelopes.put(string(id), envelope));
			return new ClaimResult(attemptsById, envelopes);
		}
	}

	private RedisHandoffStore store(Policy policy) {
		RedisHandoffStore store = new RedisHandoffStore(redis.connectionFactory(), redis.namespace(), policy);
		this.stores.add(store);
		return store;
	}

	private Keys keys(String label) {
		return this.store.keys(label);
	}

	private byte[] hashField(byte[] key, byte[] field) {
		return this.connection.hashCommands().hGet(key, field);
	}

	private String hashField(byte[] key, String field) {
		byte[] value = hashField(key, bytes(field));
		return (value != null) ? string(value) : null;
	}

	private Set<String> scan(String pattern) {
		Set<String> keys = new HashSet<>();
		try (Cursor<byte[]> cursor = this.connection.keyCommands()
			.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
			cursor.forEachRemaining((key) -> keys.add(string(key)));
		}
		return keys;
	}

	private static HandoffRecord<byte[]> record(String label) {
		return record(label, ("{\"n\":" + UUID.randomUUID().hashCode() + "}").getBytes(StandardCharsets.UTF_8));
	}

	private static HandoffRecord<byte[]> record(String label, byte[] data) {
		return new HandoffRecord<>(UUID.randomUUID().toString(), label, 1, data, "instance-a", Instant.now());
	}

	private static List<String> ids(HandoffClaim claim) {
		return claim.deliveries().stream().map((delivery) -> delivery.record().id()).toList();
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static String string(byte[] value) {
		return new String(value, StandardCharsets.UTF_8);
	}

	/** A participant with nothing to hand off, whose label is its bean name. */
	@Handoff
	static class Silent implements HandoffParticipant<String> {

		@Override
		public String handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<String>> handoffs) {
		}

	}

	private record ClaimResult(Map<String, Long> attempts, Map<String, byte[]> envelopes) {
	}

}
