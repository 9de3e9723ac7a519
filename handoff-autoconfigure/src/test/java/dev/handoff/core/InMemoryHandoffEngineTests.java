package dev.handoff.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.handoff.Handoff;
import dev.handoff.HandoffClaim;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.memory.InMemoryHandoffStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine tests against the in-memory store, shared by the contexts of one test as a
 * user-defined bean.
 */
class InMemoryHandoffEngineTests extends AbstractHandoffEngineTests {

	private InMemoryHandoffStore store;

	@BeforeEach
	void noStoreYet() {
		this.store = null;
	}

	@Override
	protected ApplicationContextRunner storeRunner(Settings settings) {
		if (this.store == null) {
			// A user-defined store is not configured by handoff.* properties: give it the
			// same policy.
			this.store = new InMemoryHandoffStore(new HandoffStore.Policy(Duration.ofHours(1), settings.lease(),
					settings.maxDeliveries(), Duration.ofDays(1)));
		}
		InMemoryHandoffStore store = this.store;
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> store)
			.withPropertyValues("handoff.namespace=" + this.namespace);
	}

	@Test
	void outOfMemoryWhileTheBatchIsWrittenCostsOnlyTheParticipantThatCausedIt(CapturedOutput output) {
		InMemoryHandoffStore memory = new InMemoryHandoffStore(
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(1), 5, Duration.ofDays(1)));
		// As encoding a state too large for the heap would: every write that holds the
		// big record fails.
		HandoffStore store = new OutOfMemoryOnLargeRecords(memory, 1024 * 1024);
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> store)
			.withPropertyValues("handoff.namespace=" + this.namespace, "handoff.startup-timeout=5s");
		runner.withPropertyValues("handoff.instance-id=old")
			.withBean(Counters.class, () -> new Counters(STATE))
			.withBean(Big.class, Big::new)
			.run((old) -> assertThat(old).hasNotFailed());
		assertThat(output).contains("Could not hand off the state of label 'big' (participant")
			.contains("OutOfMemoryError")
			.contains("-Xmx");
		runner.withPropertyValues("handoff.instance-id=new")
			.withBean(Counters.class, Counters::new)
			.run((context) -> assertThat(context.getBean(Counters.class).received).singleElement()
				.satisfies((record) -> assertThat(record.data()).isEqualTo(STATE)));
	}

	@Test
	void checkpointThatLapsedAndWasClaimedWhileTheInstanceRanIsNeverWrittenAgainAndItsFinalHandoffIsDeadLettered(
			CapturedOutput output) {
		MutableClock clock = new MutableClock();
		InMemoryHandoffStore memory = new InMemoryHandoffStore(
				new HandoffStore.Policy(Duration.ofDays(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)), clock);
		// A heartbeat every 10 minutes of real time: none runs during the test, so the
		// checkpoint lapses when the store's clock jumps past its lease.
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> memory)
			.withPropertyValues("handoff.namespace=" + this.namespace, "handoff.instance-id=paused",
					"handoff.checkpoint.interval=50ms", "handoff.checkpoint.lease=30m")
			.withBean(Counters.class, () -> new Counters(STATE))
			.run((context) -> {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> memory.inspect(List.of("counters")).get("counters").inFlight() == 1);
				clock.advance(Duration.ofHours(1));
				HandoffClaim taken = memory.claim("counters", "other");
				assertThat(taken.deliveries()).singleElement()
					.satisfies((delivery) -> assertThat(delivery.record().isCheckpoint()).isTrue());
				memory.acknowledge(taken, List.of(taken.deliveries().get(0).record().id()));
				await().atMost(Duration.ofSeconds(10))
					.until(() -> output.toString().contains("The checkpoint of label 'counters' lapsed"));
				// No checkpoint of it is written again.
				Thread.sleep(300);
				assertThat(memory.inspect(List.of("counters")).get("counters").inFlight()).isZero();
			});
		assertThat(output)
			.contains("writes no more checkpoints of it, and its final handoff of it goes to the dead " + "letters")
			.contains(HandoffStore.LAPSED_CHECKPOINT);
		assertThat(memory.deadLetters("counters").values()).singleElement()
			.satisfies((reason) -> assertThat(reason).startsWith("superseded: checkpoint"));
		assertThat(memory.claim("counters", "next").isEmpty()).isTrue();
	}

	/** A clock that tests move forward. */
	static final class MutableClock extends Clock {

		private volatile Instant now = Instant.parse("2026-03-01T10:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

	@Override
	protected Map<String, String> deadLetters(String label) {
		return (this.store != null) ? this.store.deadLetters(label) : Map.of();
	}

	@Handoff("big")
	static class Big implements HandoffParticipant<String> {

		@Override
		public String handoffState() {
			return "x".repeat(2 * 1024 * 1024);
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<String>> handoffs) {
		}

	}

	/**
	 * An in-memory store whose writes fail with an {@link OutOfMemoryError} when they
	 * hold a large record.
	 */
	private static final class OutOfMemoryOnLargeRecords implements HandoffStore {

		private final HandoffStore store;

		private final int limit;

		OutOfMemoryOnLargeRecords(HandoffStore store, int limit) {
			this.store = store;
			this.limit = limit;
		}

		@Override
		public List<Initiated> initiate(List<HandoffRecord<byte[]>> records) {
			if (records.stream().anyMatch((record) -> record.data().length > this.limit)) {
				throw new OutOfMemoryError("Java heap space");
			}
			return this.store.initiate(records);
		}

		@Override
		public Claims claim(Collection<ClaimRequest> requests, String claimer) {
			return this.store.claim(requests, claimer);
		}

		@Override
		public boolean renew(HandoffClaim claim) {
			return this.store.renew(claim);
		}

		@Override
		public List<Acknowledged> acknowledge(List<Acknowledgement> acknowledgements) {
			return this.store.acknowledge(acknowledgements);
		}

		@Override
		public boolean deadLetter(HandoffClaim claim, String recordId, String reason) {
			return this.store.deadLetter(claim, recordId, reason);
		}

		@Override
		public int release(HandoffClaim claim, Collection<String> recordIds) {
			return this.store.release(claim, recordIds);
		}

		@Override
		public HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable) {
			return this.store.subscribe(labels, onAvailable);
		}

	}

}
