package dev.handoff.test;

import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.app.Tally;
import dev.handoff.test.app.TallyApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HandoffTestCluster} through a real Redis: each instance connects on its own, as
 * Boot configures it.
 */
class HandoffTestClusterRedisTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@Test
	void stateSurvivesARollingReplaceAndARecreateThroughRedis() {
		try (HandoffTestCluster cluster = HandoffTestCluster.of(TallyApplication.class)
			.withRedis("127.0.0.1", redis.server().port())) {
			ConfigurableApplicationContext v1 = cluster.start();
			v1.getBean(Tally.class).hit("a", 3);
			assertThat(v1.getBean(HandoffStore.class)).isInstanceOf(RedisHandoffStore.class);

			ConfigurableApplicationContext v2 = cluster.rollingReplace(v1);
			assertThat(v2.getBean(Tally.class).snapshot()).containsExactly(Map.entry("a", 3L));
			v2.getBean(Tally.class).hit("b", 1);
			HandoffStore ownStore = v2.getBean(HandoffStore.class);

			ConfigurableApplicationContext v3 = cluster.recreate(v2);
			assertThat(v3.getBean(Tally.class).snapshot()).containsOnly(Map.entry("a", 3L), Map.entry("b", 1L));
			assertThat(v3.getBean(HandoffStore.class)).as("each instance connects on its own").isNotSameAs(ownStore);
		}
	}

	@Test
	void redisIsWhatTheGivenPropertiesConfigure() {
		try (HandoffTestCluster cluster = HandoffTestCluster.of(TallyApplication.class)
			.withRedis("spring.data.redis.url=redis://127.0.0.1:" + redis.server().port())) {
			ConfigurableApplicationContext v1 = cluster.start();
			v1.getBean(Tally.class).hit("a", 1);
			ConfigurableApplicationContext v2 = cluster.rollingReplace(v1);
			assertThat(v2.getBean(HandoffStore.class)).isInstanceOf(RedisHandoffStore.class);
			assertThat(v2.getBean(Tally.class).snapshot()).containsExactly(Map.entry("a", 1L));
		}
	}

}
