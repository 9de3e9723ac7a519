package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The Redis store, when Spring Data Redis is on the classpath and there is one {@link RedisConnectionFactory}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
class RedisHandoffStoreConfiguration {

	@Bean
	@ConditionalOnMissingBean(HandoffStore.class)
	RedisHandoffStore redisHandoffStore(RedisConnectionFactory redisConnectionFactory, HandoffSettings handoffSettings) {
		return new RedisHandoffStore(redisConnectionFactory, handoffSettings.namespace(), handoffSettings.policy());
	}

}
