package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.util.ClassUtils;

/**
 * The Redis store, when Spring Data Redis is on the classpath and there is one {@link RedisConnectionFactory}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
class RedisHandoffStoreConfiguration {

	private static final String CONNECTION_DETAILS = "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";

	@Bean
	@ConditionalOnMissingBean(HandoffStore.class)
	RedisHandoffStore redisHandoffStore(RedisConnectionFactory redisConnectionFactory, HandoffSettings handoffSettings,
			ObjectProvider<Object> connectionDetails) {
		return new RedisHandoffStore(redisConnectionFactory, handoffSettings.namespace(), handoffSettings.policy(),
				masterReplica(connectionDetails));
	}

	/**
	 * Returns the master/replica nodes that Boot's connection details name, if any. Boot's Redis auto-configuration
	 * is optional, so its types are touched only when they are there.
	 */
	private static RedisHandoffStore.MasterReplica masterReplica(ObjectProvider<Object> beans) {
		if (!ClassUtils.isPresent(CONNECTION_DETAILS, RedisHandoffStoreConfiguration.class.getClassLoader())) {
			return RedisHandoffStore.MasterReplica.NONE;
		}
		return BootConnectionDetails.masterReplica(beans);
	}

	private static final class BootConnectionDetails {

		static RedisHandoffStore.MasterReplica masterReplica(ObjectProvider<Object> beans) {
			DataRedisConnectionDetails details = beans.stream()
				.filter(DataRedisConnectionDetails.class::isInstance)
				.map(DataRedisConnectionDetails.class::cast)
				.findFirst()
				.orElse(null);
			if (details == null || details.getMasterReplica() == null) {
				return RedisHandoffStore.MasterReplica.NONE;
			}
			return new RedisHandoffStore.MasterReplica(details.getMasterReplica()
				.getNodes()
				.stream()
				.map((node) -> new RedisNode(node.host(), node.port()))
				.toList(), details.getUsername());
		}

	}

}
