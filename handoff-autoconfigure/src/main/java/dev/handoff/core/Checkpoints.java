package dev.handoff.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Writes this instance's checkpoints, so that an instance that dies without shutdown
 * (SIGKILL, an OOM kill, a lost node) loses at most what changed since its last one:
 * <ul>
 * <li>every interval, each participant's
 * {@link dev.handoff.HandoffParticipant#checkpointState() checkpoint state} is captured
 * and all of them are written in one batch, each replacing this instance's previous
 * checkpoint of its label;</li>
 * <li>every third of the lease, the heartbeat extends them, in one batch: while it holds,
 * no claim delivers them;</li>
 * <li>after each merge of received records, the receiver's state is captured again and
 * written in the same atomic step as the acknowledgement ({@link Deliveries}), so that
 * what a receiver acknowledged is at every moment in Redis: in its claim, then in its
 * checkpoint. Writing it at once, rather than holding the claim until the next interval,
 * keeps the claim short and costs no extra round trip;</li>
 * <li>at shutdown, the final handoff of each label replaces its checkpoint atomically
 * ({@link HandoffStore#handOff}), and the checkpoints of labels with nothing to hand off
 * are removed.</li>
 * </ul>
 * Checkpoints and merges take turns ({@link #inTurn}), so that a checkpoint captured
 * before a merge never replaces one written after it; neither runs while the final
 * capture holds a participant.
 * <p>
 * A checkpoint whose heartbeat lapsed while this instance ran (a long pause, or Redis out
 * of reach) and that another instance claimed has left part of this instance's state with
 * that instance: its label is then superseded, and this instance writes nothing of it
 * again but its final handoff, which the store dead-letters.
 */
final class Checkpoints {

	private static final Log logger = LogFactory.getLog(Checkpoints.class);

	private final HandoffTemplate template;

	private final HandoffStore store;

	private final ParticipantRegistry participants;

	private final Duration interval;

	private final Duration lease;

	/** Held while checkpoints are captured and written, and while records are merged. */
	private final ReentrantLock turn = new ReentrantLock();

	/**
	 * Label → the id of this instance's last checkpoint of it that the store confirmed.
	 */
	private final Map<String, String> written = new ConcurrentHashMap<>();

	/**
	 * Labels whose checkpoint lapsed and was claimed while this instance ran: what it
	 * holds of them includes state another instance merged, so it writes no more
	 * checkpoints of them, and its final handoff of them goes to the dead letters.
	 */
	private final Set<String> superseded = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	Checkpoints(HandoffTemplate template, HandoffStore store, ParticipantRegistry participants, Duration interval,
			Duration lease) {
		this.template = template;
		this.store = store;
		this.participants = participants;
		this.interval = interval;
		this.lease = lease;
	}

	/**
	 * Schedules the checkpoints and the heartbeat.
	 * @param executor where they run
	 */
	// Both tasks catch and log their own failures.
	@SuppressWarnings("FutureReturnValueIgnored")
	void start(ScheduledExecutorService executor) {
		long every = this.interval.toMillis();
		long heartbeat = Math.max(1, this.lease.toMillis() / 3);
		try {
			executor.scheduleWithFixedDelay(this::checkpoint, every, every, TimeUnit.MILLISECONDS);
			executor.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// Shutting down.
		}
	}

	/**
	 * Runs work that merges records, in turns with the checkpoints.
	 * @param work the work
	 * @param <T> what it returns
	 * @return what it returned
	 */
	<T> T inTurn(Supplier<T> work) {
		this.turn.lock();
		try {
			return work.get();
		}
		finally {
			this.turn.unlock();
		}
	}

	/**
	 * Captures every participant's state and writes it as this instance's checkpoints.
	 */
	void checkpoint() {
		this.turn.lock();
		try {
			if (this.closed) {
				return;
			}
			List<HandoffStore.Checkpoint> checkpoints = new ArrayList<>();
			for (Participant<?> participant : this.participants.all()) {
				HandoffStore.Checkpoint checkpoint = capture(participant);
				if (checkpoint != null) {
					checkpoints.add(checkpoint);
				}
			}
			if (!checkpoints.isEmpty()) {
				written(checkpoints, this.store.checkpoint(checkpoints));
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the checkpoints of this instance: " + ex.getMessage()
					+ "; the previous ones stay until the next interval", ex);
		}
		finally {
			this.turn.unlock();
		}
	}

	/**
	 * Captures a participant's state as its checkpoint, or as the removal of its
	 * checkpoint when it has none; null when there is nothing to write.
	 */
	private HandoffStore.@Nullable Checkpoint capture(Participant<?> participant) {
		Receiver<?> receiver = participant.receiver();
		if (this.superseded.contains(receiver.label)) {
			return null;
		}
		Object state;
		receiver.lock.lock();
		try {
			if (receiver.isSealed()) {
				return null;
			}
			state = participant.bean().checkpointState();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not take a checkpoint of label '" + receiver.label + "' (participant '"
					+ participant.beanName() + "'): " + ex + "; its previous checkpoint stays", ex);
			return null;
		}
		finally {
			receiver.lock.unlock();
		}
		return checkpointOf(receiver, state);
	}

	/**
	 * Writes a receiver's state as this instance's checkpoint of its label.
	 * @param receiver the receiver
	 * @param state its state, as {@code checkpointState()} returned it, or null to remove
	 * the checkpoint
	 * @return the checkpoint, or null when there is neither state nor a checkpoint to
	 * remove, or the label's checkpoint was superseded
	 */
	HandoffStore.@Nullable Checkpoint checkpointOf(Receiver<?> receiver, @Nullable Object state) {
		String previous = this.written.get(receiver.label);
		if (this.superseded.contains(receiver.label)) {
			return null;
		}
		if (state == null) {
			return (previous != null) ? new HandoffStore.Checkpoint(this.template.getInstanceId(), receiver.label, null,
					previous, this.lease) : null;
		}
		HandoffRecord<byte[]> record = this.template.serialize(receiver.type, receiver.label, receiver.version, state);
		record = this.template.getRecordProtection().protect(record.withHeaders(checkpointHeaders(record)));
		return new HandoffStore.Checkpoint(this.template.getInstanceId(), receiver.label, record, previous, this.lease);
	}

	private static Map<String, String> checkpointHeaders(HandoffRecord<byte[]> record) {
		if (record.headers().isEmpty()) {
			return Map.of(HandoffRecord.CHECKPOINT_HEADER, "true");
		}
		Map<String, String> headers = new LinkedHashMap<>(record.headers());
		headers.put(HandoffRecord.CHECKPOINT_HEADER, "true");
		return headers;
	}

	/**
	 * Notes what the store confirmed, and reports checkpoints that lapsed while this
	 * instance ran.
	 * @param checkpoints the checkpoints written
	 * @param results what became of each
	 */
	void written(List<HandoffStore.Checkpoint> checkpoints, List<HandoffStore.Checkpointed> results) {
		for (int i = 0; i < checkpoints.size(); i++) {
			HandoffStore.Checkpoint checkpoint = checkpoints.get(i);
			HandoffStore.Checkpointed result = results.get(i);
			if (!result.written()) {
				logger.warn("Could not write the checkpoint of label '" + checkpoint.label() + "': " + result.problem()
						+ "; the previous one stays until the next interval");
				continue;
			}
			written(checkpoint, result.lapsed());
		}
	}

	/**
	 * Notes one checkpoint that the store wrote.
	 * @param checkpoint the checkpoint
	 * @param lapsed whether the one it replaced had lapsed and been claimed
	 */
	void written(HandoffStore.Checkpoint checkpoint, boolean lapsed) {
		if (lapsed) {
			supersede(checkpoint.label());
			return;
		}
		HandoffRecord<byte[]> record = checkpoint.record();
		if (record != null) {
			this.written.put(checkpoint.label(), record.id());
		}
		else {
			this.written.remove(checkpoint.label());
		}
	}

	/** Extends this instance's checkpoints. */
	void heartbeat() {
		List<String> labels = this.written.keySet()
			.stream()
			.filter((label) -> !this.superseded.contains(label))
			.toList();
		if (labels.isEmpty() || this.closed) {
			return;
		}
		try {
			this.store.renewCheckpoints(this.template.getInstanceId(), labels, this.lease).forEach(this::supersede);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not renew the checkpoints of " + labels + ": " + ex.getMessage() + "; they are "
					+ "delivered to another instance if no renewal arrives within handoff.checkpoint.lease ("
					+ this.lease + ")");
		}
	}

	private void supersede(String label) {
		if (!this.superseded.add(label)) {
			return;
		}
		logger.error("The checkpoint of label '" + label + "' lapsed while this instance ran (no heartbeat reached "
				+ this.store.describe() + " within handoff.checkpoint.lease, " + this.lease + ": a long pause, or "
				+ "Redis out of reach) and another instance claimed it. So that nothing is merged twice, this "
				+ "instance writes no more checkpoints of it, and its final handoff of it goes to the dead letters. "
				+ "Raise handoff.checkpoint.lease above the longest pause.");
	}

	/**
	 * Stops writing checkpoints, waiting at most the given time for one being written, so
	 * that none lands after the final handoff.
	 * @param wait how long to wait
	 * @return label → id of this instance's last checkpoint of it, for the final handoff
	 */
	Map<String, String> close(Duration wait) {
		this.closed = true;
		try {
			if (this.turn.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
				this.turn.unlock();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return Map.copyOf(this.written);
	}

}
