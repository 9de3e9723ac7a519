package dev.handoff.autoconfigure.endpoint;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.test.StatelessCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code handoff} Actuator endpoint, its operations called as Actuator calls them,
 * against the in-memory store.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffEndpointAutoConfigurationTests {

	private final InMemoryHandoffStore store = new InMemoryHandoffStore(
			new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(HandoffAutoConfiguration.class, HandoffEndpointAutoConfiguration.class))
		.withBean(HandoffStore.class, () -> this.store)
		.withBean("counters", StatelessCounters.class, StatelessCounters::new)
		.withPropertyValues("handoff.namespace=shop", "management.endpoints.web.exposure.include=handoff");

	@Test
	void readsTheParticipantsWithTheirCountsAndALabelsRecordsWithoutTheirData() {
		this.runner.run((context) -> {
			HandoffEndpoint endpoint = context.getBean(HandoffEndpoint.class);
			String dead = deadLetter(context.getBean(HandoffOperations.class), "orders");
			context.getBean(HandoffOperations.class).initiate("orders", 1, Map.of("n", 2L));
			Map<String, Object> overview = endpoint.handoff();
			assertThat(overview).containsEntry("namespace", "shop").containsEntry("store", "InMemoryHandoffStore");
			@SuppressWarnings("unchecked")
			List<Map<String, Object>> participants = (List<Map<String, Object>>) overview.get("participants");
			assertThat(participants).singleElement()
				.satisfies((participant) -> assertThat(participant).containsEntry("label", "counters")
					.containsEntry("bean", "counters")
					.containsEntry("version", 1)
					.containsEntry("waiting", 0L));
			Map<String, List<Map<String, Object>>> orders = endpoint.label("orders");
			assertThat(orders.get("waiting")).singleElement()
				.satisfies((record) -> assertThat(record)
					.containsKeys("id", "origin", "version", "createdAt", "attempts", "size")
					.doesNotContainKey("data"));
			assertThat(orders.get("inFlight")).isEmpty();
			assertThat(orders.get("deadLettered")).singleElement()
				.satisfies((record) -> assertThat(record).containsEntry("id", dead).containsEntry("reason", "poison"));
		});
	}

	@Test
	void requeuesAndDeletesDeadLettersAndLogsEach(CapturedOutput output) {
		this.runner.run((context) -> {
			HandoffEndpoint endpoint = context.getBean(HandoffEndpoint.class);
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			String requeued = deadLetter(operations, "orders");
			String deleted = deadLetter(operations, "orders");
			assertThat(endpoint.requeue("orders", requeued)).containsEntry("requeued", true);
			assertThat(endpoint.delete("orders", deleted)).containsEntry("deleted", true);
			assertThat(endpoint.delete("orders", deleted)).containsEntry("deleted", false);
			assertThat(this.store.deadLetters("orders")).isEmpty();
			assertThat(this.store.claim("orders", "test").deliveries()).extracting((delivery) -> delivery.record().id())
				.containsExactly(requeued);
			assertThat(output)
				.contains("Requeued dead letter " + requeued + " of label 'orders' through the handoff " + "endpoint")
				.contains("Deleted dead letter " + deleted + " of label 'orders' through the handoff endpoint");
		});
	}

	@Test
	void noEndpointUnlessExposed() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HandoffEndpoint.class));
	}

	private String deadLetter(HandoffOperations operations, String label) {
		HandoffRecord<Map<String, Long>> record = operations.initiate(label, 1, Map.of("n", 1L));
		HandoffClaim claim = this.store.claim(label, "test");
		assertThat(this.store.deadLetter(claim, record.id(), "poison")).isTrue();
		return record.id();
	}

}
