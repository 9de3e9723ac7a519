package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns the messages and (re)subscriptions of one subscription into calls of its
 * subscriber. A subscription to N channels is confirmed channel by channel; the
 * subscriber hears of it once, when the last one is, with all labels.
 */
final class ChannelEvents {

	private final Map<String, String> labelsByChannel;

	private final Consumer<List<String>> onAvailable;

	private final Set<String> confirmed = new HashSet<>();

	private volatile boolean closed;

	ChannelEvents(Map<String, String> labelsByChannel, Consumer<List<String>> onAvailable) {
		this.labelsByChannel = labelsByChannel;
		this.onAvailable = onAvailable;
	}

	/**
	 * Drops every event from now on, also those the connection still delivers while it
	 * unsubscribes.
	 */
	void close() {
		this.closed = true;
	}

	void message(byte[] channel) {
		if (this.closed) {
			return;
		}
		String label = this.labelsByChannel.get(string(channel));
		if (label != null) {
			this.onAvailable.accept(List.of(label));
		}
	}

	void subscribed(byte[] channel) {
		if (this.closed) {
			return;
		}
		boolean complete;
		synchronized (this.confirmed) {
			this.confirmed.add(string(channel));
			complete = this.confirmed.containsAll(this.labelsByChannel.keySet());
			if (complete) {
				this.confirmed.clear();
			}
		}
		if (complete) {
			this.onAvailable.accept(List.copyOf(this.labelsByChannel.values()));
		}
	}

	private static String string(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
