package dev.handoff.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.handoff.Handoff;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.metrics.HandoffMetricsAutoConfiguration;
import dev.handoff.core.HandoffListener;
import dev.handoff.core.HandoffTemplate;
import dev.handoff.redis.LabelKeys;
import dev.handoff.test.RedisExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Signed and encrypted handoffs against a real Redis, with records altered, forged, moved
 * and replayed by writing Redis directly, as anyone with write access to it could: every
 * such record is dead-lettered with its reason, and the state type's deserializer is
 * never called for it.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffSecurityTests {

	private static final String K1 = "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=";

	private static final String K2 = "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI=";

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private ApplicationContextRunner runner(String instance, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"handoff.namespace=" + redis.namespace(), "handoff.instance-id=" + instance,
					"handoff.startup-timeout=5s")
			.withPropertyValues(properties);
	}

	private static String[] keys(String active, String... ids) {
		List<String> properties = new ArrayList<>();
		for (String id : ids) {
			properties.add("handoff.security.keys." + id + "=" + (id.equals("k1") ? K1 : K2));
		}
		properties.add("handoff.security.active-key=" + active);
		return properties.toArray(String[]::new);
	}

	/**
	 * Hands off a tally from an instance without participants, so that it waits in Redis.
	 */
	private HandoffRecord<Tally> handOff(String label, String... properties) {
		AtomicReference<HandoffRecord<Tally>> sent = new AtomicReference<>();
		runner("v1", properties)
			.run((context) -> sent.set(context.getBean(HandoffOperations.class).initiate(label, 1, new Tally(41))));
		return sent.get();
	}

	private Received receive(String... properties) {
		Received received = new Received();
		int before = Tally.created.get();
		runner("v2", properties).withBean(TallyParticipant.class, TallyParticipant::new)
			.withConfiguration(AutoConfigurations.of(HandoffMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			// Registered before the startup claim, which is where the records arrive.
			.withBean(BeanPostProcessor.class, () -> new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (bean instanceof HandoffTemplate template) {
						template.getActivity().addListener(received);
					}
					return bean;
				}
			})
			.run((context) -> {
				TallyParticipant participant = context.getBean(TallyParticipant.class);
				HandoffStore store = context.getBean(HandoffStore.class);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> !participant.received.isEmpty()
							|| store.inspect(List.of("tally")).get("tally").deadLettered() > 0);
				received.records.addAll(participant.received);
				context.getBean(MeterRegistry.class)
					.find("handoff.records")
					.tags("label", "tally", "outcome", "rejected")
					.counters()
					.forEach((counter) -> received.rejectedMetric.add(counter.getId().getTag("reason")));
				received.deadLetters.addAll(store.list("tally", 10)
					.stream()
					.filter((stored) -> stored.where() == HandoffStore.Where.DEAD_LETTERED)
					.toList());
			});
		received.deserialized = Tally.created.get() - before;
		return received;
	}

	private void inRedis(Consumer<RedisConnection> action) {
		try (RedisConnection connection = redis.connectionFactory().getConnection()) {
			action.accept(connection);
		}
	}

	private byte[] pending(String label) {
		return LabelKeys.of(redis.namespace(), label).pending().getBytes(StandardCharsets.UTF_8);
	}

	private byte[] envelope(HandoffRecord<?> record) {
		byte[][] value = new byte[1][];
		inRedis((connection) -> value[0] = connection.hashCommands()
			.hGet(pending(record.label()), record.id().getBytes(StandardCharsets.UTF_8)));
		assertThat(value[0]).as("envelope of " + record.id()).isNotNull();
		return value[0];
	}

	private void put(String label, String id, byte[] envelope) {
		inRedis((connection) -> connection.hashCommands()
			.hSet(pending(label), id.getBytes(StandardCharsets.UTF_8), envelope));
	}

	/** Replaces text in the header line, or with {@code payload} in the payload only. */
	private static byte[] replace(byte[] envelope, boolean payload, String from, String to) {
		String text = new String(envelope, StandardCharsets.ISO_8859_1);
		int newline = text.indexOf('\n');
		String header = text.substring(0, newline + 1);
		String data = text.substring(newline + 1);
		assertThat(payload ? data : header).contains(from);
		return (payload ? header + data.replace(from, to) : header.replace(from, to) + data)
			.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static void assertRejected(Received received, String reason) {
		assertThat(received.records).isEmpty();
		assertThat(received.deserialized).as("deserializer calls").isZero();
		assertThat(received.deadLetters).singleElement()
			.satisfies((dead) -> assertThat(dead.reason()).contains("rejected (" + reason + ")"));
		assertThat(received.rejected).containsExactly(reason);
		assertThat(received.rejectedMetric).containsExactly(reason);
	}

	@Test
	void signedAndEncryptedStateIsDeliveredAndRedisNeverHoldsItInClearText() {
		HandoffRecord<Tally> sent = handOff("tally", with(keys("k1", "k1"), "handoff.security.encrypt=true"));
		byte[] stored = envelope(sent);
		assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("hits")
			.contains("\"handoff-key\":\"k1\"");
		Received received = receive(keys("k1", "k1"));
		assertThat(received.records).singleElement().satisfies((record) -> {
			assertThat(record.data().hits()).isEqualTo(41);
			assertThat(record.headers()).doesNotContainKeys("handoff-signature", "handoff-key", "handoff-nonce");
		});
	}

	@Test
	void oneFlippedPayloadByteIsRejectedUnread() {
		HandoffRecord<Tally> sent = handOff("tally", keys("k1", "k1"));
		put("tally", sent.id(), replace(envelope(sent), true, "41", "40"));
		assertRejected(receive(keys("k1", "k1")), "bad-signature");
	}

	@Test
	void anAlteredHeaderIsRejectedUnread() {
		HandoffRecord<Tally> sent = handOff("tally", keys("k1", "k1"));
		put("tally", sent.id(), replace(envelope(sent), false, "\"origin\":\"v1\"", "\"origin\":\"v0\""));
		assertRejected(receive(keys("k1", "k1")), "bad-signature");
	}

	@Test
	void aRecordForgedWithoutTheKeyIsRejectedUnread() {
		String forged = "{\"format\":1,\"id\":\"forged-1\",\"label\":\"tally\",\"version\":1,\"origin\":\"attacker\","
				+ "\"createdAt\":\"2026-12-01T10:00:00Z\",\"headers\":{\"handoff-key\":\"k1\",\"handoff-namespace\":\""
				+ redis.namespace() + "\",\"handoff-signature\":\"AAAA\"}}\n{\"hits\":1000000}";
		put("tally", "forged-1", forged.getBytes(StandardCharsets.UTF_8));
		assertRejected(receive(keys("k1", "k1")), "bad-signature");
	}

	@Test
	void anUnsignedRecordIsRejectedWhileSignaturesAreRequired() {
		handOff("tally");
		assertRejected(receive(keys("k1", "k1")), "unsigned");
	}

	@Test
	void unsignedRecordsAreAcceptedWhileSignaturesAreTurnedOnWithRequireSignedOff() {
		handOff("tally");
		Received received = receive(with(keys("k1", "k1"), "handoff.security.require-signed=false"));
		assertThat(received.records).singleElement()
			.satisfies((record) -> assertThat(record.data().hits()).isEqualTo(41));
	}

	@Test
	void aRecordSignedByARemovedKeyIsRejectedUnread() {
		handOff("tally", keys("k1", "k1"));
		assertRejected(receive(keys("k2", "k2")), "unknown-key");
	}

	@Test
	void aRecordCopiedFromAnotherLabelIsRejectedUnread() {
		HandoffRecord<Tally> sent = handOff("other", keys("k1", "k1"));
		put("tally", sent.id(), envelope(sent));
		assertRejected(receive(keys("k1", "k1")), "wrong-label");
	}

	@Test
	void aRecordCopiedFromAnotherNamespaceIsRejectedUnread() {
		String otherNamespace = redis.namespace() + "-other";
		HandoffRecord<Tally> sent = handOff("tally", with(keys("k1", "k1"), "handoff.namespace=" + otherNamespace));
		byte[][] copied = new byte[1][];
		inRedis((connection) -> copied[0] = connection.hashCommands()
			.hGet(LabelKeys.of(otherNamespace, "tally").pending().getBytes(StandardCharsets.UTF_8),
					sent.id().getBytes(StandardCharsets.UTF_8)));
		put("tally", sent.id(), copied[0]);
		assertRejected(receive(keys("k1", "k1")), "wrong-namespace");
	}

	@Test
	void aGenuineRecordPutBackAfterItsAcknowledgementIsNotDeliveredAgain() {
		HandoffRecord<Tally> sent = handOff("tally", keys("k1", "k1"));
		byte[] genuine = envelope(sent);
		assertThat(receive(keys("k1", "k1")).records).hasSize(1);
		put("tally", sent.id(), genuine);
		Received again = receive(keys("k1", "k1"));
		assertThat(again.records).isEmpty();
		assertThat(again.deserialized).isZero();
		assertThat(again.deadLetters).singleElement()
			.satisfies((dead) -> assertThat(dead.reason()).startsWith("replayed"));
	}

	@Test
	void aRecordMovedUnderAnotherIdIsDeadLetteredUnread() {
		HandoffRecord<Tally> sent = handOff("tally", keys("k1", "k1"));
		byte[] genuine = envelope(sent);
		inRedis((connection) -> connection.hashCommands()
			.hDel(pending("tally"), sent.id().getBytes(StandardCharsets.UTF_8)));
		put("tally", "moved-1", genuine);
		Received received = receive(keys("k1", "k1"));
		assertThat(received.records).isEmpty();
		assertThat(received.deserialized).isZero();
		assertThat(received.deadLetters).singleElement().satisfies((dead) -> {
			assertThat(dead.id()).isEqualTo("moved-1");
			assertThat(dead.reason()).contains("its header names record " + sent.id());
		});
	}

	@Test
	void rotationAcrossTwoRollingDeploysLosesNothing() {
		// v1 signs with k1; v2 knows k1 and k2 and signs with k2; v3 knows k2 only.
		handOff("tally", keys("k1", "k1"));
		Received second = new Received();
		runner("v2", keys("k2", "k1", "k2")).withBean(TallyParticipant.class, TallyParticipant::new).run((context) -> {
			TallyParticipant participant = context.getBean(TallyParticipant.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> !participant.received.isEmpty());
			second.records.addAll(participant.received);
			participant.state = new Tally(participant.received.get(0).data().hits() + 1);
		});
		assertThat(second.records).hasSize(1);
		Received third = receive(keys("k2", "k2"));
		assertThat(third.records).singleElement().satisfies((record) -> {
			assertThat(record.data().hits()).isEqualTo(42);
			assertThat(record.origin()).isEqualTo("v2");
		});
	}

	@Test
	void unsignedStateToARedisOnTheNetworkIsWarnedOfOnceAtStartup(CapturedOutput output) {
		String[] unreachable = { "spring.data.redis.host=192.0.2.1", "spring.data.redis.timeout=200ms",
				"handoff.store-check=off", "handoff.startup-timeout=200ms" };
		runner("v1", unreachable).run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).containsOnlyOnce("Handoff state goes unsigned to Redis at [192.0.2.1]")
			.contains("handoff.security.keys");
		runner("v1", with(unreachable, keys("k1", "k1"))).run((context) -> assertThat(context).hasNotFailed());
		runner("v1").run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).containsOnlyOnce("Handoff state goes unsigned").contains("records signed with key 'k1'");
	}

	private static String[] with(String[] properties, String... more) {
		String[] all = Arrays.copyOf(properties, properties.length + more.length);
		System.arraycopy(more, 0, all, properties.length, more.length);
		return all;
	}

	record Tally(long hits) {

		static final AtomicInteger created = new AtomicInteger();

		Tally {
			created.incrementAndGet();
		}

	}

	static final class Received implements HandoffListener {

		final List<HandoffRecord<Tally>> records = new CopyOnWriteArrayList<>();

		final List<HandoffStore.StoredRecord> deadLetters = new CopyOnWriteArrayList<>();

		final List<String> rejected = new CopyOnWriteArrayList<>();

		final List<String> rejectedMetric = new CopyOnWriteArrayList<>();

		int deserialized;

		@Override
		public void rejected(String label, String reason) {
			this.rejected.add(reason);
		}

	}

	@Handoff("tally")
	static class TallyParticipant implements HandoffParticipant<Tally> {

		final List<HandoffRecord<Tally>> received = new CopyOnWriteArrayList<>();

		volatile @Nullable Tally state;

		@Override
		public @Nullable Tally handoffState() {
			return this.state;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Tally>> handoffs) {
			this.received.addAll(handoffs);
		}

	}

}
