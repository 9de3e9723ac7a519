package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which {@link HandoffStore} the auto-configuration picks. The Redis store must win whenever Redis is configured,
 * whatever order Spring happens to process the configuration classes in.
 */
class HandoffStoreSelectionTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
		.withPropertyValues("spring.application.name=selection");

	@Test
	void redisStoreIsUsedWhenThereIsARedisConnectionFactory() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(RedisConnectionFactory.class)
			.hasSingleBean(HandoffStore.class)
			.hasSingleBean(RedisHandoffStore.class));
	}

	@Test
	void inMemoryStoreIsUsedWithoutARedisConnectionFactory() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.withPropertyValues("spring.application.name=selection")
			.run((context) -> assertThat(context).hasSingleBean(HandoffStore.class)
				.hasSingleBean(InMemoryHandoffStore.class));
	}

	@Test
	void inMemoryStoreIsUsedWithoutSpringDataRedisOnTheClasspath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class.getName(), "redis.clients.jedis"))
			.run((context) -> assertThat(context).hasSingleBean(HandoffStore.class)
				.hasSingleBean(InMemoryHandoffStore.class));
	}

}
