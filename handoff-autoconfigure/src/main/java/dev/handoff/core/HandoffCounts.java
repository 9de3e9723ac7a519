package dev.handoff.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore;
import org.jspecify.annotations.Nullable;

/**
 * The record counts of this application's labels, read from the store in one batch and
 * reused for {@link #CACHE_FOR}, whether the read succeeded or failed: health probes and
 * metric scrapes that come often cost one read between them, not a round trip each.
 */
public final class HandoffCounts {

	/** How long one read of the store answers. */
	public static final Duration CACHE_FOR = Duration.ofSeconds(2);

	private final HandoffLifecycle lifecycle;

	private final HandoffStore store;

	private final Object monitor = new Object();

	private @Nullable Read last;

	/**
	 * Creates the counts.
	 * @param lifecycle the lifecycle, for the labels
	 * @param store the store
	 */
	public HandoffCounts(HandoffLifecycle lifecycle, HandoffStore store) {
		this.lifecycle = lifecycle;
		this.store = store;
	}

	/**
	 * Returns the labels of this application's participants.
	 * @return the labels
	 */
	public List<String> labels() {
		return this.lifecycle.getLabels();
	}

	/**
	 * Returns the counts of each label, from a read at most {@link #CACHE_FOR} old.
	 * @return label → counts
	 * @throws RuntimeException what the read threw, when the store could not be read
	 */
	public Map<String, HandoffStore.Counts> get() {
		List<String> labels = labels();
		synchronized (this.monitor) {
			Read read = this.last;
			if (read == null || read.isStale() || !read.labels.equals(labels)) {
				try {
					read = new Read(labels, labels.isEmpty() ? Map.of() : this.store.inspect(labels), null);
				}
				catch (RuntimeException ex) {
					read = new Read(labels, Map.of(), ex);
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

		Read(List<String> labels, Map<String, HandoffStore.Counts> counts, @Nullable RuntimeException failure) {
			this.labels = labels;
			this.counts = counts;
			this.failure = failure;
		}

		boolean isStale() {
			return System.nanoTime() - this.at > CACHE_FOR.toNanos();
		}

	}

}
