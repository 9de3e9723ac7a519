package dev.handoff.test;

import java.util.List;
import java.util.Map;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;

/**
 * A participant of label {@code counters} that hands off nothing and merges nothing: for
 * tests of what Handoff reports about its participants, rather than of their state.
 */
@Handoff("counters")
public class StatelessCounters implements HandoffParticipant<Map<String, Long>> {

	@Override
	public @Nullable Map<String, Long> handoffState() {
		return null;
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
	}

}
