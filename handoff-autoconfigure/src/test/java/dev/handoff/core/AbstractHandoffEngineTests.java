package dev.handoff.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.handoff.Handoff;
import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.ResolvableType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests of the engine, {@link HandoffLifecycle} and {@link HandoffTemplate}, through the
 * public API only: participant beans and {@link HandoffOperations} in application
 * contexts built by the auto-configuration. One application context plays one instance;
 * instances share a store. Each subclass runs them against one store.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractHandoffEngineTests {

	static final ParameterizedTypeReference<Map<String, List<Long>>> COUNTERS_TYPE = new ParameterizedTypeReference<>() {
	};

	/**
	 * Longs small enough to be read back as Integers, and one that is not, if the type
	 * were lost.
	 */
	static final Map<String, List<Long>> STATE = Map.of("alice", List.of(1L, 2L, 3L), "bob",
			List.of(Long.MAX_VALUE, -7L), "carol", List.of());

	protected String namespace;

	@BeforeEach
	void namespace() {
		this.namespace = "test-" + UUID.randomUUID();
	}

	/**
	 * Returns a runner whose contexts share one store.
	 * @param settings the Handoff settings, the same for every context of a test
	 * @return the runner, configured with the auto-configuration and this test's store
	 */
	protected abstract ApplicationContextRunner storeRunner(Settings settings);

	/**
	 * Returns the dead letters of a label.
	 * @param label the label
	 * @return record id → reason
	 */
	protected abstract Map<String, String> deadLetters(String label);

	ApplicationContextRunner runner(Settings settings, String instanceId) {
		return storeRunner(settings).withPropertyValues("handoff.instance-id=" + instanceId,
				"handoff.lease=" + settings.lease().toMillis() + "ms",
				"handoff.poll-interval=" + settings.pollInterval().toMillis() + "ms",
				"handoff.max-deliveries=" + settings.maxDeliveries(), "handoff.startup-timeout=5s",
				"handoff.shutdown-timeout=5s");
	}

	@Test
	void stateOfAParameterizedTypeSurvivesFromShutdownToTheNextStartupBeforeTheParticipantStarts() {
		Settings settings = Settings.DEFAULT;
		runner(settings, "old").withBean(Counters.class, () -> new Counters(STATE)).run((old) -> {
			assertThat(old).hasNotFailed();
			assertThat(old.getBean(Counters.class).received).isEmpty();
		});
		runner(settings, "new").withBean(Counters.class, Counters::new).run((context) -> {
			Counters counters = context.getBean(Counters.class);
			// No await: the state must be there when the context has started.
			assertThat(counters.received).singleElement().satisfies((record) -> {
				assertThat(record.data()).isEqualTo(STATE);
				assertThat(record.data().get("alice")).first().isInstanceOf(Long.class);
				assertThat(record.label()).isEqualTo("counters");
				assertThat(record.version()).isEqualTo(1);
				assertThat(record.origin()).isEqualTo("old");
			});
			assertThat(counters.events).containsSubsequence("receive", "start", "refreshed");
			assertThat(counters.events.indexOf("receive")).isLessThan(counters.events.indexOf("start"));
		});
	}

	@ParameterizedTest(name = "participant phase {0}")
	@ValueSource(ints = { 0, SmartLifecycle.DEFAULT_PHASE })
	void participantIsStoppedBeforeItsStateIsCapturedOnce(int phase) {
		AtomicReference<Counters> old = new AtomicReference<>();
		runner(Settings.DEFAULT, "old").withBean(Counters.class, () -> new Counters(STATE, phase)).run((context) -> {
			old.set(context.getBean(Counters.class));
			assertThat(old.get().isRunning()).isTrue();
		});
		Counters counters = old.get();
		assertThat(counters.events).containsSubsequence("start", "stop:begin", "stop:end", "handoffState")
			.doesNotContain("handoffState while running");
		assertThat(counters.captures).hasValue(1);
		runner(Settings.DEFAULT, "new").withBean(Counters.class, Counters::new)
			.run((context) -> assertThat(context.getBean(Counters.class).received).singleElement()
				.satisfies((record) -> assertThat(record.data()).isEqualTo(STATE)));
	}

	@Test
	void stateTypeDeclaredThroughAGenericSuperclassIsReadExactly() {
		runner(Settings.DEFAULT, "old").withBean(SubclassedCounters.class, () -> new SubclassedCounters(STATE))
			.run((context) -> {
			});
		runner(Settings.DEFAULT, "new").withBean(SubclassedCounters.class, () -> new SubclassedCounters(null))
			.run((context) -> assertThat(context.getBean(SubclassedCounters.class).received).singleElement()
				.satisfies((record) -> {
					assertThat(record.data()).isEqualTo(STATE);
					assertThat(record.data().get("alice")).first().isInstanceOf(Long.class);
				}));
	}

	@ParameterizedTest
	@EnumSource
	void stateRestoredIntoAnInstanceThatFailsToStartIsNotLost(StartupFailure failure) {
		runner(Settings.DEFAULT, "old").withBean(Counters.class, () -> new Counters(STATE)).run((context) -> {
		});
		runner(Settings.DEFAULT, "failing").withBean(Counters.class, Counters::new)
			.with(failure::register)
			.run((context) -> assertThat(context).hasFailed());
		runner(Settings.DEFAULT, "new").withBean(Counters.class, Counters::new).run((context) -> {
			Counters counters = context.getBean(Counters.class);
			assertThat(counters.received).extracting(HandoffRecord::data).containsExactly(STATE);
		});
	}

	@Test
	void participantWithoutStateHandsOffNothing() {
		runner(Settings.DEFAULT, "old").withBean(Counters.class, Counters::new).run((context) -> {
		});
		runner(Settings.DEFAULT, "new").withBean(Counters.class, Counters::new).run((context) -> {
			assertThat(context.getBean(Counters.class).received).isEmpty();
			assertThat(context.getBean(HandoffOperations.class).complete("counters", 1, COUNTERS_TYPE, (records) -> {
			})).isZero();
		});
	}

	@Test
	void stateHandedOffByAnotherInstanceReachesARunningParticipantThroughItsNotification() {
		// The poll is an hour away, so only the notification can bring the record in
		// time.
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofHours(1));
		runner(settings, "new").withBean(Counters.class, Counters::new).run((context) -> {
			Counters counters = context.getBean(Counters.class);
			assertThat(counters.received).isEmpty();
			runner(settings, "old").withBean(Counters.class, () -> new Counters(STATE)).run((old) -> {
				assertThat(old).hasNotFailed();
			});
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(counters.received).singleElement().satisfies((record) -> {
					assertThat(record.data()).isEqualTo(STATE);
					assertThat(record.origin()).isEqualTo("old");
				}));
			assertThat(counters.events).containsSubsequence("start", "refreshed", "receive");
		});
	}

	@Test
	void recordOfANewerVersionIsReleasedForAnInstanceThatReadsIt(CapturedOutput output) {
		runner(Settings.DEFAULT, "old").withBean(Counters.class, Counters::new).run((old) -> {
			HandoffRecord<Map<String, List<Long>>> record = old.getBean(HandoffOperations.class)
				.initiate("counters", 2, STATE);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> output.getAll().contains("Released 1 handoff record(s) of label 'counters' at once"));
			assertThat(old.getBean(Counters.class).attempts).isEmpty();
			assertThat(deadLetters("counters")).isEmpty();
			runner(Settings.DEFAULT, "new").withBean(UpgradingCounters.class, UpgradingCounters::new)
				.run((upgraded) -> {
					// Delivered at startup, as a first delivery: the release did not
					// count as one.
					assertThat(upgraded.getBean(UpgradingCounters.class).received).singleElement()
						.satisfies((received) -> assertThat(received.id()).isEqualTo(record.id()));
				});
		});
	}

	@Test
	void recordOfAnOlderVersionThatTheParticipantDoesNotConvertIsDeadLetteredWithAnErrorThatSaysHowToAcceptIt(
			CapturedOutput output) {
		runner(Settings.DEFAULT, "new").withBean(UpgradingCounters.class, UpgradingCounters::new).run((context) -> {
			HandoffRecord<Map<String, List<Long>>> record = context.getBean(HandoffOperations.class)
				.initiate("counters", 0, STATE);
			await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters("counters").containsKey(record.id()));
			assertThat(deadLetters("counters").get(record.id())).contains("version 0");
			assertThat(context.getBean(UpgradingCounters.class).received).isEmpty();
			assertThat(output).contains("ERROR")
				.contains("Handoff record " + record.id() + " of label 'counters' from new was not delivered: "
						+ "version 0 while participant")
				.contains("To accept such records, return the converted state from "
						+ "upgradeHandoff(HandoffRecord<JsonNode>)")
				.contains("@Handoff(version = 0)");
		});
	}

	@Test
	void goodRecordsClaimedWithAPoisonOneAreMergedOnceAndOnlyThePoisonOneIsDeadLettered(CapturedOutput output) {
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofMillis(100)).withMaxDeliveries(2);
		List<String> good = new ArrayList<>();
		runner(settings, "sender").run((sender) -> {
			HandoffOperations operations = sender.getBean(HandoffOperations.class);
			good.add(operations.initiate("counters", 1, Map.of("alice", List.of(1L))).id());
			operations.initiate("counters", 1, Map.of("poison", List.of(0L)));
			good.add(operations.initiate("counters", 1, Map.of("bob", List.of(2L))).id());
		});
		runner(settings, "taker").withBean(PoisonedCounters.class, PoisonedCounters::new).run((context) -> {
			PoisonedCounters counters = context.getBean(PoisonedCounters.class);
			await().atMost(Duration.ofSeconds(15)).until(() -> !deadLetters("counters").isEmpty());
			assertThat(deadLetters("counters")).containsOnlyKeys(counters.poisonId());
			assertThat(deadLetters("counters").get(counters.poisonId())).startsWith("max deliveries");
			assertThat(counters.merged).containsExactlyInAnyOrderElementsOf(good);
			assertThat(output).contains("giving them to it one at a time");
		});
	}

	@Test
	void mergeLongerThanTheLeaseIsMergedOnceBecauseTheLeaseIsRenewed(CapturedOutput output) {
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofMillis(100));
		runner(settings, "slow").withBean(SlowCounters.class, SlowCounters::new).run((slow) -> {
			SlowCounters slowCounters = slow.getBean(SlowCounters.class);
			HandoffRecord<Map<String, List<Long>>> record = slow.getBean(HandoffOperations.class)
				.initiate("counters", 1, STATE);
			await().atMost(Duration.ofSeconds(10)).until(() -> slowCounters.started.get() == 1);
			runner(settings, "fast").withBean(Counters.class, Counters::new).run((fast) -> {
				await().atMost(Duration.ofSeconds(15)).until(() -> slowCounters.finished.get() == 1);
				// Leases that lapsed would have been claimed by now: the poll runs every
				// 100 ms.
				await().during(settings.lease().multipliedBy(2))
					.atMost(settings.lease().multipliedBy(3))
					.until(() -> fast.getBean(Counters.class).attempts.isEmpty());
			});
			assertThat(slowCounters.started).hasValue(1);
			assertThat(output).doesNotContain("merged twice").doesNotContain("will be delivered again");
			assertThat(record.id()).isNotNull();
		});
	}

	@Test
	void recordOfAnotherVersionIsDeliveredConvertedWhenTheParticipantUpgradesIt() {
		runner(Settings.DEFAULT, "new").withBean(UpgradingCounters.class, UpgradingCounters::new).run((context) -> {
			// Version 1 kept one total per name; version 2 keeps the list of increments.
			HandoffRecord<Map<String, Long>> record = context.getBean(HandoffOperations.class)
				.initiate("counters", 1, Map.of("alice", 6L, "bob", 3_000_000_000L));
			UpgradingCounters counters = context.getBean(UpgradingCounters.class);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(counters.received).singleElement().satisfies((received) -> {
					assertThat(received.id()).isEqualTo(record.id());
					assertThat(received.data()).isEqualTo(Map.of("alice", List.of(6L), "bob", List.of(3_000_000_000L)));
				}));
			assertThat(counters.upgraded).containsExactly(1);
			assertThat(deadLetters("counters")).isEmpty();
		});
	}

	@Test
	void recordIsDeliveredAgainAfterTheLeaseWhenTheReceiverThrows(CapturedOutput output) {
		// The poll settles lapsed leases; it runs often here so the test does not wait
		// for it.
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofMillis(100));
		runner(settings, "new").withBean(Counters.class, () -> new Counters(null, SmartLifecycle.DEFAULT_PHASE, 2))
			.run((context) -> {
				Counters counters = context.getBean(Counters.class);
				HandoffRecord<Map<String, List<Long>>> record = context.getBean(HandoffOperations.class)
					.initiate("counters", 1, STATE);
				await().atMost(Duration.ofSeconds(15))
					.untilAsserted(() -> assertThat(counters.received).singleElement()
						.satisfies((received) -> assertThat(received.data()).isEqualTo(STATE)));
				assertThat(counters.attempts).extracting(Attempt::recordId)
					.containsExactly(record.id(), record.id(), record.id());
				for (int i = 1; i < counters.attempts.size(); i++) {
					Duration between = Duration.between(counters.attempts.get(i - 1).at(),
							counters.attempts.get(i).at());
					// Without the lease the next poll, 100 ms later, would deliver it
					// again; half the lease leaves
					// room for a delivery that a loaded machine recorded late.
					assertThat(between).as("time between attempt %d and %d", i, i + 1)
						.isGreaterThanOrEqualTo(settings.lease().dividedBy(2));
				}
				assertThat(output).contains("failed on delivery attempt 1 of handoff record " + record.id())
					.contains("failed on delivery attempt 2 of handoff record " + record.id())
					.doesNotContain("failed on delivery attempt 3");
				assertThat(deadLetters("counters")).isEmpty();
			});
	}

	@Test
	void recordIsDeadLetteredWithAnErrorAfterMaxDeliveries(CapturedOutput output) {
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofMillis(100)).withMaxDeliveries(2);
		runner(settings, "new")
			.withBean(Counters.class, () -> new Counters(null, SmartLifecycle.DEFAULT_PHASE, Integer.MAX_VALUE))
			.run((context) -> {
				Counters counters = context.getBean(Counters.class);
				HandoffRecord<Map<String, List<Long>>> record = context.getBean(HandoffOperations.class)
					.initiate("counters", 1, STATE);
				await().atMost(Duration.ofSeconds(15)).until(() -> deadLetters("counters").containsKey(record.id()));
				assertThat(counters.attempts).hasSize(2);
				assertThat(counters.received).isEmpty();
				// The store moves the record as the third claim runs; the ERROR follows
				// once that claim returns.
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(output).contains("ERROR")
						.contains(
								"Handoff record " + record.id() + " of label 'counters' was moved to the dead letters")
						.contains("max deliveries: 2 claims ended without an acknowledgement"));
				// Dead means dead: no further delivery once more leases could have
				// lapsed.
				await().during(settings.lease().multipliedBy(2))
					.atMost(settings.lease().multipliedBy(3))
					.until(() -> counters.attempts.size() == 2);
			});
	}

	@Test
	void unreadableRecordIsDeadLetteredAndNotRetried(CapturedOutput output) {
		Settings settings = Settings.DEFAULT.withPollInterval(Duration.ofMillis(100));
		runner(settings, "new").withBean(Counters.class, Counters::new).run((context) -> {
			Counters counters = context.getBean(Counters.class);
			HandoffRecord<List<String>> record = context.getBean(HandoffOperations.class)
				.initiate("counters", 1, List.of("not", "a", "map"));
			await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters("counters").containsKey(record.id()));
			assertThat(deadLetters("counters").get(record.id())).startsWith("unreadable as");
			assertThat(output).contains("ERROR")
				.contains("Handoff record " + record.id() + " of label 'counters' from new was not delivered: "
						+ "unreadable as");
			await().during(settings.lease().multipliedBy(2))
				.atMost(settings.lease().multipliedBy(3))
				.until(() -> counters.attempts.isEmpty());
			assertThat(output).doesNotContain("will be delivered again");
		});
	}

	@Test
	void initiateWithTheSameRecordIdStoresTheStateOnceWhereverTheFirstCallsRecordIs() {
		runner(Settings.DEFAULT, "instance").run((context) -> {
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			String key = UUID.randomUUID().toString();
			// A caller that retries after a timeout, while the first record waits, and
			// after it was delivered.
			HandoffRecord<String> first = operations.initiate("jobs", 1, "first", key);
			HandoffRecord<String> retry = operations.initiate("jobs", 1, "retry", key);
			assertThat(first.id()).isEqualTo(key).isEqualTo(retry.id());
			List<String> received = new ArrayList<>();
			assertThat(operations.complete("jobs", 1, String.class,
					(records) -> records.forEach((record) -> received.add(record.data()))))
				.isOne();
			operations.initiate("jobs", 1, "late retry", key);
			assertThat(operations.complete("jobs", 1, String.class,
					(records) -> records.forEach((record) -> received.add(record.data()))))
				.isZero();
			assertThat(received).containsExactly("first");
			assertThatExceptionOfType(HandoffException.class)
				.isThrownBy(() -> operations.initiate("jobs", 1, "x", "has spaces"))
				.withMessageContaining("record id 'has spaces' is not valid");
		});
	}

	@Test
	void recordsClaimedAfterTheSealAreReleasedAtOnce(CapturedOutput output) {
		runner(Settings.DEFAULT, "sealed").run((context) -> {
			HandoffTemplate template = context.getBean(HandoffTemplate.class);
			HandoffStore store = context.getBean(HandoffStore.class);
			HandoffRecord<String> record = template.initiate("jobs", 1, "state");
			Receiver<String> receiver = jobsReceiver(template, (records) -> {
				throw new AssertionError("A sealed receiver must not get records: " + records);
			});
			receiver.lock.lock();
			try {
				receiver.seal();
			}
			finally {
				receiver.lock.unlock();
			}
			// The race: the claim was under way when the state was captured.
			HandoffClaim claim = store.claim("jobs", "sealed");
			template.acknowledge(List.of(template.deliver(receiver, claim)));
			HandoffClaim successor = store.claim("jobs", "successor");
			assertThat(successor.deliveries()).singleElement().satisfies((delivery) -> {
				assertThat(delivery.record().id()).isEqualTo(record.id());
				assertThat(delivery.attempt()).as("the sealed claim is not counted").isOne();
			});
			assertThat(output).contains("Released 1 handoff record(s) of label 'jobs' at once: they were claimed "
					+ "after the state of label 'jobs' was handed off");
		});
	}

	@Test
	void lateAcknowledgementAfterAnotherInstanceMergedTheRecordIsLoggedAsMergedTwice(CapturedOutput output) {
		runner(Settings.DEFAULT, "paused").run((context) -> {
			HandoffTemplate template = context.getBean(HandoffTemplate.class);
			HandoffStore store = context.getBean(HandoffStore.class);
			HandoffRecord<String> record = template.initiate("jobs", 1, "state");
			Receiver<String> receiver = jobsReceiver(template, (records) -> {
			});
			// A merge whose JVM froze past the lease (a GC pause): no renewal ran, and
			// another claim took over.
			HandoffClaim paused = store.claim("jobs", "paused");
			await().pollDelay(Settings.DEFAULT.lease().plusMillis(200)).until(() -> true);
			HandoffClaim other = store.claim("jobs", "other");
			assertThat(store.acknowledge(other, List.of(record.id()))).isOne();
			template.acknowledge(List
				.of(new Deliveries.Delivered(receiver, paused, List.of(paused.deliveries().get(0).record()), null)));
			assertThat(output).contains("WARN")
				.contains("another claim had already merged and acknowledged [" + record.id() + "], so they were "
						+ "merged twice");
		});
	}

	private static Receiver<String> jobsReceiver(HandoffTemplate template,
			Consumer<List<HandoffRecord<String>>> consumer) {
		return new Receiver<>("jobs", 1, template.constructType(ResolvableType.forClass(String.class)),
				"participant 'jobs'", consumer, null);
	}

	@Test
	void startupWarnsOfLabelsWithWaitingRecordsThatNoParticipantClaims(CapturedOutput output) {
		runner(Settings.DEFAULT, "old").run((old) -> {
			HandoffOperations operations = old.getBean(HandoffOperations.class);
			operations.initiate("renamedCounters", 1, STATE);
			operations.initiate("renamedCounters", 1, STATE);
		});
		runner(Settings.DEFAULT, "new").withBean(Counters.class, Counters::new).run((context) -> {
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(output).contains("WARN")
					.contains("no participant of this application claims")
					.contains("{renamedCounters=2}")
					.contains("@Handoff(\"<old label>\")"));
		});
	}

	@Test
	void operationsHandOffBetweenCodeThatIsNotAParticipant() {
		runner(Settings.DEFAULT, "receiver").run((context) -> {
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			List<HandoffRecord<Map<String, List<Long>>>> received = new CopyOnWriteArrayList<>();
			AtomicInteger notifications = new AtomicInteger();
			ExecutorService executor = Executors.newSingleThreadExecutor();
			try (HandoffSubscription subscription = operations.subscribe("jobs", () -> {
				notifications.incrementAndGet();
				// The callback must not block, so the claim runs elsewhere.
				executor.execute(() -> operations.complete("jobs", 1, COUNTERS_TYPE, received::addAll));
			})) {
				// Establishing the subscription counts as a notification; after it, a new
				// record is announced.
				await().atMost(Duration.ofSeconds(10)).until(() -> notifications.get() >= 1);
				runner(Settings.DEFAULT, "sender")
					.run((sender) -> sender.getBean(HandoffOperations.class).initiate("jobs", 1, STATE));
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(received).singleElement().satisfies((record) -> {
						assertThat(record.data()).isEqualTo(STATE);
						assertThat(record.origin()).isEqualTo("sender");
						assertThat(record.label()).isEqualTo("jobs");
					}));
			}
			finally {
				executor.shutdownNow();
			}
			assertThat(operations.complete("jobs", 1, COUNTERS_TYPE, (records) -> {
				throw new AssertionError("Acknowledged records must not come back: " + records);
			})).isZero();
		});
	}

	@Test
	void completeReadsPlainTypes() {
		runner(Settings.DEFAULT, "instance").run((context) -> {
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			operations.initiate("greeting", 1, "hello");
			operations.initiate("greeting", 1, "world");
			List<String> received = new ArrayList<>();
			int count = operations.complete("greeting", 1, String.class,
					(records) -> records.forEach((record) -> received.add(record.data())));
			assertThat(count).isEqualTo(2);
			assertThat(received).containsExactlyInAnyOrder("hello", "world");
		});
	}

	@Test
	void completeDeliversAgainAfterTheLeaseWhenTheReceiverThrows() {
		runner(Settings.DEFAULT, "instance").run((context) -> {
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			HandoffRecord<Map<String, List<Long>>> record = operations.initiate("jobs", 1, STATE);
			assertThatExceptionOfType(HandoffException.class)
				.isThrownBy(() -> operations.complete("jobs", 1, COUNTERS_TYPE, (records) -> {
					throw new IllegalStateException("merge failed");
				}))
				.withMessageContaining("failed on delivery attempt 1 of handoff record " + record.id())
				.havingCause()
				.withMessage("merge failed");
			// Under lease: no other taker gets it.
			assertThat(operations.complete("jobs", 1, COUNTERS_TYPE, (records) -> {
			})).isZero();
			List<HandoffRecord<Map<String, List<Long>>>> received = new ArrayList<>();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> operations.complete("jobs", 1, COUNTERS_TYPE, received::addAll) == 1);
			assertThat(received).singleElement().satisfies((again) -> {
				assertThat(again.id()).isEqualTo(record.id());
				assertThat(again.data()).isEqualTo(STATE);
			});
		});
	}

	/**
	 * Handoff settings of a test.
	 *
	 * @param lease the lease
	 * @param pollInterval the poll interval
	 * @param maxDeliveries the maximum number of deliveries
	 */
	record Settings(Duration lease, Duration pollInterval, int maxDeliveries) {

		static final Settings DEFAULT = new Settings(Duration.ofSeconds(1), Duration.ofHours(1), 5);

		Settings withPollInterval(Duration pollInterval) {
			return new Settings(this.lease, pollInterval, this.maxDeliveries);
		}

		Settings withMaxDeliveries(int maxDeliveries) {
			return new Settings(this.lease, this.pollInterval, maxDeliveries);
		}

	}

	record Attempt(String recordId, Instant at) {
	}

	/**
	 * A participant that records what happens to it, and when. It is a
	 * {@link SmartLifecycle} that stops its work on another thread, as one with a
	 * scheduler would.
	 */
	@Handoff("counters")
	static class Counters implements HandoffParticipant<Map<String, List<Long>>>, SmartLifecycle,
			ApplicationListener<ContextRefreshedEvent> {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<HandoffRecord<Map<String, List<Long>>>> received = new CopyOnWriteArrayList<>();

		final List<Attempt> attempts = new CopyOnWriteArrayList<>();

		final AtomicInteger captures = new AtomicInteger();

		private final Map<String, List<Long>> state = new LinkedHashMap<>();

		private final int phase;

		private final AtomicInteger failures;

		private volatile boolean running;

		Counters() {
			this(null);
		}

		Counters(@Nullable Map<String, List<Long>> state) {
			this(state, SmartLifecycle.DEFAULT_PHASE);
		}

		Counters(@Nullable Map<String, List<Long>> state, int phase) {
			this(state, phase, 0);
		}

		Counters(@Nullable Map<String, List<Long>> state, int phase, int failures) {
			if (state != null) {
				this.state.putAll(state);
			}
			this.phase = phase;
			this.failures = new AtomicInteger(failures);
		}

		@Override
		public @Nullable Map<String, List<Long>> handoffState() {
			this.captures.incrementAndGet();
			this.events.add(this.running ? "handoffState while running" : "handoffState");
			synchronized (this.state) {
				return this.state.isEmpty() ? null : new LinkedHashMap<>(this.state);
			}
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, List<Long>>>> handoffs) {
			handoffs.forEach((record) -> this.attempts.add(new Attempt(record.id(), Instant.now())));
			if (this.failures.getAndDecrement() > 0) {
				throw new IllegalStateException("merge failed");
			}
			this.events.add("receive");
			this.received.addAll(handoffs);
			synchronized (this.state) {
				handoffs.forEach((record) -> record.data()
					.forEach((name, values) -> this.state.merge(name, values, (mine, theirs) -> concat(mine, theirs))));
			}
		}

		private static List<Long> concat(List<Long> first, List<Long> second) {
			List<Long> both = new ArrayList<>(first);
			both.addAll(second);
			return both;
		}

		@Override
		public void start() {
			this.events.add("start");
			this.running = true;
		}

		@Override
		public void stop() {
			this.events.add("stop:begin");
			this.running = false;
			this.events.add("stop:end");
		}

		@Override
		public void stop(Runnable callback) {
			this.events.add("stop:begin");
			Thread worker = new Thread(() -> {
				try {
					// Simulates background work that takes a while to wind down.
					Thread.sleep(100);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				this.running = false;
				this.events.add("stop:end");
				callback.run();
			});
			worker.start();
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return this.phase;
		}

		@Override
		public void onApplicationEvent(ContextRefreshedEvent event) {
			this.events.add("refreshed");
		}

	}

	/**
	 * A participant whose state type is declared by a generic superclass.
	 *
	 * @param <V> the type of the values
	 */
	abstract static class MapParticipant<V> implements HandoffParticipant<Map<String, V>> {

		final List<HandoffRecord<Map<String, V>>> received = new CopyOnWriteArrayList<>();

		private final @Nullable Map<String, V> state;

		MapParticipant(@Nullable Map<String, V> state) {
			this.state = state;
		}

		@Override
		public @Nullable Map<String, V> handoffState() {
			return this.state;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, V>>> handoffs) {
			this.received.addAll(handoffs);
		}

	}

	@Handoff("counters")
	static class SubclassedCounters extends MapParticipant<List<Long>> {

		SubclassedCounters(@Nullable Map<String, List<Long>> state) {
			super(state);
		}

	}

	/**
	 * Ways an application can fail to start after Handoff restored state into it.
	 */
	enum StartupFailure {

		/** A lifecycle bean that starts before Handoff's phase fails to start. */
		START_BEFORE_HANDOFF_PHASE {

			@Override
			ApplicationContextRunner register(ApplicationContextRunner runner) {
				return runner.withBean(FailingToStart.class, () -> new FailingToStart(Integer.MIN_VALUE));
			}

		},

		/** A lifecycle bean that starts after Handoff's phase fails to start. */
		START_AFTER_HANDOFF_PHASE {

			@Override
			ApplicationContextRunner register(ApplicationContextRunner runner) {
				return runner.withBean(FailingToStart.class, () -> new FailingToStart(SmartLifecycle.DEFAULT_PHASE));
			}

		},

		/** A listener of the refresh event fails, after every lifecycle bean started. */
		REFRESHED_LISTENER {

			@Override
			ApplicationContextRunner register(ApplicationContextRunner runner) {
				return runner.withBean(FailingOnRefresh.class, FailingOnRefresh::new);
			}

		};

		abstract ApplicationContextRunner register(ApplicationContextRunner runner);

	}

	static class FailingOnRefresh implements ApplicationListener<ContextRefreshedEvent> {

		@Override
		public void onApplicationEvent(ContextRefreshedEvent event) {
			throw new IllegalStateException("Cannot finish refresh");
		}

	}

	/**
	 * A bean whose start fails, after Handoff has restored state at startup.
	 */
	static class FailingToStart implements SmartLifecycle {

		private final int phase;

		FailingToStart(int phase) {
			this.phase = phase;
		}

		@Override
		public int getPhase() {
			return this.phase;
		}

		@Override
		public void start() {
			throw new IllegalStateException("Cannot start");
		}

		@Override
		public void stop() {
		}

		@Override
		public boolean isRunning() {
			return false;
		}

	}

	/**
	 * Counters whose merge fails whenever a batch holds the record with the key
	 * {@code poison}.
	 */
	@Handoff("counters")
	static class PoisonedCounters implements HandoffParticipant<Map<String, List<Long>>> {

		final List<String> merged = new CopyOnWriteArrayList<>();

		private volatile String poisonId = "";

		@Override
		public @Nullable Map<String, List<Long>> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, List<Long>>>> handoffs) {
			for (HandoffRecord<Map<String, List<Long>>> handoff : handoffs) {
				if (handoff.data().containsKey("poison")) {
					this.poisonId = handoff.id();
					throw new IllegalStateException("poison");
				}
			}
			handoffs.forEach((handoff) -> this.merged.add(handoff.id()));
		}

		String poisonId() {
			return this.poisonId;
		}

	}

	/**
	 * Counters whose merge takes three times the lease of {@link Settings#DEFAULT}.
	 */
	@Handoff("counters")
	static class SlowCounters implements HandoffParticipant<Map<String, List<Long>>> {

		final AtomicInteger started = new AtomicInteger();

		final AtomicInteger finished = new AtomicInteger();

		@Override
		public @Nullable Map<String, List<Long>> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, List<Long>>>> handoffs) {
			this.started.incrementAndGet();
			try {
				Thread.sleep(Settings.DEFAULT.lease().multipliedBy(3).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.finished.incrementAndGet();
		}

	}

	/**
	 * Version 2 of {@link Counters}' state, which converts version 1 records (one total
	 * per name).
	 */
	@Handoff(value = "counters", version = 2)
	static class UpgradingCounters implements HandoffParticipant<Map<String, List<Long>>> {

		final List<HandoffRecord<Map<String, List<Long>>>> received = new CopyOnWriteArrayList<>();

		final List<Integer> upgraded = new CopyOnWriteArrayList<>();

		@Override
		public @Nullable Map<String, List<Long>> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, List<Long>>>> handoffs) {
			this.received.addAll(handoffs);
		}

		@Override
		public @Nullable Map<String, List<Long>> upgradeHandoff(HandoffRecord<JsonNode> handoff) {
			if (handoff.version() != 1) {
				return null;
			}
			this.upgraded.add(handoff.version());
			Map<String, List<Long>> state = new LinkedHashMap<>();
			handoff.data()
				.properties()
				.forEach((entry) -> state.put(entry.getKey(), List.of(entry.getValue().asLong())));
			return state;
		}

	}

}
