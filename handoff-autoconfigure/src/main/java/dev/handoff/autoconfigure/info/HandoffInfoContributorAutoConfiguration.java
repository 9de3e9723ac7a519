package dev.handoff.autoconfigure.info;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;

import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.actuate.autoconfigure.info.InfoContributorFallback;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code handoff} entry of {@code /actuator/info} ({@link HandoffInfoContributor}),
 * with Actuator on the classpath, unless {@code management.info.handoff.enabled=false}
 * (or {@code management.info.defaults.enabled=false}).
 */
@AutoConfiguration(after = HandoffAutoConfiguration.class)
@ConditionalOnClass({ InfoContributor.class, ConditionalOnEnabledInfoContributor.class })
@ConditionalOnBean({ HandoffLifecycle.class, HandoffTemplate.class, HandoffStore.class })
@ConditionalOnEnabledInfoContributor(value = "handoff", fallback = InfoContributorFallback.USE_DEFAULTS_PROPERTY)
public final class HandoffInfoContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HandoffInfoContributor handoffInfoContributor(HandoffLifecycle handoffLifecycle, HandoffStore handoffStore,
			HandoffTemplate handoffTemplate) {
		return new HandoffInfoContributor(handoffLifecycle, handoffStore, handoffLifecycle.getNamespace(),
				handoffTemplate.getInstanceId());
	}

}
