package dev.handoff.core;

import java.util.Collections;
import java.util.Map;
import java.util.stream.Collectors;

import dev.handoff.HandoffOperations;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.redis.LabelKeys;
import dev.handoff.test.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine tests against a real Redis: each context gets the auto-configured Lettuce
 * connection factory and the Redis store, as an application would; each test has a
 * namespace of its own.
 */
class RedisHandoffEngineTests extends AbstractHandoffEngineTests {

	private static RedisServerProcess redis;

	private static LettuceConnectionFactory connectionFactory;

	private static StringRedisTemplate redisTemplate;

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
		connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		redisTemplate = new StringRedisTemplate(connectionFactory);
	}

	@AfterAll
	static void stopRedis() {
		connectionFactory.destroy();
		redis.close();
	}

	@Test
	void handoffThroughRedisLogsNoWarnings(CapturedOutput output) {
		// A Redis that keeps what it acknowledges; the harness' servers run without
		// persistence, which Handoff
		// rightly warns of.
		try (RedisConnection connection = connectionFactory.getConnection()) {
			connection.serverCommands().setConfig("appendonly", "yes");
		}
		runner(Settings.DEFAULT, "old").withBean(Counters.class, () -> new Counters(STATE)).run((context) -> {
		});
		runner(Settings.DEFAULT, "new").withBean(Counters.class, Counters::new)
			.run((context) -> assertThat(context.getBean(Counters.class).received).hasSize(1));
		assertThat(output).contains("Handed off the state of label 'counters'")
			.doesNotContain(" WARN ")
			.doesNotContain(" ERROR ");
	}

	@Test
	void recordsBeyondTheMaxClaimSizeAreAllDeliveredBeforeTheInstanceIsReady() {
		runner(Settings.DEFAULT, "old").run((old) -> {
			HandoffOperations operations = old.getBean(HandoffOperations.class);
			for (int i = 0; i < 4; i++) {
				operations.initiate("counters", 1, Map.of("name-" + i, Collections.nCopies(200, (long) i)));
			}
		});
		runner(Settings.DEFAULT, "new").withPropertyValues("handoff.max-claim-size=2KB")
			.withBean(Counters.class, Counters::new)
			.run((context) -> {
				Counters counters = context.getBean(Counters.class);
				// No await: claims follow each other until nothing waits, within the
				// startup restore.
				assertThat(counters.received).hasSize(4);
				assertThat(counters.attempts).hasSizeGreaterThan(1);
			});
	}

	@Override
	protected ApplicationContextRunner storeRunner(Settings settings) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"handoff.namespace=" + this.namespace);
	}

	@Override
	protected Map<String, String> deadLetters(String label) {
		LabelKeys keys = LabelKeys.of(this.namespace, label);
		Map<Object, Object> reasons = redisTemplate.opsForHash().entries(keys.deadReasons());
		// Each reason belongs to a stored envelope.
		return redisTemplate.<String, String>opsForHash()
			.keys(keys.dead())
			.stream()
			.collect(Collectors.toMap((id) -> id, (id) -> String.valueOf(reasons.get(id))));
	}

}
