package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Auto-configuration for Handoff: a {@link RedisHandoffStore} when there is one {@link RedisConnectionFactory},
 * otherwise an {@link InMemoryHandoffStore} that keeps handoffs inside this JVM; a {@link HandoffTemplate}; and the
 * {@link HandoffLifecycle} that runs the {@code @Handoff} beans.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "handoff.enabled", matchIfMissing = true)
@EnableConfigurationProperties(HandoffProperties.class)
@Import(HandoffAutoConfiguration.RedisStoreConfiguration.class)
public final class HandoffAutoConfiguration {

	private static final Log logger = LogFactory.getLog(HandoffAutoConfiguration.class);

	@Bean
	HandoffSettings handoffSettings(HandoffProperties properties, Environment environment) {
		return HandoffSettings.of(properties, environment);
	}

	// Declared here rather than in a nested configuration: the bean methods of this class are registered after
	// those of the imported RedisStoreConfiguration, so this fallback sees the Redis store. Nested configuration
	// classes are registered in the order javac lists them in the class file, which put the fallback first.
	@Bean
	@ConditionalOnMissingBean(HandoffStore.class)
	InMemoryHandoffStore inMemoryHandoffStore(HandoffSettings handoffSettings) {
		logger.warn("No single RedisConnectionFactory is available, so Handoff uses an in-memory store: state "
				+ "handed off stays inside this JVM and does not survive a deploy. Add "
				+ "spring-boot-starter-data-redis and configure spring.data.redis.* to hand off between "
				+ "instances.");
		return new InMemoryHandoffStore(handoffSettings.policy());
	}

	@Bean
	@ConditionalOnMissingBean
	HandoffTemplate handoffTemplate(HandoffStore handoffStore, HandoffSettings handoffSettings) {
		// A mapper of our own: the application's may enable default typing, which must never read from Redis.
		return new HandoffTemplate(handoffStore, JsonMapper.builder().build(), handoffSettings.instanceId());
	}

	@Bean
	@ConditionalOnMissingBean
	HandoffLifecycle handoffLifecycle(ListableBeanFactory beanFactory, HandoffTemplate handoffTemplate,
			HandoffStore handoffStore, HandoffSettings handoffSettings) {
		HandoffProperties properties = handoffSettings.properties();
		return new HandoffLifecycle(beanFactory, handoffTemplate, handoffStore, properties.getStartupTimeout(),
				properties.getShutdownTimeout(), properties.getPollInterval());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
	static class RedisStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean(HandoffStore.class)
		RedisHandoffStore redisHandoffStore(RedisConnectionFactory redisConnectionFactory,
				HandoffSettings handoffSettings) {
			return new RedisHandoffStore(redisConnectionFactory, handoffSettings.namespace(),
					handoffSettings.policy());
		}

	}

}
