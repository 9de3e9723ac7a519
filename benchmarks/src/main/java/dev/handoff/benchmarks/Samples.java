package dev.handoff.benchmarks;

import java.util.Arrays;

/**
 * Durations in nanoseconds, kept whole so that percentiles are exact (nearest rank on a
 * sorted copy). A few thousand samples per figure make a histogram unnecessary, and
 * recording into a preallocated array allocates nothing.
 */
final class Samples {

	private long[] values;

	private int size;

	Samples(int capacity) {
		this.values = new long[Math.max(16, capacity)];
	}

	void add(long nanos) {
		if (this.size == this.values.length) {
			this.values = Arrays.copyOf(this.values, this.size * 2);
		}
		this.values[this.size++] = nanos;
	}

	void addAll(Samples other) {
		for (int i = 0; i < other.size; i++) {
			add(other.values[i]);
		}
	}

	int size() {
		return this.size;
	}

	void clear() {
		this.size = 0;
	}

	/**
	 * Returns a percentile by nearest rank.
	 * @param percentile from 0 to 100
	 * @return the value in nanoseconds
	 */
	long percentile(double percentile) {
		if (this.size == 0) {
			throw new IllegalStateException("No samples");
		}
		long[] sorted = Arrays.copyOf(this.values, this.size);
		Arrays.sort(sorted);
		int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
		return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
	}

	long p50() {
		return percentile(50);
	}

	static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

}
