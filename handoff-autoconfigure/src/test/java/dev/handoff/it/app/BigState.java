package dev.handoff.it.app;

import java.util.ArrayList;
import java.util.List;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * A participant whose state is as large as {@code test.big-state-mb} says, in
 * one-mebibyte strings: with a small {@code -Xmx}, writing it as JSON does not fit the
 * heap.
 */
@Component
@Handoff("big")
@ConditionalOnProperty("test.big-state-mb")
class BigState implements HandoffParticipant<List<String>> {

	private final List<String> chunks = new ArrayList<>();

	BigState(@Value("${test.big-state-mb}") int mebibytes) {
		for (int i = 0; i < mebibytes; i++) {
			this.chunks.add(String.valueOf((char) ('a' + i % 26)).repeat(1024 * 1024));
		}
	}

	@Override
	public List<String> handoffState() {
		return this.chunks;
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<List<String>>> handoffs) {
		TestApplication.report("RECEIVED big " + handoffs.size());
	}

}
