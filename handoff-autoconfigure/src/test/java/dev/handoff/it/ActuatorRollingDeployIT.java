package dev.handoff.it;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.handoff.test.RedisServerProcess;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees through Actuator after a rolling deploy, in real JVMs with
 * Actuator, Micrometer and Brave on the classpath: the {@code handoff} health component
 * with the record received, the {@code handoff.records} counter, the {@code handoff}
 * endpoint, the receiver's merge span in the trace the sender handed off in, and the
 * component going DOWN once Redis stops.
 */
class ActuatorRollingDeployIT {

	private static final Duration HANDOFF = Duration.ofSeconds(30);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Pattern TRACE = Pattern
		.compile("TRACE traceparent=00-([0-9a-f]{32})-([0-9a-f]{16})-0[01] trace=([0-9a-f]{32}) parent=([0-9a-f]{16})");

	private static final String[] ACTUATOR = { "--management.endpoints.web.exposure.include=health,metrics,handoff",
			"--management.endpoint.health.show-details=always", "--management.tracing.sampling.probability=1.0",
			"--spring.data.redis.timeout=1s" };

	private final String namespace = "actuator-" + UUID.randomUUID().toString().substring(0, 8);

	@Test
	void afterARollingDeployActuatorShowsTheHandoffAndHealthGoesDownWithRedis() {
		try (RedisServerProcess redis = RedisServerProcess.start();
				AppProcess old = AppProcess.start("old", redis.port(), this.namespace, ACTUATOR);
				AppProcess next = AppProcess.start("new", redis.port(), this.namespace, ACTUATOR)) {
			old.awaitReady();
			next.awaitReady();
			Map<String, Long> state = old.mutate(10);
			old.terminate();
			old.awaitExit(HANDOFF);
			next.awaitLine((line) -> line.startsWith("RECEIVED counters 1 from [old]"), HANDOFF);
			assertThat(next.counters()).isEqualTo(state);

			// The merge continued the trace of the sender's initiate: same trace, the
			// sender's span its parent.
			Matcher trace = TRACE.matcher(next.awaitLine((line) -> line.startsWith("TRACE "), HANDOFF));
			assertThat(trace.find()).as("TRACE line").isTrue();
			assertThat(trace.group(3)).isEqualTo(trace.group(1));
			assertThat(trace.group(4)).isEqualTo(trace.group(2));

			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				JsonNode health = json.readTree(next.get("/actuator/health/handoff"));
				assertThat(health.path("status").asString()).isEqualTo("UP");
				JsonNode counters = health.path("details").path("labels").path("counters");
				assertThat(counters.path("waiting").asLong()).isZero();
				assertThat(counters.path("lastReceived").path("from").toString()).contains("old");
			});
			JsonNode received = json.readTree(next.get("/actuator/metrics/handoff.records?tag=outcome:received"));
			assertThat(received.path("measurements").get(0).path("value").asDouble()).isEqualTo(1.0);
			JsonNode merge = json.readTree(next.get("/actuator/metrics/handoff.merge?tag=label:counters"));
			assertThat(merge.path("measurements").get(0).path("value").asDouble()).isEqualTo(1.0);
			JsonNode endpoint = json.readTree(next.get("/actuator/handoff"));
			assertThat(endpoint.toString()).contains("\"counters\"");

			redis.kill();
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(
						() -> assertThat(json.readTree(next.get("/actuator/health/handoff")).path("status").asString())
							.isEqualTo("DOWN"));
		}
	}

}
