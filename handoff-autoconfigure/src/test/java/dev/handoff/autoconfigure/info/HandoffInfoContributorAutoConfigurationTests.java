package dev.handoff.autoconfigure.info;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.handoff.Handoff;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.test.StatelessCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code handoff} entry of {@code /actuator/info}, and the startup line that says the
 * same.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffInfoContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(HandoffAutoConfiguration.class, HandoffInfoContributorAutoConfiguration.class))
		.withBean(HandoffStore.class,
				() -> new InMemoryHandoffStore(
						new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1))))
		.withBean("counters", Counters.class, Counters::new)
		.withPropertyValues("handoff.namespace=shop", "handoff.instance-id=pod-1");

	@Test
	void infoNamesTheStoreTheNamespaceAndEachParticipant(CapturedOutput output) {
		this.runner.run((context) -> {
			Info.Builder builder = new Info.Builder();
			context.getBean(HandoffInfoContributor.class).contribute(builder);
			@SuppressWarnings("unchecked")
			Map<String, Object> handoff = (Map<String, Object>) builder.build().get("handoff");
			assertThat(handoff).containsEntry("store", "InMemoryHandoffStore")
				.containsEntry("namespace", "shop")
				.containsEntry("instanceId", "pod-1");
			assertThat((List<?>) handoff.get("participants")).singleElement()
				.isEqualTo(Map.of("label", "counters", "bean", "counters", "version", 2, "stateType",
						"java.util.Map<java.lang.String,java.lang.Long>"));
		});
		assertThat(output).contains("Handoff hands off 1 participant(s): 'counters' (version 2, bean 'counters') "
				+ "through InMemoryHandoffStore, namespace 'shop', as instance 'pod-1'");
	}

	@Test
	void infoEntryCanBeTurnedOff() {
		this.runner.withPropertyValues("management.info.handoff.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HandoffInfoContributor.class));
	}

	@Test
	void noInfoEntryWithoutActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(InfoContributor.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HandoffInfoContributor.class));
	}

	@Handoff(value = "counters", version = 2)
	static class Counters extends StatelessCounters {

	}

}
