package dev.handoff.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.Lifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * Hands off every participant's state at shutdown, within one deadline: each participant
 * is stopped (if it is a running {@link Lifecycle}), sealed and captured on its own, so
 * that one that fails is reported and the others are still handed off; then all records
 * are initiated in one batch, and those whose write did not arrive are initiated again,
 * with the same record ids, while time remains. Any {@link Throwable} of one participant
 * (an {@link OutOfMemoryError} while its state is captured or written) is reported with
 * an ERROR that names its label, and the others are written on their own. One ERROR names
 * every label that was not handed off in time.
 * <p>
 * With a {@link SpillDirectory spill directory}, the store gets four fifths of the
 * timeout and the spill the last fifth ({@link #spillReserve}): every record that is not
 * known to be stored by then (refused, of unknown outcome, or its write still waiting) is
 * written to its file there instead, in the protected form it would have been stored in,
 * and one ERROR names the directory and the files. A record of unknown outcome is spilled
 * too: handed off again with its original id, it is stored once.
 */
final class StateCapture {

	private static final Log logger = LogFactory.getLog(StateCapture.class);

	private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

	private final HandoffTemplate template;

	private final HandoffStore store;

	private final Duration timeout;

	private final ThreadFactory threads;

	/** Labels whose state is settled: handed off, empty, or reported as failed. */
	private final Map<String, String> settled = new LinkedHashMap<>();

	/** The observation of each record's initiate, by record id. */
	private final Map<String, Initiation> initiations = new ConcurrentHashMap<>();

	/**
	 * With a spill directory, each captured record (in its protected form) by record id,
	 * until it is known to be stored.
	 */
	private final Map<String, HandoffRecord<byte[]>> unstored = new ConcurrentHashMap<>();

	/** Why each record in {@link #unstored} is not stored, when the store said. */
	private final Map<String, String> problems = new ConcurrentHashMap<>();

	private final @Nullable SpillDirectory spill;

	private volatile boolean timedOut;

	/**
	 * Label → id of this instance's last checkpoint of it, which the handoff replaces.
	 */
	private Map<String, String> checkpoints = Map.of();

	private @Nullable Checkpoints checkpointer;

	StateCapture(HandoffTemplate template, HandoffStore store, Duration timeout, ThreadFactory threads,
			@Nullable SpillDirectory spill) {
		this.template = template;
		this.store = store;
		this.timeout = timeout;
		this.threads = threads;
		this.spill = spill;
	}

	/**
	 * The part of the shutdown timeout kept for writing spill files: a fifth of it.
	 * @param timeout the shutdown timeout
	 * @return the part kept for the spill
	 */
	static Duration spillReserve(Duration timeout) {
		return timeout.dividedBy(5);
	}

	/**
	 * Replaces this instance's checkpoints with what it hands off, and removes those of
	 * labels with nothing to hand off.
	 * @param checkpointer the checkpoints, closed
	 * @param checkpoints label → id of this instance's last checkpoint of it
	 */
	void setCheckpoints(Checkpoints checkpointer, Map<String, String> checkpoints) {
		this.checkpointer = checkpointer;
		this.checkpoints = checkpoints;
	}

	/**
	 * Hands off the participants' state, returning after at most the timeout.
	 * @param participants the participants
	 */
	void handOff(List<Participant<?>> participants) {
		long start = System.nanoTime();
		long deadline = start + this.timeout.toNanos();
		Duration writing = (this.spill != null) ? this.timeout.minus(spillReserve(this.timeout)) : this.timeout;
		long writeDeadline = start + writing.toNanos();
		Thread capture = this.threads.newThread(() -> run(participants, writeDeadline));
		capture.start();
		try {
			capture.join(Math.max(1, writing.toMillis()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		boolean finished = !capture.isAlive();
		if (!finished) {
			this.timedOut = true;
			capture.interrupt();
		}
		SpillDirectory spill = this.spill;
		if (spill != null) {
			spill(spill, deadline);
		}
		if (finished) {
			failUnsettled(participants, new IllegalStateException("the handoff thread ended early"));
		}
		else {
			List<String> missing = unsettled(participants);
			if (spill == null || !missing.isEmpty()) {
				logger.error("Handoff did not finish within handoff.shutdown-timeout (" + this.timeout
						+ "); the state of " + missing + " was not handed off and is lost (a write still in flight "
						+ "may yet land). Check that Redis is reachable, or raise handoff.shutdown-timeout together "
						+ "with spring.lifecycle.timeout-per-shutdown-phase.");
			}
		}
	}

	/**
	 * Writes every record not known to be stored to the spill directory, on a thread of
	 * its own, returning by the deadline.
	 */
	private void spill(SpillDirectory spill, long deadline) {
		List<HandoffRecord<byte[]>> records = List.copyOf(this.unstored.values());
		if (records.isEmpty()) {
			return;
		}
		Map<String, Path> files = new ConcurrentHashMap<>();
		Map<String, Throwable> failures = new ConcurrentHashMap<>();
		Thread writer = this.threads.newThread(() -> {
			for (HandoffRecord<byte[]> record : records) {
				try {
					files.put(record.id(), spill.write(record, this.checkpoints.get(record.label())));
				}
				catch (Throwable ex) {
					failures.put(record.id(), ex);
				}
			}
		});
		writer.start();
		try {
			writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		List<String> spilled = new ArrayList<>();
		for (HandoffRecord<byte[]> record : records) {
			Path file = files.get(record.id());
			if (file != null) {
				settle(record.label(), "spilled");
				String problem = this.problems.getOrDefault(record.id(), "its write was still waiting for Redis");
				spilled.add("label '" + record.label() + "' as " + file.getFileName() + " (" + problem + ")");
				continue;
			}
			settle(record.label(), "failed");
			Throwable failure = failures.get(record.id());
			logger.error(
					"Could not hand off the state of label '" + record.label() + "' within "
							+ "handoff.shutdown-timeout (" + this.timeout + "), nor spill it to " + spill.directory()
							+ ": "
							+ ((failure != null) ? failure
									: "the spill took longer than the time kept for it, " + spillReserve(this.timeout)
											+ " (the file may yet appear)")
							+ ". It is lost unless it reached Redis.",
					failure);
		}
		if (!spilled.isEmpty()) {
			logger.error("Handoff could not store the state of " + spilled.size() + " label(s) in Redis within "
					+ "handoff.shutdown-timeout (" + this.timeout + ", of which " + spillReserve(this.timeout)
					+ " is kept for the spill). It is spilled to " + spill.directory() + ": "
					+ String.join("; ", spilled) + ". The next instance started with handoff.spill.directory="
					+ spill.directory() + " hands it "
					+ "off before it claims, under the same record ids, so a record that did reach Redis is stored "
					+ "once. Check that Redis is reachable.");
		}
	}

	private void run(List<Participant<?>> participants, long deadline) {
		List<HandoffRecord<byte[]>> records = new ArrayList<>();
		Map<String, Participant<?>> byRecord = new LinkedHashMap<>();
		try {
			for (Participant<?> participant : participants) {
				if (this.timedOut) {
					return;
				}
				HandoffRecord<byte[]> captured = capture(participant, deadline);
				if (captured != null) {
					Initiation initiation = this.template.startInitiation(captured);
					this.initiations.put(captured.id(), initiation);
					if (this.spill != null) {
						this.unstored.put(captured.id(), initiation.record);
					}
					records.add(initiation.record);
					byRecord.put(captured.id(), participant);
				}
			}
			try {
				write(records, byRecord, deadline);
				removeCheckpoints(participants, byRecord.values());
			}
			catch (Throwable ex) {
				// For example an OutOfMemoryError while one large state is encoded: the
				// others go on their own,
				// smallest first.
				records.sort(Comparator.comparingLong(Chunks::payloadSize));
				for (HandoffRecord<byte[]> record : records) {
					if (!isSettled(record.label())) {
						writeAlone(record, byRecord, deadline);
					}
				}
			}
		}
		catch (Throwable ex) {
			failUnsettled(participants, ex);
		}
		finally {
			HandoffException notStored = new HandoffException("not handed off within handoff.shutdown-timeout");
			this.initiations.values().forEach((initiation) -> initiation.failed(notStored));
		}
	}

	private void writeAlone(HandoffRecord<byte[]> record, Map<String, Participant<?>> byRecord, long deadline) {
		try {
			write(List.of(record), byRecord, deadline);
		}
		catch (Throwable ex) {
			initiation(record).failed(ex);
			if (this.spill != null) {
				// Left for the spill, which reports it.
				this.problems.put(record.id(), describe(ex));
				return;
			}
			Participant<?> participant = participant(byRecord, record);
			settle(record.label(), "failed");
			logger.error("Could not hand off the state of label '" + record.label() + "' (participant '"
					+ participant.beanName() + "', " + Chunks.payloadSize(record) + " bytes); it is lost: "
					+ describe(ex), ex);
		}
	}

	/** Reports every label not settled yet, when the capture thread itself fails. */
	private void failUnsettled(List<Participant<?>> participants, Throwable ex) {
		List<String> missing = unsettled(participants);
		missing.forEach((label) -> settle(label, "failed"));
		if (!missing.isEmpty()) {
			logger.error("Handoff of " + missing + " failed; their state is lost: " + describe(ex), ex);
		}
	}

	/**
	 * Initiates records in one batch, and again, with the same record ids, those whose
	 * write did not arrive, while time remains.
	 */
	private void write(List<HandoffRecord<byte[]>> records, Map<String, Participant<?>> byRecord, long deadline) {
		long start = System.nanoTime();
		List<HandoffRecord<byte[]>> unsettled = records;
		while (!unsettled.isEmpty() && !this.timedOut) {
			List<HandoffStore.Initiated> results = this.store.handOff(unsettled, this.template.getInstanceId(),
					this.checkpoints, remaining(deadline));
			List<HandoffRecord<byte[]>> again = new ArrayList<>();
			for (int i = 0; i < unsettled.size(); i++) {
				HandoffRecord<byte[]> record = unsettled.get(i);
				HandoffStore.Initiated result = results.get(i);
				if (result.isStored()) {
					this.unstored.remove(record.id());
					settle(record.label(), "handed off");
					initiation(record).stored();
					this.template.getActivity()
						.sent(record, Instant.now(), Duration.ofNanos(System.nanoTime() - start), result.notDurable());
					String handedOff = "Handed off the state of label '" + record.label() + "' as record " + record.id()
							+ " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
					if (result.notDurable() != null) {
						logger.warn(handedOff + ", but it is not durable: " + result.notDurable() + " (handoff"
								+ ".durability). It waits in Redis, and is lost if the primary fails before a "
								+ "replica or its disk has it.");
					}
					else {
						logger.info(handedOff);
					}
				}
				else if (HandoffStore.LAPSED_CHECKPOINT.equals(result.problem())) {
					this.unstored.remove(record.id());
					settle(record.label(), "dead-lettered");
					initiation(record).failed(new HandoffException(HandoffTemplate.notStored(record, result)));
					logger.error(HandoffTemplate.notStored(record, result) + " Requeue it through the handoff "
							+ "endpoint once you have checked that merging it again is safe.");
				}
				else if (result.retryable() && remaining(deadline).compareTo(RETRY_PAUSE.multipliedBy(2)) > 0) {
					again.add(record);
				}
				else if (this.spill != null) {
					// Left for the spill, which reports it.
					this.problems.put(record.id(), HandoffTemplate.notStored(record, result));
					initiation(record).failed(new HandoffException(HandoffTemplate.notStored(record, result)));
				}
				else {
					settle(record.label(), "failed");
					initiation(record).failed(new HandoffException(HandoffTemplate.notStored(record, result)));
					Participant<?> participant = participant(byRecord, record);
					String checkpoint = this.checkpoints.containsKey(record.label())
							? ", except its last checkpoint, which is delivered once handoff.checkpoint.lease lapses"
							: "";
					logger.error(HandoffTemplate.notStored(record, result) + " The state of participant '"
							+ participant.beanName() + "' is lost unless it arrived" + checkpoint
							+ ". Check that Redis is reachable "
							+ "and accepts Handoff's commands within handoff.shutdown-timeout (" + this.timeout + ").");
				}
			}
			unsettled = again;
			if (!unsettled.isEmpty() && !pause()) {
				return;
			}
		}
	}

	/**
	 * Removes this instance's checkpoints of labels it handed nothing off for, so that
	 * they are not delivered once the heartbeat lapses.
	 */
	private void removeCheckpoints(List<Participant<?>> participants, Collection<Participant<?>> handedOff) {
		Checkpoints checkpointer = this.checkpointer;
		if (checkpointer == null || this.timedOut) {
			return;
		}
		List<HandoffStore.Checkpoint> removals = new ArrayList<>();
		for (Participant<?> participant : participants) {
			if (!handedOff.contains(participant) && this.checkpoints.containsKey(participant.label())
					&& "empty".equals(settledAs(participant.label()))) {
				HandoffStore.Checkpoint removal = checkpointer.checkpointOf(participant.receiver(), null);
				if (removal != null) {
					removals.add(removal);
				}
			}
		}
		if (removals.isEmpty()) {
			return;
		}
		try {
			for (HandoffStore.Checkpointed result : this.store.checkpoint(removals)) {
				if (!result.written()) {
					logger.warn("Could not remove the checkpoint of label '" + result.label() + "', which has no "
							+ "state to hand off (" + result.problem() + "); it is delivered once "
							+ "handoff.checkpoint.lease lapses");
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not remove the checkpoints of labels with no state to hand off (" + ex.getMessage()
					+ "); they are delivered once handoff.checkpoint.lease lapses");
		}
	}

	private @Nullable String settledAs(String label) {
		synchronized (this.settled) {
			return this.settled.get(label);
		}
	}

	private Initiation initiation(HandoffRecord<byte[]> record) {
		return Objects.requireNonNull(this.initiations.get(record.id()), "initiation of a captured record");
	}

	private static Participant<?> participant(Map<String, Participant<?>> byRecord, HandoffRecord<byte[]> record) {
		return Objects.requireNonNull(byRecord.get(record.id()), "participant of a captured record");
	}

	/**
	 * Captures and serializes a participant's state, or returns {@code null} when it has
	 * none or failed.
	 */
	private @Nullable HandoffRecord<byte[]> capture(Participant<?> participant, long deadline) {
		String label = participant.label();
		try {
			stopIfRunning(participant);
			Object state;
			Receiver<?> receiver = participant.receiver();
			receiver.lock.lockInterruptibly();
			try {
				receiver.seal();
				state = participant.bean().handoffState();
			}
			finally {
				receiver.lock.unlock();
			}
			if (state == null) {
				settle(label, "empty");
				logger.info("Participant '" + participant.beanName() + "' has no state to hand off");
				return null;
			}
			return this.template.serialize(receiver.type, label, receiver.version, state, deadline);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (Throwable ex) {
			if (this.timedOut) {
				// Interrupted after the timeout, which is already reported with the
				// labels it cost.
				logger.debug("Handoff of label '" + label + "' interrupted", ex);
				return null;
			}
			settle(label, "failed");
			logger.error("Could not capture the state of label '" + label + "' (participant '" + participant.beanName()
					+ "'); it is lost: " + describe(ex), ex);
			return null;
		}
	}

	/** What went wrong and what to change. */
	private static String describe(Throwable ex) {
		if (ex instanceof HandoffException && ex.getMessage() != null) {
			return ex.getMessage();
		}
		if (ex instanceof OutOfMemoryError) {
			return ex + ". Give the JVM more heap (-Xmx), or hand off a smaller state; handoff.max-record-size stops "
					+ "serialization before the heap fills when it is set below the free heap.";
		}
		return ex + ". Fix handoffState() of the participant so that it returns plain data Jackson can write.";
	}

	private List<String> unsettled(List<Participant<?>> participants) {
		return participants.stream().map(Participant::label).filter((label) -> !isSettled(label)).toList();
	}

	private boolean isSettled(String label) {
		synchronized (this.settled) {
			return this.settled.containsKey(label);
		}
	}

	private void stopIfRunning(Participant<?> participant) throws InterruptedException {
		if (!(participant.bean() instanceof Lifecycle lifecycle) || !lifecycle.isRunning()) {
			return;
		}
		if (lifecycle instanceof SmartLifecycle smart) {
			CountDownLatch stopped = new CountDownLatch(1);
			smart.stop(stopped::countDown);
			stopped.await();
		}
		else {
			lifecycle.stop();
		}
	}

	private void settle(String label, String how) {
		synchronized (this.settled) {
			this.settled.put(label, how);
		}
	}

	private boolean pause() {
		try {
			Thread.sleep(RETRY_PAUSE.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static Duration remaining(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
	}

}
