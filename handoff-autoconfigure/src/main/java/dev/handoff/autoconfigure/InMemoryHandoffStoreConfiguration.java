package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * The fallback store when there is no Redis store: handoffs stay inside this JVM.
 */
@Configuration(proxyBeanMethods = false)
class InMemoryHandoffStoreConfiguration {

	private static final Log logger = LogFactory.getLog(InMemoryHandoffStoreConfiguration.class);

	@Bean
	@ConditionalOnMissingBean(HandoffStore.class)
	InMemoryHandoffStore inMemoryHandoffStore(HandoffSettings handoffSettings, ListableBeanFactory beanFactory) {
		int connectionFactories = connectionFactories(beanFactory);
		if (connectionFactories > 1) {
			logger.warn("There are " + connectionFactories + " RedisConnectionFactory beans and none is primary or "
					+ "marked for Handoff, so Handoff uses an in-memory store: state handed off stays inside this JVM "
					+ "and does not survive a deploy. Mark the one Handoff should use with "
					+ "@HandoffRedisConnectionFactory.");
		}
		else {
			logger.warn("No RedisConnectionFactory is available, so Handoff uses an in-memory store: state handed "
					+ "off stays inside this JVM and does not survive a deploy. Add spring-boot-starter-data-redis "
					+ "and configure spring.data.redis.* to hand off between instances.");
		}
		return new InMemoryHandoffStore(handoffSettings.policy());
	}

	private static int connectionFactories(ListableBeanFactory beanFactory) {
		String type = "org.springframework.data.redis.connection.RedisConnectionFactory";
		ClassLoader classLoader = InMemoryHandoffStoreConfiguration.class.getClassLoader();
		if (!ClassUtils.isPresent(type, classLoader)) {
			return 0;
		}
		return beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(type, classLoader), true, false).length;
	}

}
