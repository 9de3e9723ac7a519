package dev.handoff.it.app;

import java.util.ArrayList;
import java.util.List;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;

import org.springframework.stereotype.Component;

/**
 * A second participant, so that an instance hands off more than one record.
 */
@Component
@Handoff("notes")
class Notes implements HandoffParticipant<List<String>> {

	private final List<String> notes = new ArrayList<>();

	synchronized void add(String note) {
		this.notes.add(note);
	}

	synchronized List<String> snapshot() {
		return List.copyOf(this.notes);
	}

	@Override
	public synchronized List<String> handoffState() {
		return this.notes.isEmpty() ? null : List.copyOf(this.notes);
	}

	@Override
	public synchronized void receiveHandoff(List<HandoffRecord<List<String>>> handoffs) {
		handoffs.forEach((handoff) -> this.notes.addAll(handoff.data()));
		TestApplication.report(
				"RECEIVED notes " + handoffs.size() + " from " + handoffs.stream().map(HandoffRecord::origin).toList());
	}

}
