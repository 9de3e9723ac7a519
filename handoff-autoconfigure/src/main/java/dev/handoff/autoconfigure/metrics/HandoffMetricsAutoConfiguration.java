package dev.handoff.autoconfigure.metrics;

import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffTemplate;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextRefreshedEvent;

/**
 * Handoff's meters ({@link HandoffMetrics}), when Micrometer is on the classpath and the
 * application has a {@link MeterRegistry}, as Spring Boot's metrics auto-configuration
 * gives it.
 */
@AutoConfiguration(after = HandoffAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, HandoffTemplate.class, HandoffCounts.class })
public final class HandoffMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HandoffMetrics handoffMetrics(MeterRegistry meterRegistry, HandoffCounts handoffCounts,
			HandoffTemplate handoffTemplate) {
		HandoffMetrics metrics = new HandoffMetrics(meterRegistry, handoffCounts);
		handoffTemplate.getActivity().addListener(metrics);
		return metrics;
	}

	/**
	 * The labels are known once the participants were found, before the context is
	 * refreshed.
	 */
	@Bean
	ApplicationListener<ContextRefreshedEvent> handoffGauges(HandoffMetrics handoffMetrics) {
		return (event) -> handoffMetrics.registerGauges();
	}

}
