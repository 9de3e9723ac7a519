package dev.handoff.benchmarks;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;

/**
 * A participant whose state is one string (100 bytes of JSON by default). Its label is
 * its bean name. It counts the records it receives and tells a listener the moment they
 * arrive.
 */
@Handoff
public class BenchParticipant implements HandoffParticipant<String> {

	private volatile @Nullable String state;

	private final AtomicInteger received = new AtomicInteger();

	private volatile @Nullable LongConsumer onReceived;

	BenchParticipant(@Nullable String state) {
		this.state = state;
	}

	@Override
	public @Nullable String handoffState() {
		return this.state;
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<String>> handoffs) {
		long now = System.nanoTime();
		this.received.addAndGet(handoffs.size());
		LongConsumer listener = this.onReceived;
		if (listener != null) {
			listener.accept(now);
		}
	}

	int received() {
		return this.received.get();
	}

	void onReceived(@Nullable LongConsumer listener) {
		this.onReceived = listener;
	}

	/**
	 * Returns a string whose JSON form is the given number of bytes.
	 * @param jsonBytes the size of the JSON, at least 2
	 * @return the string
	 */
	static String stateOfJsonSize(int jsonBytes) {
		return "x".repeat(jsonBytes - 2);
	}

}
