package dev.handoff.test.readme;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;

import org.springframework.stereotype.Component;

@Component
@Handoff("page-views")
class PageViews implements HandoffParticipant<Map<String, Long>> {

	private final Map<String, Long> views = new ConcurrentHashMap<>();

	void viewed(String page) {
		this.views.merge(page, 1L, Long::sum);
	}

	Map<String, Long> views() {
		return Map.copyOf(this.views);
	}

	@Override
	public Map<String, Long> handoffState() {
		// null: nothing to hand off
		return this.views.isEmpty() ? null : Map.copyOf(this.views);
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
		for (HandoffRecord<Map<String, Long>> handoff : handoffs) {
			handoff.data().forEach((page, count) -> this.views.merge(page, count, Long::sum));
		}
	}

}
