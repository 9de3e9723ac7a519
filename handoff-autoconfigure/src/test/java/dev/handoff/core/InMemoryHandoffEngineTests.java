package dev.handoff.core;

import java.time.Duration;
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
