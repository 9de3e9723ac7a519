package dev.handoff.autoconfigure.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Handoff's meters, all tagged with the label and nothing finer (never a record or
 * instance id):
 * <ul>
 * <li>{@code handoff.records}, a counter tagged {@code outcome} ({@code initiated},
 * {@code received}, {@code redelivered}, {@code released}, {@code dead-lettered},
 * {@code expired}, {@code rejected}) and {@code reason} (why a record was dead-lettered
 * or rejected, else {@code none});</li>
 * <li>a timer {@code handoff.latency}, from a record's handoff to the end of its merge
 * (the timers {@code handoff.initiate}, {@code handoff.claim} and {@code handoff.merge}
 * come from the {@link dev.handoff.observation.HandoffObservation observations}, through
 * the application's {@code ObservationRegistry});</li>
 * <li>{@code handoff.record.size}, a distribution summary of the bytes handed off;</li>
 * <li>gauges {@code handoff.records.waiting}, {@code handoff.records.in-flight} and
 * {@code handoff.records.dead-lettered} per label of this application, from
 * {@link HandoffCounts}, the read the health component uses; they read {@code NaN} while
 * the store cannot be read.</li>
 * </ul>
 */
public final class HandoffMetrics implements HandoffListener {

	private final MeterRegistry registry;

	private final HandoffCounts counts;

	private final Set<String> gauged = ConcurrentHashMap.newKeySet();

	/**
	 * Creates the meters.
	 * @param registry where to register them
	 * @param counts the record counts, for the gauges
	 */
	public HandoffMetrics(MeterRegistry registry, HandoffCounts counts) {
		this.registry = registry;
		this.counts = counts;
	}

	/**
	 * Registers the gauges of the application's labels, once they are known.
	 */
	public void registerGauges() {
		for (String label : this.counts.labels()) {
			if (this.gauged.add(label)) {
				gauge("handoff.records.waiting", label, HandoffStore.Counts::waiting);
				gauge("handoff.records.in-flight", label, HandoffStore.Counts::inFlight);
				gauge("handoff.records.dead-lettered", label, HandoffStore.Counts::deadLettered);
			}
		}
	}

	private void gauge(String name, String label, ToLongFunction<HandoffStore.Counts> value) {
		Gauge.builder(name, this.counts, (counts) -> {
			try {
				Map<String, HandoffStore.Counts> byLabel = counts.get();
				HandoffStore.Counts count = byLabel.get(label);
				return (count != null) ? value.applyAsLong(count) : Double.NaN;
			}
			catch (RuntimeException ex) {
				return Double.NaN;
			}
		}).tag("label", label).register(this.registry);
	}

	@Override
	public void initiated(String label, int bytes, Duration took) {
		count(label, "initiated", 1);
		DistributionSummary.builder("handoff.record.size")
			.baseUnit("bytes")
			.tag("label", label)
			.register(this.registry)
			.record(bytes);
	}

	@Override
	public void received(String label, int records, Duration merge, Duration latency) {
		count(label, "received", records);
		Timer.builder("handoff.latency").tag("label", label).register(this.registry).record(latency);
	}

	@Override
	public void redelivered(String label, int records) {
		count(label, "redelivered", records);
	}

	@Override
	public void released(String label, int records) {
		count(label, "released", records);
	}

	@Override
	public void rejected(String label, String reason) {
		counter(label, "rejected", reason).increment();
	}

	@Override
	public void deadLettered(String label, String reason) {
		if ("expired".equals(reason)) {
			count(label, "expired", 1);
		}
		else {
			counter(label, "dead-lettered", reason).increment();
		}
	}

	private void count(String label, String outcome, int records) {
		counter(label, outcome, "none").increment(records);
	}

	private Counter counter(String label, String outcome, String reason) {
		return Counter.builder("handoff.records")
			.tag("label", label)
			.tag("outcome", outcome)
			.tag("reason", reason)
			.register(this.registry);
	}

}
