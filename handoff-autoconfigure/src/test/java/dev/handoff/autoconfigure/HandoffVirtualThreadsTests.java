package dev.handoff.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.handoff.Handoff;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Handoff's threads follow {@code spring.threads.virtual.enabled}, as Spring Boot's own
 * executors do: the merge of what arrives and the capture at shutdown run on virtual
 * threads when it is on (Java 21 or later), on platform threads otherwise.
 */
class HandoffVirtualThreadsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
		.withBean(ThreadRecorder.class, ThreadRecorder::new);

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void mergeAndCaptureRunOnVirtualThreadsWhenTheApplicationDoes() {
		ThreadRecorder recorder = run(this.runner.withPropertyValues("spring.threads.virtual.enabled=true"));
		assertThat(recorder.threads).hasSize(2).allSatisfy((thread) -> assertThat(isVirtual(thread)).isTrue());
	}

	@Test
	void mergeAndCaptureRunOnPlatformThreadsByDefault() {
		ThreadRecorder recorder = run(this.runner);
		assertThat(recorder.threads).hasSize(2).allSatisfy((thread) -> {
			assertThat(isVirtual(thread)).isFalse();
			assertThat(thread.getName()).startsWith("handoff-");
		});
	}

	private ThreadRecorder run(ApplicationContextRunner runner) {
		ThreadRecorder[] recorder = new ThreadRecorder[1];
		runner.run((context) -> {
			recorder[0] = context.getBean(ThreadRecorder.class);
			context.getBean(HandoffOperations.class).initiate("threads", 1, Map.of("a", 1L));
			await().atMost(Duration.ofSeconds(10)).until(() -> recorder[0].threads.size() == 1);
		});
		// Closing the context captured the state once more.
		return recorder[0];
	}

	/**
	 * {@code Thread.isVirtual()}, which Java 17 does not have: there every thread is a
	 * platform thread.
	 */
	private static boolean isVirtual(Thread thread) {
		try {
			return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Handoff("threads")
	static class ThreadRecorder implements HandoffParticipant<Map<String, Long>> {

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		@Override
		public @Nullable Map<String, Long> handoffState() {
			this.threads.add(Thread.currentThread());
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
			this.threads.add(Thread.currentThread());
		}

	}

}
