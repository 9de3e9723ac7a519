package dev.handoff.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Live counters of allowed and refused requests per client. Request threads only enqueue
 * an event; a background thread folds the events into the tallies, so requests never wait
 * for each other on the tallies' lock.
 * <p>
 * That background work is why this bean is a {@link SmartLifecycle}: events still queued
 * when the state is captured would be lost. Handoff stops a participant that is still
 * running before it captures its state, and {@link #stop()} refuses new events, ends the
 * thread and folds in what is left. The phase is below Handoff's, so counting goes on
 * while the web server drains its last requests.
 * <p>
 * Tallies are kept per instance that served the requests, and each instance only ever
 * raises its own. Merging takes the larger of two copies, so a record that arrives twice,
 * or through another stopping instance, counts once. The price is one slice per instance
 * that ever served; a long-lived service would fold old slices together, say daily.
 */
@Component
@Handoff("live-counters")
public class LiveCounters implements HandoffParticipant<LiveCounters.Tallies>, SmartLifecycle {

	/**
	 * Below {@link HandoffLifecycle#PHASE}: still running when Handoff captures, which
	 * stops it first.
	 */
	static final int PHASE = HandoffLifecycle.PHASE - 1;

	private final String instanceId;

	private final HandoffHistory history;

	private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

	/**
	 * Read-held to enqueue, write-held to close the intake, so no event slips in after
	 * the final fold.
	 */
	private final ReadWriteLock intake = new ReentrantReadWriteLock();

	private boolean accepting = true;

	/** instance that served → client → tally; guarded by {@code this}. */
	private final Map<String, Map<String, Tally>> tallies = new HashMap<>();

	private volatile @Nullable Thread aggregator;

	@Autowired
	public LiveCounters(HandoffTemplate handoffTemplate, HandoffHistory history) {
		this(handoffTemplate.getInstanceId(), history);
	}

	LiveCounters(String instanceId, HandoffHistory history) {
		this.instanceId = instanceId;
		this.history = history;
	}

	/**
	 * Counts a request.
	 * @param client the client
	 * @param allowed whether the rate limiter let it through
	 * @throws IllegalStateException when this instance is shutting down and its counts
	 * were handed off
	 */
	public void record(String client, boolean allowed) {
		Lock lock = this.intake.readLock();
		lock.lock();
		try {
			if (!this.accepting) {
				throw new IllegalStateException("Live counters are stopped; this instance is shutting down");
			}
			this.events.add(new Event(client, allowed));
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Returns the tallies, with every event counted so far.
	 * @return instance that served → client → tally
	 */
	public synchronized Map<String, Map<String, Tally>> snapshot() {
		foldQueued();
		return copy();
	}

	@Override
	public void start() {
		setAccepting(true);
		Thread thread = new Thread(this::aggregate, "live-counters");
		thread.setDaemon(true);
		this.aggregator = thread;
		thread.start();
	}

	@Override
	public void stop() {
		setAccepting(false);
		Thread thread = this.aggregator;
		if (thread != null) {
			thread.interrupt();
			try {
				thread.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.aggregator = null;
		}
		synchronized (this) {
			foldQueued();
		}
	}

	@Override
	public boolean isRunning() {
		return this.aggregator != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void setAccepting(boolean accepting) {
		Lock lock = this.intake.writeLock();
		lock.lock();
		try {
			this.accepting = accepting;
		}
		finally {
			lock.unlock();
		}
	}

	private void aggregate() {
		try {
			while (true) {
				Event event = this.events.take();
				synchronized (this) {
					fold(event);
					foldQueued();
				}
			}
		}
		catch (InterruptedException ex) {
			// stop() folds in what is still queued.
		}
	}

	private void foldQueued() {
		List<Event> queued = new ArrayList<>();
		this.events.drainTo(queued);
		queued.forEach(this::fold);
	}

	private void fold(Event event) {
		this.tallies.computeIfAbsent(this.instanceId, (key) -> new HashMap<>())
			.merge(event.client(), event.allowed() ? new Tally(1, 0) : new Tally(0, 1), Tally::plus);
	}

	@Override
	public synchronized @Nullable Tallies handoffState() {
		foldQueued();
		return this.tallies.isEmpty() ? null : new Tallies(copy());
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Tallies>> handoffs) {
		synchronized (this) {
			for (HandoffRecord<Tallies> handoff : handoffs) {
				handoff.data().byInstance().forEach((origin, clients) -> {
					Map<String, Tally> mine = this.tallies.computeIfAbsent(origin, (key) -> new HashMap<>());
					clients.forEach((client, tally) -> mine.merge(client, tally, Tally::max));
				});
			}
		}
		this.history.received(handoffs);
	}

	private Map<String, Map<String, Tally>> copy() {
		Map<String, Map<String, Tally>> copy = new TreeMap<>();
		this.tallies.forEach((origin, clients) -> copy.put(origin, new TreeMap<>(clients)));
		return copy;
	}

	/**
	 * The state handed off.
	 *
	 * @param byInstance instance that served the requests → client → tally
	 */
	public record Tallies(Map<String, Map<String, Tally>> byInstance) {
	}

	/**
	 * Requests of one client that one instance served.
	 *
	 * @param allowed requests the rate limiter let through
	 * @param rejected requests it refused
	 */
	public record Tally(long allowed, long rejected) {

		Tally plus(Tally other) {
			return new Tally(this.allowed + other.allowed, this.rejected + other.rejected);
		}

		Tally max(Tally other) {
			return new Tally(Math.max(this.allowed, other.allowed), Math.max(this.rejected, other.rejected));
		}

		public long total() {
			return this.allowed + this.rejected;
		}

	}

	private record Event(String client, boolean allowed) {
	}

}
