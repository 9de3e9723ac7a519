package dev.handoff.autoconfigure.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffOperations;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.test.ConditionReport;
import dev.handoff.test.StatelessCounters;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Handoff's meters, recorded through the public API against the in-memory store shared by
 * the contexts of a test.
 */
class HandoffMetricsAutoConfigurationTests {

	private final InMemoryHandoffStore store = new InMemoryHandoffStore(
			new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					HandoffAutoConfiguration.class, HandoffMetricsAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> this.store)
			.withPropertyValues("handoff.namespace=metrics-" + UUID.randomUUID(), "handoff.instance-id=instance");
	}

	@Test
	void handoffsAreCountedTimedAndGaugedPerLabel() {
		runner().withBean(StatelessCounters.class, StatelessCounters::new).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			operations.initiate("counters", 1, Map.of("a", 1L));
			operations.initiate("counters", 0, Map.of("b", 2L));
			await().atMost(Duration.ofSeconds(10))
				.until(() -> registry.find("handoff.records").tag("outcome", "received").counter() != null);
			assertThat(
					registry.get("handoff.records").tags("label", "counters", "outcome", "initiated").counter().count())
				.isEqualTo(2);
			assertThat(
					registry.get("handoff.records").tags("label", "counters", "outcome", "received").counter().count())
				.isEqualTo(1);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> registry.find("handoff.records")
					.tags("outcome", "dead-lettered", "reason", "version")
					.counter() != null);
			// The timers of initiate, claim and merge come from Handoff's observations.
			assertThat(registry.get("handoff.initiate").tag("label", "counters").timer().count()).isEqualTo(2);
			assertThat(registry.get("handoff.merge").tag("label", "counters").timer().count()).isOne();
			assertThat(registry.get("handoff.latency").tag("label", "counters").timer().count()).isOne();
			assertThat(registry.get("handoff.claim").tag("label", "counters").timer().count()).isPositive();
			assertThat(registry.get("handoff.record.size").tag("label", "counters").summary().totalAmount())
				.isPositive();
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(
						registry.get("handoff.records.dead-lettered").tag("label", "counters").gauge().value())
					.isEqualTo(1));
			assertThat(registry.get("handoff.records.waiting").tag("label", "counters").gauge().value()).isZero();
			// Bounded cardinality: no meter is tagged by record or instance.
			assertThat(registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags())
				.allSatisfy((tag) -> assertThat(tag.getKey()).isIn("label", "outcome", "reason", "error")));
		});
	}

	@Test
	void noMetersWithoutAMeterRegistry() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(HandoffAutoConfiguration.class, HandoffMetricsAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> this.store)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HandoffMetrics.class));
	}

	@Test
	void noMetersWithoutMicrometer() {
		runner().withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(HandoffMetrics.class);
			// Without the class there is no MeterRegistry bean either: only the report
			// tells that the class
			// condition is what turned the meters off.
			assertThat(ConditionReport.of(context, HandoffMetricsAutoConfiguration.class))
				.contains("@ConditionalOnClass did not find required class '" + MeterRegistry.class.getName() + "'");
		});
	}

}
