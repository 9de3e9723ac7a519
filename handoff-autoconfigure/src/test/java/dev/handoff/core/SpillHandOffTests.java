package dev.handoff.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffRecord;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.AbstractHandoffEngineTests.Counters;
import dev.handoff.security.RecordProtection;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The spill directory of a running application: what lands there after startup (an
 * instance on the same host that spilled while Redis was away) is handed off at the next
 * poll and merged once.
 */
class SpillHandOffTests {

	private static final Map<String, List<Long>> STATE = AbstractHandoffEngineTests.STATE;

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@TempDir
	Path spill;

	@Test
	void recordSpilledAfterStartupIsHandedOffAtThePollAndMergedOnce() {
		String namespace = "spill-" + UUID.randomUUID();
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"handoff.namespace=" + namespace, "handoff.instance-id=new", "handoff.poll-interval=300ms",
					"handoff.spill.directory=" + this.spill)
			.withBean(Counters.class, Counters::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Counters counters = context.getBean(Counters.class);
				HandoffRecord<byte[]> record = new HandoffRecord<>(UUID.randomUUID().toString(), "counters", 1,
						JsonMapper.builder().build().writeValueAsBytes(STATE), "sibling", Instant.now());
				Path file = SpillDirectory.open(this.spill, RecordProtection.none(), Duration.ofHours(1)).write(record);

				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(counters.received).singleElement()
						.satisfies((received) -> assertThat(received.id()).isEqualTo(record.id())));
				assertThat(Files.exists(file)).isFalse();
				// Polls go on; the record is not handed off, nor merged, again.
				await().during(Duration.ofSeconds(1))
					.atMost(Duration.ofSeconds(3))
					.until(() -> counters.received.size() == 1);
			});
	}

}
