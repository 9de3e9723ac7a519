package dev.handoff.test;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Bounded polling for the harness, with a failure message that says what was still wrong
 * when time ran out.
 */
final class Conditions {

	private static final Duration POLL_INTERVAL = Duration.ofMillis(25);

	private Conditions() {
	}

	/**
	 * Polls until {@code problem} returns {@code null}.
	 * @param what what is awaited, for the failure message
	 * @param timeout how long to wait at most
	 * @param problem what is still wrong, or {@code null} once the condition holds; a
	 * node that cannot be reached ({@link UncheckedIOException}) or answers with an error
	 * ({@link Resp.ErrorReply}, such as {@code LOADING}) counts as not yet, any other
	 * exception ends the wait at once, so a check can fail fast when, say, the process it
	 * waits for has exited
	 * @throws IllegalStateException if the condition does not hold in time, with the last
	 * problem seen
	 */
	static void await(String what, Duration timeout, Supplier<@Nullable String> problem) {
		AtomicReference<@Nullable String> last = new AtomicReference<>("not checked yet");
		try {
			Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL_INTERVAL).until(() -> {
				try {
					last.set(problem.get());
				}
				catch (UncheckedIOException | Resp.ErrorReply ex) {
					last.set(ex.toString());
				}
				return last.get() == null;
			});
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException(
					"Timed out after " + timeout.toMillis() + " ms waiting for " + what + ": " + last.get(), ex);
		}
	}

}
