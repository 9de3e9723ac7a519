package dev.handoff.autoconfigure.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffActivity;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffLifecycle;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports whether Handoff's store can do its job: DOWN when it cannot be reached or
 * refuses the read, with the store, whether notifications arrive, and per label the
 * records waiting, in flight and dead-lettered, and the last handoff sent and received.
 * Dead letters show in the details without taking the component DOWN. The counts come
 * from {@link HandoffCounts}: one batched read of the store answers the probes of two
 * seconds.
 */
public final class HandoffHealthIndicator extends AbstractHealthIndicator {

	private final HandoffLifecycle lifecycle;

	private final HandoffStore store;

	private final HandoffCounts counts;

	private final HandoffActivity activity;

	/**
	 * Creates the indicator.
	 * @param lifecycle the lifecycle, for the subscription
	 * @param store the store
	 * @param counts the record counts of the labels
	 * @param activity what this instance last sent and received
	 */
	public HandoffHealthIndicator(HandoffLifecycle lifecycle, HandoffStore store, HandoffCounts counts,
			HandoffActivity activity) {
		super("Handoff health check failed");
		this.lifecycle = lifecycle;
		this.store = store;
		this.counts = counts;
		this.activity = activity;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		List<String> labels = this.counts.labels();
		builder.withDetail("store", this.store.describe());
		if (labels.isEmpty()) {
			builder.up().withDetail("participants", 0);
			return;
		}
		Map<String, HandoffStore.Counts> counts = this.counts.get();
		builder.up().withDetail("subscribed", this.lifecycle.isSubscribed());
		Map<String, Object> byLabel = new LinkedHashMap<>();
		long deadLettered = 0;
		for (String label : labels) {
			HandoffStore.Counts count = counts.get(label);
			Map<String, Object> details = new LinkedHashMap<>();
			if (count != null) {
				details.put("waiting", count.waiting());
				details.put("inFlight", count.inFlight());
				details.put("deadLettered", count.deadLettered());
				deadLettered += count.deadLettered();
			}
			HandoffActivity.Sent sent = this.activity.lastSent(label);
			if (sent != null) {
				Map<String, Object> lastSent = new LinkedHashMap<>();
				lastSent.put("recordId", sent.recordId());
				lastSent.put("at", sent.at().toString());
				lastSent.put("tookMs", sent.took().toMillis());
				lastSent.put("durable", sent.notDurable() == null);
				if (sent.notDurable() != null) {
					lastSent.put("notDurable", sent.notDurable());
				}
				details.put("lastSent", lastSent);
			}
			HandoffActivity.Received received = this.activity.lastReceived(label);
			if (received != null) {
				details.put("lastReceived", Map.of("records", received.records(), "from", received.from(), "at",
						received.at().toString(), "latencyMs", received.latency().toMillis()));
			}
			byLabel.put(label, details);
		}
		builder.withDetail("labels", byLabel);
		if (deadLettered > 0) {
			builder.withDetail("deadLetters", deadLettered + " dead-lettered record(s) wait for inspection");
		}
	}

}
