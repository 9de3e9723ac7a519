package dev.handoff.autoconfigure;

import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Auto-configuration for Handoff: a Redis store when there is one
 * {@link RedisConnectionFactory}, otherwise an in-memory store that keeps handoffs inside
 * this JVM; a {@link HandoffTemplate}, observed by the application's
 * {@link ObservationRegistry} when it has one; and the {@link HandoffLifecycle} that runs
 * the {@code @Handoff} beans.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBooleanProperty(name = "handoff.enabled", matchIfMissing = true)
@EnableConfigurationProperties(HandoffProperties.class)
// Imported in this order: the in-memory store backs off from the Redis store.
@Import({ RedisHandoffStoreConfiguration.class, InMemoryHandoffStoreConfiguration.class })
public final class HandoffAutoConfiguration {

	@Bean
	HandoffSettings handoffSettings(HandoffProperties properties, Environment environment) {
		return HandoffSettings.of(properties, environment);
	}

	@Bean
	@ConditionalOnMissingBean
	HandoffTemplate handoffTemplate(HandoffStore handoffStore, HandoffSettings handoffSettings,
			ObjectProvider<HandoffJsonMapperBuilderCustomizer> customizers,
			ObjectProvider<ObservationRegistry> observationRegistry, Environment environment) {
		HandoffTemplate template = new HandoffTemplate(handoffStore, jsonMapper(customizers),
				handoffSettings.instanceId(), handoffSettings.policy());
		observationRegistry.ifUnique(template::setObservationRegistry);
		template.setRecordProtection(handoffSettings.protection());
		ThreadFactory threads = virtualThreads(environment);
		if (threads != null) {
			template.setThreadFactory(threads);
		}
		return template;
	}

	/**
	 * Virtual threads when the application runs on them
	 * ({@code spring.threads.virtual.enabled=true}, Java 21 or later), as Spring Boot
	 * decides for its own executors and schedulers.
	 */
	private static @Nullable ThreadFactory virtualThreads(Environment environment) {
		return Threading.VIRTUAL.isActive(environment)
				? new VirtualThreadTaskExecutor("handoff-").getVirtualThreadFactory() : null;
	}

	/**
	 * A mapper of Handoff's own: the application's may enable default typing, which must
	 * never read from Redis.
	 */
	private static JsonMapper jsonMapper(ObjectProvider<HandoffJsonMapperBuilderCustomizer> customizers) {
		JsonMapper.Builder builder = JsonMapper.builder();
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		JsonMapper mapper = builder.build();
		if (mapper.deserializationConfig().getDefaultTyper(mapper.constructType(Object.class)) != null) {
			throw new HandoffConfigurationException("A HandoffJsonMapperBuilderCustomizer turned on default typing "
					+ "for Handoff's JSON mapper, which would let state read from Redis name the classes it becomes.",
					"Remove activateDefaultTyping from the customizer; Handoff reads state into the type each "
							+ "participant declares, and upgradeHandoff converts older shapes.");
		}
		return mapper;
	}

	@Bean
	@ConditionalOnMissingBean
	HandoffCounts handoffCounts(HandoffLifecycle handoffLifecycle, HandoffStore handoffStore) {
		return new HandoffCounts(handoffLifecycle, handoffStore);
	}

	@Bean
	@ConditionalOnMissingBean
	HandoffLifecycle handoffLifecycle(ListableBeanFactory beanFactory, HandoffTemplate handoffTemplate,
			HandoffStore handoffStore, HandoffSettings handoffSettings, Environment environment) {
		HandoffProperties properties = handoffSettings.properties();
		HandoffLifecycle lifecycle = new HandoffLifecycle(beanFactory, handoffTemplate, handoffStore,
				new HandoffLifecycle.Settings(properties.getStartupTimeout(), properties.getShutdownTimeout(),
						properties.getPollInterval(), properties.getStoreCheck(), handoffSettings.namespace()));
		ThreadFactory threads = virtualThreads(environment);
		if (threads != null) {
			lifecycle.setThreadFactory(threads);
		}
		lifecycle.setCheckpoints(properties.getCheckpoint().getInterval(), properties.getCheckpoint().getLease());
		Path spillDirectory = properties.getSpill().getDirectory();
		if (spillDirectory != null) {
			lifecycle.setSpillDirectory(spillDirectory, handoffSettings.policy().acknowledgedRetention());
		}
		return lifecycle;
	}

}
