package dev.handoff.autoconfigure.health;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffOperations;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.StatelessCounters;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code handoff} health component against a real Redis of its own, which one test
 * stops.
 */
class HandoffHealthContributorAutoConfigurationTests {

	private final String namespace = "health-" + UUID.randomUUID().toString().substring(0, 8);

	private ApplicationContextRunner runner(RedisServerProcess redis) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class,
					HandoffHealthContributorAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"spring.data.redis.timeout=1s", "handoff.namespace=" + this.namespace, "handoff.startup-timeout=5s",
					"handoff.instance-id=instance")
			.withBean(StatelessCounters.class, StatelessCounters::new);
	}

	@Test
	void healthIsUpWithTheCountsAndTheLastHandoffOfEachLabel() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				HandoffOperations operations = context.getBean(HandoffOperations.class);
				operations.initiate("counters", 1, Map.of("a", 1L));
				// Version 0 with no upgradeHandoff: dead-lettered.
				operations.initiate("counters", 0, Map.of("b", 2L));
				HealthIndicator indicator = context.getBean("handoffHealthIndicator", HealthIndicator.class);
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					Health health = indicator.health(true);
					assertThat(health.getStatus()).isEqualTo(Status.UP);
					assertThat(health.getDetails()).containsEntry("subscribed", true)
						.containsKey("deadLetters")
						.hasEntrySatisfying("store", (store) -> assertThat(store.toString()).startsWith("Redis"));
					@SuppressWarnings("unchecked")
					Map<String, Object> counters = (Map<String, Object>) ((Map<?, ?>) health.getDetails().get("labels"))
						.get("counters");
					assertThat(counters).containsEntry("waiting", 0L)
						.containsEntry("inFlight", 0L)
						.containsEntry("deadLettered", 1L)
						.containsKeys("lastSent", "lastReceived");
					assertThat(counters.get("lastReceived").toString()).contains("from=[instance]");
				});
			});
		}
	}

	@Test
	void healthIsDownWhenRedisCannotBeReached() {
		RedisServerProcess redis = RedisServerProcess.start();
		runner(redis).run((context) -> {
			HealthIndicator indicator = context.getBean("handoffHealthIndicator", HealthIndicator.class);
			assertThat(indicator.health(true).getStatus()).isEqualTo(Status.UP);
			redis.close();
			await().atMost(Duration.ofSeconds(15))
				.untilAsserted(() -> assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN));
		});
	}

	@Test
	void healthComponentCanBeDisabled() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withPropertyValues("management.health.handoff.enabled=false")
				.run((context) -> assertThat(context).doesNotHaveBean(HandoffHealthIndicator.class));
		}
	}

	@Test
	void noHealthComponentWithoutSpringBootHealth() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withClassLoader(new FilteredClassLoader(HealthIndicator.class))
				.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HandoffHealthIndicator.class));
		}
	}

	@Test
	void noHealthComponentWhenHandoffIsDisabled() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withPropertyValues("handoff.enabled=false")
				.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HandoffHealthIndicator.class));
		}
	}

}
