package dev.handoff.demo;

import java.util.Map;

import dev.handoff.demo.HandoffHistory.Received;
import dev.handoff.demo.LiveCounters.Tally;
import dev.handoff.test.HandoffTestCluster;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The demo's state across deploys, in one JVM: {@link HandoffTestCluster} starts
 * instances of the demo that hand off through one real Redis, as
 * {@code rolling-deploy.sh} does with processes. Each instance is given the Redis of the
 * test ({@code spring.data.redis.host} and {@code port}), so none starts a
 * {@link LocalRedis} of its own.
 */
class DemoHandoffTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@Test
	void rateLimitsAndCountsSurviveARollingDeployAndARecreate() {
		try (HandoffTestCluster cluster = HandoffTestCluster.of(DemoApplication.class)
			.withRedis("127.0.0.1", redis.server().port())) {
			ConfigurableApplicationContext v1 = cluster.start("--demo.version=v1");
			assertThat(serve(v1, "alice", 20)).as("alice's first window").isEqualTo(20);
			assertThat(serve(v1, "bob", 3)).isEqualTo(3);
			String first = cluster.instanceId(v1);

			ConfigurableApplicationContext v2 = cluster.rollingReplace(v1, "--demo.version=v2");
			assertThat(serve(v2, "alice", 1)).as("alice used her window up on v1").isZero();
			assertThat(serve(v2, "bob", 1)).isOne();
			String second = cluster.instanceId(v2);

			ConfigurableApplicationContext v3 = cluster.recreate(v2, "--demo.version=v3");
			assertThat(v3.getBean(RateLimiter.class).usage()).containsEntry("alice", Map.of(first, 20))
				.containsEntry("bob", Map.of(first, 3, second, 1));
			assertThat(v3.getBean(LiveCounters.class).snapshot()).containsOnly(
					Map.entry(first, Map.of("alice", new Tally(20, 0), "bob", new Tally(3, 0))),
					Map.entry(second, Map.of("alice", new Tally(0, 1), "bob", new Tally(1, 0))));
			assertThat(v3.getBean(HandoffHistory.class).all()).extracting(Received::label, Received::origin)
				.containsExactlyInAnyOrder(tuple("live-counters", second), tuple("rate-limiter", second));
		}
	}

	/**
	 * Sends requests of a client through an instance's rate limiter and counters, as
	 * {@code DemoController} does.
	 * @return how many the rate limiter allowed
	 */
	private static int serve(ConfigurableApplicationContext instance, String client, int requests) {
		RateLimiter rateLimiter = instance.getBean(RateLimiter.class);
		LiveCounters liveCounters = instance.getBean(LiveCounters.class);
		int allowed = 0;
		for (int i = 0; i < requests; i++) {
			boolean granted = rateLimiter.tryAcquire(client).allowed();
			liveCounters.record(client, granted);
			allowed += granted ? 1 : 0;
		}
		return allowed;
	}

}
