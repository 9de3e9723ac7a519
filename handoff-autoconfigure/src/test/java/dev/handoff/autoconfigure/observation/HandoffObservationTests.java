package dev.handoff.autoconfigure.observation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import dev.handoff.Handoff;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.autoconfigure.metrics.HandoffMetricsAutoConfiguration;
import dev.handoff.test.RedisExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Initiate, claim and merge as Micrometer Observations, through Spring Boot's own
 * observation, metrics and tracing auto-configuration: timers without tracing, and with
 * Brave a trace that follows the state from the sender's initiate, through the record's
 * headers in Redis, to the merge of another application context.
 */
class HandoffObservationTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private ApplicationContextRunner runner(String instance) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class,
					HandoffMetricsAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"handoff.namespace=" + redis.namespace(), "handoff.instance-id=" + instance,
					"handoff.startup-timeout=5s");
	}

	private ApplicationContextRunner traced(String instance, List<MutableSpan> spans) {
		return runner(instance)
			.withConfiguration(
					AutoConfigurations.of(MicrometerTracingAutoConfiguration.class, BraveAutoConfiguration.class))
			.withPropertyValues("management.tracing.sampling.probability=1.0")
			.withBean(SpanHandler.class, () -> new SpanHandler() {
				@Override
				public boolean end(TraceContext context, MutableSpan span, Cause cause) {
					spans.add(span);
					return true;
				}
			});
	}

	@Test
	void initiateClaimAndMergeAreTimedPerLabelWithoutTracing() {
		runner("instance").withBean(Recorder.class, Recorder::new).run((context) -> {
			assertThat(context).hasNotFailed();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			context.getBean(HandoffOperations.class).initiate("traced", 1, Map.of("a", 1L));
			await().atMost(Duration.ofSeconds(10)).until(() -> !context.getBean(Recorder.class).received.isEmpty());
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(meters.get("handoff.initiate").tags("label", "traced", "error", "none").timer().count())
					.isOne();
				assertThat(meters.get("handoff.merge").tags("label", "traced", "error", "none").timer().count())
					.isOne();
				assertThat(meters.get("handoff.claim").tag("label", "traced").timer().count()).isPositive();
			});
			// Without a tracer nothing travels with the record.
			assertThat(context.getBean(Recorder.class).received.get(0).headers()).isEmpty();
		});
	}

	@Test
	void withoutTracingOnTheClasspathHandoffsCarryNoTraceContext() {
		List<MutableSpan> spans = new CopyOnWriteArrayList<>();
		traced("instance", spans).withClassLoader(new FilteredClassLoader("io.micrometer.tracing", "brave"))
			.withBean(Recorder.class, Recorder::new)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean("braveTracer");
				context.getBean(HandoffOperations.class).initiate("traced", 1, Map.of("a", 1L));
				Recorder recorder = context.getBean(Recorder.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.received.isEmpty());
				assertThat(recorder.received.get(0).headers()).isEmpty();
				assertThat(context.getBean(MeterRegistry.class).find("handoff.merge").timer()).isNotNull();
			});
		assertThat(spans).isEmpty();
	}

	@Test
	void observationsTurnOffWithBootsProperty() {
		runner("instance").withPropertyValues("management.observations.enable.handoff=false")
			.withBean(Recorder.class, Recorder::new)
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				context.getBean(HandoffOperations.class).initiate("traced", 1, Map.of("a", 1L));
				await().atMost(Duration.ofSeconds(10)).until(() -> !context.getBean(Recorder.class).received.isEmpty());
				assertThat(meters.find("handoff.initiate").timer()).isNull();
				assertThat(meters.find("handoff.merge").timer()).isNull();
				// The meters that are not observations stay.
				assertThat(meters.find("handoff.records").tag("outcome", "initiated").counter()).isNotNull();
			});
	}

	@Test
	void theReceiversMergeContinuesTheTraceInWhichTheSenderHandedOff() {
		List<MutableSpan> senderSpans = new CopyOnWriteArrayList<>();
		List<MutableSpan> receiverSpans = new CopyOnWriteArrayList<>();
		String[] request = new String[1];
		// v1 hands off inside a traced request of its own; its context closes before v2
		// exists.
		traced("v1", senderSpans).run((v1) -> {
			ObservationRegistry registry = v1.getBean(ObservationRegistry.class);
			Observation.createNotStarted("request", registry).observe(() -> {
				v1.getBean(HandoffOperations.class).initiate("traced", 1, Map.of("a", 41L));
			});
		});
		MutableSpan initiate = senderSpans.stream()
			.filter((span) -> "handoff initiate".equals(span.name()))
			.findFirst()
			.orElseThrow();
		MutableSpan requestSpan = senderSpans.stream()
			.filter((span) -> "request".equals(span.name()))
			.findFirst()
			.orElseThrow();
		assertThat(initiate.parentId()).isEqualTo(requestSpan.id());
		assertThat(initiate.tags()).containsEntry("label", "traced").containsKey("handoff.record.id");
		request[0] = requestSpan.traceId();

		traced("v2", receiverSpans).withBean(Recorder.class, Recorder::new).run((v2) -> {
			Recorder recorder = v2.getBean(Recorder.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.received.isEmpty());
			HandoffRecord<Map<String, Long>> record = recorder.received.get(0);
			assertThat(record.headers()).containsKey("traceparent");
			assertThat(record.headers().get("traceparent")).contains(initiate.traceId()).contains(initiate.id());
			await().atMost(Duration.ofSeconds(5))
				.until(() -> receiverSpans.stream().anyMatch((span) -> "handoff merge".equals(span.name())));
		});
		MutableSpan merge = receiverSpans.stream()
			.filter((span) -> "handoff merge".equals(span.name()))
			.findFirst()
			.orElseThrow();
		assertThat(merge.traceId()).isEqualTo(request[0]);
		assertThat(merge.parentId()).isEqualTo(initiate.id());
		assertThat(merge.tags()).containsEntry("label", "traced")
			.containsEntry("handoff.origin", "v1")
			.containsEntry("handoff.records", "1");
	}

	@Handoff("traced")
	static class Recorder implements HandoffParticipant<Map<String, Long>> {

		final List<HandoffRecord<Map<String, Long>>> received = new CopyOnWriteArrayList<>();

		@Override
		public @Nullable Map<String, Long> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
			this.received.addAll(handoffs);
		}

	}

}
