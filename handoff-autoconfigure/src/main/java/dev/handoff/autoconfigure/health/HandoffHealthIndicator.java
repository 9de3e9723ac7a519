package dev.handoff.autoconfigure.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffActivity;
import dev.handoff.core.HandoffLifecycle;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports whether Handoff's store can do its job: DOWN when it cannot be reached or refuses the read, with the store,
 * whether notifications arrive, and per label the records waiting, in flight and dead-lettered, and the last handoff
 * sent and received. Dead letters show in the details without taking the component DOWN. The counts come from one
 * batched read of the store, reused for {@link #CACHE_FOR}, so that frequent probes do not each cost a round trip.
 */
public final class HandoffHealthIndicator extends AbstractHealthIndicator {

	/** How long one read of the store answers probes. */
	static final Duration CACHE_FOR = Duration.ofSeconds(2);

	private final HandoffLifecycle lifecycle;

	private final HandoffStore store;

	private final HandoffActivity activity;

	private final Object monitor = new Object();

	private @Nullable Read last;

	/**
	 * Creates the indicator.
	 * @param lifecycle the lifecycle, for the labels and the subscription
	 * @param store the store
	 * @param activity what this instance last sent and received
	 */
	public HandoffHealthIndicator(HandoffLifecycle lifecycle, HandoffStore store, HandoffActivity activity) {
		super("Handoff health check failed");
		this.lifecycle = lifecycle;
		this.store = store;
		this.activity = activity;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		List<String> labels = this.lifecycle.getLabels();
		builder.withDetail("store", this.store.describe());
		if (labels.isEmpty()) {
			builder.up().withDetail("participants", 0);
			return;
		}
		Map<String, HandoffStore.Counts> counts = read(labels);
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
				details.put("lastSent", Map.of("recordId", sent.recordId(), "at", sent.at().toString(), "tookMs",
						sent.took().toMillis()));
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

	/** One read of the store per {@link #CACHE_FOR}, whether it succeeded or failed. */
	private Map<String, HandoffStore.Counts> read(List<String> labels) {
		synchronized (this.monitor) {
			Read read = this.last;
			if (read == null || read.isStale() || !read.labels.equals(labels)) {
				try {
					read = new Read(labels, this.store.inspect(labels), null);
				}
				catch (RuntimeException ex) {
					read = new Read(labels, null, ex);
				}
				this.last = read;
			}
			if (read.failure != null) {
				throw read.failure;
			}
			return read.counts;
		}
	}

	private static final class Read {

		final List<String> labels;

		final Map<String, HandoffStore.Counts> counts;

		final @Nullable RuntimeException failure;

		final long at = System.nanoTime();

		Read(List<String> labels, @Nullable Map<String, HandoffStore.Counts> counts,
				@Nullable RuntimeException failure) {
			this.labels = labels;
			this.counts = (counts != null) ? counts : Map.of();
			this.failure = failure;
		}

		boolean isStale() {
			return System.nanoTime() - this.at > CACHE_FOR.toNanos();
		}

	}

}
