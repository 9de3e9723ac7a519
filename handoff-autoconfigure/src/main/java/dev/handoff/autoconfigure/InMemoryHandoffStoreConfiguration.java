package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The fallback store when there is no Redis store: handoffs stay inside this JVM.
 */
@Configuration(proxyBeanMethods = false)
class InMemoryHandoffStoreConfiguration {

	private static final Log logger = LogFactory.getLog(InMemoryHandoffStoreConfiguration.class);

	@Bean
	@ConditionalOnMissingBean(HandoffStore.class)
	InMemoryHandoffStore inMemoryHandoffStore(HandoffSettings handoffSettings) {
		logger.warn("No single RedisConnectionFactory is available, so Handoff uses an in-memory store: state handed "
				+ "off stays inside this JVM and does not survive a deploy. Add spring-boot-starter-data-redis and "
				+ "configure spring.data.redis.* to hand off between instances.");
		return new InMemoryHandoffStore(handoffSettings.policy());
	}

}
