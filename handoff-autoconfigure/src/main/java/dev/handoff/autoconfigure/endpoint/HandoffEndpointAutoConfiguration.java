package dev.handoff.autoconfigure.endpoint;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffLifecycle;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code handoff} Actuator endpoint ({@link HandoffEndpoint}), when Actuator is on
 * the classpath and the endpoint is available (exposed and not disabled).
 */
@AutoConfiguration(after = HandoffAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean({ HandoffLifecycle.class, HandoffCounts.class, HandoffStore.class })
@ConditionalOnAvailableEndpoint(HandoffEndpoint.class)
public final class HandoffEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HandoffEndpoint handoffEndpoint(HandoffLifecycle handoffLifecycle, HandoffStore handoffStore,
			HandoffCounts handoffCounts) {
		return new HandoffEndpoint(handoffLifecycle, handoffStore, handoffCounts);
	}

}
