package dev.handoff.it.app;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import jakarta.annotation.PreDestroy;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Named counters. Once its state has been captured it refuses changes, so a change is
 * either in the handed-off state or refused, and the tests can tell which.
 */
@Component
@Handoff("counters")
class Counters implements HandoffParticipant<Map<String, Long>> {

	private final Map<String, Long> counters = new TreeMap<>();

	private final boolean blockReceive;

	private final AtomicLong refused = new AtomicLong();

	private boolean captured;

	private final ObjectProvider<Tracer> tracer;

	Counters(@Value("${test.block-receive:false}") boolean blockReceive, ObjectProvider<Tracer> tracer) {
		this.blockReceive = blockReceive;
		this.tracer = tracer;
	}

	/**
	 * @return whether the change was accepted
	 */
	synchronized boolean increment(String key) {
		if (this.captured) {
			this.refused.incrementAndGet();
			return false;
		}
		this.counters.merge(key, 1L, Long::sum);
		return true;
	}

	synchronized Map<String, Long> snapshot() {
		return new TreeMap<>(this.counters);
	}

	@Override
	public synchronized Map<String, Long> handoffState() {
		this.captured = true;
		return this.counters.isEmpty() ? null : new TreeMap<>(this.counters);
	}

	/**
	 * A copy of the counters, without refusing later changes as {@link #handoffState()}
	 * does: the application keeps running after a checkpoint.
	 */
	@Override
	public synchronized Map<String, Long> checkpointState() {
		return this.counters.isEmpty() ? null : new TreeMap<>(this.counters);
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
		if (this.blockReceive) {
			TestApplication.report("RECEIVING " + handoffs.stream().map(HandoffRecord::id).toList());
			// Stands for a merge that never finishes: the test kills this JVM here,
			// before the acknowledgement.
			try {
				Thread.sleep(Long.MAX_VALUE);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		synchronized (this) {
			handoffs.forEach(
					(handoff) -> handoff.data().forEach((key, value) -> this.counters.merge(key, value, Long::sum)));
		}
		TestApplication.report("RECEIVED counters " + handoffs.size() + " from "
				+ handoffs.stream().map(HandoffRecord::origin).toList());
		Span span = this.tracer.getIfAvailable(() -> Tracer.NOOP).currentSpan();
		if (span != null) {
			// The merge's span, for the test to compare with the trace context the record
			// carried.
			TestApplication.report("TRACE traceparent=" + handoffs.get(0).headers().get("traceparent") + " trace="
					+ span.context().traceId() + " parent=" + span.context().parentId());
		}
	}

	@PreDestroy
	void reportFinal() {
		// Destroy callbacks run after every Lifecycle has stopped, so nothing changes the
		// counters any more.
		TestApplication.report("FINAL refused=" + this.refused.get());
	}

}
