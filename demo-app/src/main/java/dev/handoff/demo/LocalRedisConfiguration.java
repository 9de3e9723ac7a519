package dev.handoff.demo;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Lets the demo run with no setup: when no Redis is configured, it connects to a
 * {@link LocalRedis}. A configured Redis ({@code SPRING_DATA_REDIS_HOST},
 * {@code SPRING_DATA_REDIS_PORT}, a URL, Sentinel or Cluster) is always used as is, even
 * when it is down: starting another one then would split the state silently.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(LocalRedisConfiguration.NoRedisConfigured.class)
class LocalRedisConfiguration {

	// Destroyed after the connection factory that depends on it, so the last handoff is
	// written before it stops.
	@Bean(destroyMethod = "close")
	LocalRedis localRedis() {
		return LocalRedis.findOrStart();
	}

	@Bean
	DataRedisConnectionDetails localRedisConnectionDetails(LocalRedis localRedis) {
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of(localRedis.host(), localRedis.port());
			}

		};
	}

	static class NoRedisConfigured extends SpringBootCondition {

		private static final List<String> PROPERTIES = List.of("spring.data.redis.host", "spring.data.redis.port",
				"spring.data.redis.url", "spring.data.redis.sentinel.master", "spring.data.redis.cluster.nodes");

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			for (String property : PROPERTIES) {
				if (context.getEnvironment().containsProperty(property)) {
					return ConditionOutcome.noMatch("'" + property + "' is set");
				}
			}
			return ConditionOutcome.match("no spring.data.redis address is set");
		}

	}

}
