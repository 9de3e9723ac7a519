package dev.handoff.autoconfigure;

import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which {@link HandoffStore} the auto-configuration picks. Nothing here connects to Redis: the store is only created.
 */
class HandoffStoreSelectionTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class));

	@Test
	void redisStoreIsUsedWhenThereIsOneConnectionFactory() {
		this.runner.run((context) -> assertThat(context).getBean(HandoffStore.class).isInstanceOf(RedisHandoffStore.class));
	}

	@Test
	void inMemoryStoreIsUsedWithoutConnectionFactory() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.run((context) -> assertThat(context).getBean(HandoffStore.class).isInstanceOf(InMemoryHandoffStore.class));
	}

}
