package dev.handoff.test.app;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;

/**
 * Counts hits per key and hands the counts off, in version 2 of their shape; it converts
 * what version 1 handed off. With {@code tally.fail-receive=true} its merge throws, as a
 * broken merge would; {@code tally.enabled=false} leaves it out, as a version of the
 * application without it would.
 */
@Component
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@Handoff(value = "tally", version = 2)
public class Tally implements HandoffParticipant<Map<String, Long>> {

	private final Map<String, Long> counts = new ConcurrentHashMap<>();

	private final List<Integer> upgraded = new CopyOnWriteArrayList<>();

	private final boolean failReceive;

	Tally(@Value("${tally.fail-receive:false}") boolean failReceive) {
		this.failReceive = failReceive;
	}

	public void hit(String key, long times) {
		this.counts.merge(key, times, Long::sum);
	}

	public Map<String, Long> snapshot() {
		return Map.copyOf(this.counts);
	}

	/**
	 * Returns the versions of the records this instance converted in
	 * {@link #upgradeHandoff}.
	 * @return the versions, in the order they came
	 */
	public List<Integer> upgraded() {
		return List.copyOf(this.upgraded);
	}

	@Override
	public @Nullable Map<String, Long> handoffState() {
		return this.counts.isEmpty() ? null : Map.copyOf(this.counts);
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
		if (this.failReceive) {
			throw new IllegalStateException("tally.fail-receive is set");
		}
		handoffs.forEach((handoff) -> handoff.data().forEach(this::hit));
	}

	@Override
	public @Nullable Map<String, Long> upgradeHandoff(HandoffRecord<JsonNode> handoff) {
		if (handoff.version() != 1) {
			return null;
		}
		this.upgraded.add(handoff.version());
		Map<String, Long> counts = new ConcurrentHashMap<>();
		handoff.data().properties().forEach((entry) -> counts.put(entry.getKey(), entry.getValue().asLong()));
		return counts;
	}

}
