package dev.handoff.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.redis.LabelKeys;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.security.RecordProtection;
import dev.handoff.test.FaultProxy;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.TypeFactory;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * State larger than the Redis store's chunk size, through {@link HandoffTemplate} and a
 * real Redis: it goes to Redis in chunks as it is serialized and is parsed from them as
 * they are read, and the chunks of one record are written and claimed as one unit.
 */
class LargeStateTests {

	private static final int CHUNK = 1024 * 1024;

	private static final String LABEL = "cache";

	private static final HandoffStore.Policy POLICY = new HandoffStore.Policy(Duration.ofMinutes(5),
			Duration.ofSeconds(1), 5, Duration.ofMinutes(5), 8L * CHUNK, 64L * CHUNK);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final List<RedisHandoffStore> stores = new ArrayList<>();

	@AfterEach
	void closeStores() {
		this.stores.forEach(RedisHandoffStore::destroy);
	}

	@ParameterizedTest
	@ValueSource(ints = { CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, 8 * CHUNK })
	void statesAroundTheChunkSizeAndUpToTheMaxRecordSizeRoundTrip(int jsonBytes) {
		String state = "x".repeat(jsonBytes - 2);
		HandoffRecord<String> sent = template("old").initiate(LABEL, 1, state);
		boolean chunked = jsonBytes > CHUNK;
		assertThat(redis().hasKey(keys().chunks(sent.id()))).isEqualTo(chunked);
		List<HandoffRecord<String>> received = new ArrayList<>();
		assertThat(template("new").complete(LABEL, 1, String.class, received::addAll)).isEqualTo(1);
		assertThat(received).singleElement().satisfies((record) -> {
			assertThat(record.data()).isEqualTo(state);
			assertThat(record.id()).isEqualTo(sent.id());
			assertThat(record.headers()).isEmpty();
		});
		// Acknowledged: the chunks went with the record.
		assertThat(redis().hasKey(keys().chunks(sent.id()))).isFalse();
	}

	@Test
	void aStateOverTheMaxRecordSizeStopsWithoutLeavingChunks() {
		HandoffTemplate old = template("old");
		assertThatExceptionOfType(HandoffException.class)
			.isThrownBy(() -> old.initiate(LABEL, 1, "x".repeat(8 * CHUNK - 1)))
			.withMessageContaining("larger than handoff.max-record-size");
		assertThat(redis().keys(redis.namespace() + "*")).noneMatch((key) -> key.contains(":chunks:"));
		assertThat(template("new").complete(LABEL, 1, String.class, (records) -> {
		})).isZero();
	}

	@Test
	void aWriteCutMidwayLeavesNothingATakerWouldRead() {
		// Serialization fails at the 3001st item, after about three chunks were written.
		List<String> cut = items(5000, 3000, null);
		assertThatException().isThrownBy(() -> template("old").initiate(LABEL, 1, new Items(cut)))
			.withMessageContaining("cut at item 3000");
		assertThat(redis().keys(redis.namespace() + "*")).noneMatch((key) -> key.contains(":chunks:"));
		assertThat(template("new").complete(LABEL, 1, Items.class, (records) -> {
		})).isZero();
	}

	@Test
	void aClaimRacingAWriteGetsNothingUntilTheRecordIsWholeThenAllOfIt() throws Exception {
		CountDownLatch paused = new CountDownLatch(1);
		CountDownLatch resume = new CountDownLatch(1);
		List<String> items = items(5000, 2500, () -> {
			paused.countDown();
			awaitLatch(resume);
		});
		HandoffTemplate old = template("old");
		CompletableFuture<HandoffRecord<Items>> write = CompletableFuture
			.supplyAsync(() -> old.initiate(LABEL, 1, new Items(items)));
		assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
		String chunks = redis().keys(redis.namespace() + "*")
			.stream()
			.filter((key) -> key.contains(":chunks:"))
			.findFirst()
			.orElseThrow();
		assertThat(redis().opsForHash().size(chunks)).isGreaterThanOrEqualTo(2);
		HandoffTemplate taker = template("new");
		assertThat(taker.complete(LABEL, 1, Items.class, (records) -> {
		})).isZero();
		resume.countDown();
		HandoffRecord<Items> sent = write.get(10, TimeUnit.SECONDS);
		List<HandoffRecord<Items>> received = new ArrayList<>();
		assertThat(taker.complete(LABEL, 1, Items.class, received::addAll)).isEqualTo(1);
		assertThat(received).singleElement().satisfies((record) -> {
			assertThat(record.id()).isEqualTo(sent.id());
			assertThat(record.data().items()).isEqualTo(items(5000, -1, null));
		});
	}

