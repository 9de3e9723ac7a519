package dev.handoff.redis;

import java.time.Duration;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.StatelessCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The persistence and eviction settings of a real Redis, read once after startup: each
 * that can lose handed-off state gets one WARN that says what it means and what to
 * change.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisDurabilityRisksTests {

	private static final HandoffStore.Policy POLICY = new HandoffStore.Policy(Duration.ofHours(1),
			Duration.ofSeconds(30), 5, Duration.ofDays(1));

	@Test
	void persistenceOffAndAnEvictingPolicyAreRisksAndAppendOnlyWithNoEvictionIsNone() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
			factory.afterPropertiesSet();
			factory.start();
			try {
				RedisHandoffStore store = new RedisHandoffStore(factory, "risks", POLICY);
				assertThat(store.durabilityRisks()).singleElement()
					.satisfies((risk) -> assertThat(risk).contains("appendonly no and no RDB snapshots")
						.contains("Set appendonly yes"));
				config(factory, Map.of("appendonly", "yes", "maxmemory-policy", "volatile-lru"));
				assertThat(store.durabilityRisks()).singleElement()
					.satisfies((risk) -> assertThat(risk).contains("maxmemory-policy volatile-lru")
						.contains("noeviction"));
				config(factory, Map.of("maxmemory-policy", "noeviction", "appendfsync", "no"));
				assertThat(store.durabilityRisks()).singleElement()
					.satisfies((risk) -> assertThat(risk).contains("appendfsync no"));
				config(factory, Map.of("appendfsync", "everysec"));
				assertThat(store.durabilityRisks()).isEmpty();
				store.setDurability(new Durability(1, false, Duration.ofSeconds(1)));
				assertThat(store.durabilityRisks()).singleElement()
					.satisfies((risk) -> assertThat(risk).contains("0 replica(s) connected")
						.contains("handoff.durability.replicas is 1"));
			}
			finally {
				factory.destroy();
			}
		}
	}

	@Test
	void theRisksAreLoggedOnceAfterStartup(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
						"handoff.namespace=risks")
				.withBean(StatelessCounters.class, StatelessCounters::new)
				.run((context) -> await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(output).containsOnlyOnce("has appendonly no")));
		}
	}

	private static void config(LettuceConnectionFactory factory, Map<String, String> settings) {
		try (RedisConnection connection = factory.getConnection()) {
			settings.forEach((name, value) -> connection.serverCommands().setConfig(name, value));
		}
	}

}
