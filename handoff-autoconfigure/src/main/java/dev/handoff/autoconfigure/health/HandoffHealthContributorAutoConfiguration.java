package dev.handoff.autoconfigure.health;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code handoff} health component, when Spring Boot's health support is on the
 * classpath and {@code management.health.handoff.enabled} is not false. It is not part of
 * the readiness group: add it there with
 * {@code management.endpoint.health.group.readiness.include=readinessState,handoff} if a
 * Redis outage should take the instance out of service.
 */
@AutoConfiguration(after = HandoffAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({ HandoffLifecycle.class, HandoffCounts.class, HandoffTemplate.class, HandoffStore.class })
@ConditionalOnEnabledHealthIndicator("handoff")
public final class HandoffHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "handoffHealthIndicator")
	HandoffHealthIndicator handoffHealthIndicator(HandoffLifecycle handoffLifecycle, HandoffStore handoffStore,
			HandoffCounts handoffCounts, HandoffTemplate handoffTemplate) {
		return new HandoffHealthIndicator(handoffLifecycle, handoffStore, handoffCounts, handoffTemplate.getActivity());
	}

}