	@Test
	void aTakerThatDiesBetweenChunksLeavesTheWholeRecordToTheNext() {
		String state = "y".repeat(3 * CHUNK);
		HandoffRecord<String> sent = template("old").initiate(LABEL, 1, state);
		RedisHandoffStore store = store();
		HandoffClaim claim = store.claim(LABEL, "dying");
		assertThat(claim.deliveries()).singleElement()
			.satisfies((delivery) -> assertThat(delivery.record().id()).isEqualTo(sent.id()));
		assertThat(store.readChunk(LABEL, sent.id(), 0).await()).hasSize(CHUNK);
		// Its lease of one second lapses without an acknowledgement.
		List<HandoffRecord<String>> received = new ArrayList<>();
		HandoffTemplate next = template("next");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> next.complete(LABEL, 1, String.class, received::addAll) == 1);
		assertThat(received).singleElement().satisfies((record) -> assertThat(record.data()).isEqualTo(state));
		assertThat(redis().hasKey(keys().chunks(sent.id()))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void signedAndEncryptedChunksRoundTripAndAnAlteredChunkIsRejected(boolean encrypt) {
		String state = "z".repeat(2 * CHUNK + 10);
		HandoffTemplate old = template("old", encrypt);
		HandoffRecord<String> first = old.initiate(LABEL, 1, state);
		List<HandoffRecord<String>> received = new ArrayList<>();
		HandoffTemplate taker = template("new", encrypt);
		assertThat(taker.complete(LABEL, 1, String.class, received::addAll)).isEqualTo(1);
		assertThat(received).singleElement().satisfies((record) -> {
			assertThat(record.data()).isEqualTo(state);
			assertThat(record.headers()).isEmpty();
		});
		HandoffRecord<String> altered = old.initiate(LABEL, 1, state);
		byte[] chunk = store().readChunk(LABEL, altered.id(), 1).await();
		assertThat(chunk).isNotNull();
		if (!encrypt) {
			assertThat(new String(chunk, 0, 10, StandardCharsets.UTF_8)).isEqualTo("z".repeat(10));
		}
		chunk[5] ^= 1;
		store().writeChunk(LABEL, altered.id(), 1, chunk, Duration.ofSeconds(10)).await();
		assertThat(taker.complete(LABEL, 1, String.class, received::addAll)).isZero();
		assertThat(redis().opsForHash().get(keys().deadReasons(), altered.id())).asString()
			.startsWith("rejected (bad-signature): its chunk 1 ");
		// The dead letter keeps its chunks for inspection, until it is deleted.
		assertThat(redis().hasKey(keys().chunks(altered.id()))).isTrue();
		assertThat(store().deleteDeadLetter(LABEL, altered.id())).isTrue();
		assertThat(redis().hasKey(keys().chunks(altered.id()))).isFalse();
	}

	@Test
	void aTakerWithASmallerMaxRecordSizeDeadLettersALargeRecordWithoutReadingIt() {
		HandoffRecord<String> sent = template("old").initiate(LABEL, 1, "w".repeat(3 * CHUNK));
		HandoffStore.Policy small = new HandoffStore.Policy(POLICY.ttl(), POLICY.lease(), POLICY.maxDeliveries(),
				POLICY.deadLetterTtl(), 2L * CHUNK, POLICY.maxClaimSize());
		HandoffTemplate taker = new HandoffTemplate(store(small), JsonMapper.builder().build(), "new", small);
		assertThat(taker.complete(LABEL, 1, String.class, (records) -> {
		})).isZero();
		assertThat(redis().opsForHash().get(keys().deadReasons(), sent.id())).asString()
			.startsWith("too large: " + (3 * CHUNK + 2) + " bytes");
	}

	@Test
	void aRecordWhoseChunksAreGoneIsDeadLetteredAsUnreadable() {
		HandoffRecord<String> sent = template("old").initiate(LABEL, 1, "v".repeat(2 * CHUNK));
		redis().delete(keys().chunks(sent.id()));
		assertThat(template("new").complete(LABEL, 1, String.class, (records) -> {
		})).isZero();
		assertThat(redis().opsForHash().get(keys().deadReasons(), sent.id())).asString()
			.isEqualTo("unreadable: its chunk 0 of 3 is not in the store");
	}

	@Test
	void aLargeStateWhoseChunksRedisDoesNotTakeInTimeIsWrittenWholeForTheShutdownToSpill() {
		try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.server().port())) {
			LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", proxy.port()));
			connectionFactory.afterPropertiesSet();
			connectionFactory.start();
			try {
				RedisHandoffStore store = new RedisHandoffStore(connectionFactory, redis.namespace(), POLICY);
				this.stores.add(store);
				HandoffTemplate template = new HandoffTemplate(store, JsonMapper.builder().build(), "old", POLICY);
				String state = "u".repeat(3 * CHUNK);
				// The connection is open, as a running instance's is when it shuts down.
				assertThat(store.claim(LABEL, "old").isEmpty()).isTrue();
				proxy.blackhole();
				long start = System.nanoTime();
				HandoffRecord<byte[]> record = template.serialize(
						TypeFactory.createDefaultInstance().constructType(String.class), LABEL, 1, state,
						start + Duration.ofMillis(500).toNanos());
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
				assertThat(record.headers()).isEmpty();
				assertThat(record.data()).hasSize(3 * CHUNK + 2);
			}
			finally {
				connectionFactory.destroy();
			}
		}
	}

	private HandoffTemplate template(String instanceId) {
		return new HandoffTemplate(store(), JsonMapper.builder().build(), instanceId, POLICY);
	}

	private HandoffTemplate template(String instanceId, boolean encrypt) {
		HandoffTemplate template = template(instanceId);
		template.setRecordProtection(
				RecordProtection.of(redis.namespace(), Map.of("k1", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="),
						"k1", encrypt, true, Duration.ofHours(1)));
		return template;
	}

	private RedisHandoffStore store() {
		return store(POLICY);
	}

	private RedisHandoffStore store(HandoffStore.Policy policy) {
		RedisHandoffStore store = new RedisHandoffStore(redis.connectionFactory(), redis.namespace(), policy);
		this.stores.add(store);
		return store;
	}

	private static StringRedisTemplate redis() {
		return new StringRedisTemplate(redis.connectionFactory());
	}

	private static LabelKeys keys() {
		return LabelKeys.of(redis.namespace(), LABEL);
	}

	/**
	 * Items of 1 KiB each, the one at {@code stopAt} failing (or first running
	 * {@code pause}) when serialization reaches it.
	 */
	private static List<String> items(int count, int stopAt, Runnable pause) {
		return new AbstractList<>() {

			@Override
			public String get(int index) {
				if (index == stopAt) {
					if (pause == null) {
						throw new IllegalStateException("cut at item " + index);
					}
					pause.run();
				}
				char[] item = new char[1024];
				Arrays.fill(item, (char) ('a' + index % 26));
				return new String(item);
			}

			@Override
			public int size() {
				return count;
			}

		};
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	record Items(List<String> items) {
	}

}
