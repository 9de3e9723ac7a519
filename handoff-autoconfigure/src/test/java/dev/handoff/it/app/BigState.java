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
 * one-mebibyte strings; with {@code test.big-state-snapshot-mb}, its
 * {@code handoffState()} first takes a snapshot of that size, which a small {@code -Xmx}
 * does not fit.
 */
@Component
@Handoff("big")
@ConditionalOnProperty("test.big-state-mb")
class BigState implements HandoffParticipant<List<String>> {

	private final List<String> chunks = new ArrayList<>();

	private final int snapshotMebibytes;

	BigState(@Value("${test.big-state-mb}") int mebibytes,
			@Value("${test.big-state-snapshot-mb:0}") int snapshotMebibytes) {
		this.snapshotMebibytes = snapshotMebibytes;
		for (int i = 0; i < mebibytes; i++) {
			this.chunks.add(String.valueOf((char) ('a' + i % 26)).repeat(1024 * 1024));
		}
	}

	@Override
	public List<String> handoffState() {
		if (this.snapshotMebibytes > 0) {
			byte[] snapshot = new byte[this.snapshotMebibytes * 1024 * 1024];
			TestApplication.report("SNAPSHOT " + snapshot.length);
		}
		return this.chunks;
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<List<String>>> handoffs) {
		long chars = handoffs.stream().flatMap((record) -> record.data().stream()).mapToLong(String::length).sum();
		TestApplication.report("RECEIVED big " + handoffs.size() + " of " + chars / (1024 * 1024) + " MiB");
	}

}
