package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.redis.Durability;
import dev.handoff.redis.HandoffRedisConnectionFactory;
import dev.handoff.redis.RedisHandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;

/**
 * The Redis store, when Spring Data Redis is on the classpath and there is one
 * {@link RedisConnectionFactory} (or a primary one), or one marked
 * {@link HandoffRedisConnectionFactory @HandoffRedisConnectionFactory}. With Spring
 * Boot's Redis auto-configuration (optional, so its types are touched only where they are
 * there), the store learns from Boot's connection details the master/replica nodes it
 * subscribes to for notifications.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
@Conditional(RedisHandoffStoreConfiguration.OneConnectionFactory.class)
class RedisHandoffStoreConfiguration {

	private static final Log logger = LogFactory.getLog(RedisHandoffStoreConfiguration.class);

	static final String CONNECTION_DETAILS = "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = CONNECTION_DETAILS)
	static class WithConnectionDetails {

		@Bean
		@ConditionalOnMissingBean(HandoffStore.class)
		RedisHandoffStore redisHandoffStore(ObjectProvider<RedisConnectionFactory> redisConnectionFactory,
				@HandoffRedisConnectionFactory ObjectProvider<RedisConnectionFactory> handoffRedisConnectionFactory,
				HandoffSettings handoffSettings, ObjectProvider<DataRedisConnectionDetails> connectionDetails) {
			return configure(new RedisHandoffStore(choose(redisConnectionFactory, handoffRedisConnectionFactory),
					handoffSettings.namespace(), handoffSettings.policy(),
					masterReplica(connectionDetails.getIfUnique())), handoffSettings);
		}

		private static RedisHandoffStore.MasterReplica masterReplica(@Nullable DataRedisConnectionDetails details) {
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

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass(CONNECTION_DETAILS)
	static class WithoutConnectionDetails {

		@Bean
		@ConditionalOnMissingBean(HandoffStore.class)
		RedisHandoffStore redisHandoffStore(ObjectProvider<RedisConnectionFactory> redisConnectionFactory,
				@HandoffRedisConnectionFactory ObjectProvider<RedisConnectionFactory> handoffRedisConnectionFactory,
				HandoffSettings handoffSettings) {
			return configure(new RedisHandoffStore(choose(redisConnectionFactory, handoffRedisConnectionFactory),
					handoffSettings.namespace(), handoffSettings.policy()), handoffSettings);
		}

	}

	/**
	 * The durability asked for, and one WARN when state goes unsigned to a Redis on the
	 * network.
	 */
	static RedisHandoffStore configure(RedisHandoffStore store, HandoffSettings settings) {
		HandoffProperties.Durability durability = settings.properties().getDurability();
		store.setDurability(new Durability(durability.getReplicas(), durability.isFsync(), durability.getTimeout()));
		if (!settings.protection().isSigning() && !store.isLoopback()) {
			logger.warn("Handoff state goes unsigned to Redis at " + store.getHosts() + ": anyone who can write its "
					+ "keys can inject state that this application merges. Set handoff.security.keys and "
					+ "handoff.security.active-key to sign it (and handoff.security.encrypt=true to encrypt it).");
		}
		return store;
	}

	/** The one marked for Handoff, else the only (or primary) one. */
	static RedisConnectionFactory choose(ObjectProvider<RedisConnectionFactory> all,
			ObjectProvider<RedisConnectionFactory> marked) {
		RedisConnectionFactory chosen = marked.getIfUnique();
		return (chosen != null) ? chosen : all.getObject();
	}

	/**
	 * Matches when there is a single (or primary) connection factory, or one marked for
	 * Handoff.
	 */
	static final class OneConnectionFactory extends AnyNestedCondition {

		OneConnectionFactory() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
		static final class Single {

		}

		@ConditionalOnBean(value = RedisConnectionFactory.class, annotation = HandoffRedisConnectionFactory.class)
		static final class Marked {

		}

	}

}
