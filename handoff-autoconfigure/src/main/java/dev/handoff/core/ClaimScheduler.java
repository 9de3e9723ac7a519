package dev.handoff.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Decides when the participants' labels are claimed, and claims them in batches: one
 * batch claim of every label requested, then each claim delivered to its participant,
 * then one batch acknowledgement. Requests come from notifications, from
 * (re)subscriptions, from the poll and from the startup restore; requests that arrive
 * while a batch runs are folded into the next one, so a burst costs one more batch, not
 * one each. All of its state is behind a private monitor.
 */
final class ClaimScheduler {

	private static final Duration SUBSCRIBE_RETRY = Duration.ofSeconds(1);

	private static final int MAX_REPORTED_LABELS = 100;

	private static final Log logger = LogFactory.getLog(ClaimScheduler.class);

	private final HandoffStore store;

	private final HandoffTemplate template;

	private final ParticipantRegistry participants;

	private final ScheduledExecutorService executor;

	private final Object monitor = new Object();

	private final Set<String> requested = new LinkedHashSet<>();

	private @Nullable CompletableFuture<Void> next;

	private boolean running;

	private boolean closed;

	private @Nullable HandoffSubscription subscription;

	/**
	 * Until the restore begins, a confirmed subscription needs no claim of its own: the
	 * restore covers it.
	 */
	private volatile boolean restoring;

	private final CountDownLatch firstSubscription = new CountDownLatch(1);

	private volatile @Nullable Checkpoints checkpoints;

	ClaimScheduler(HandoffStore store, HandoffTemplate template, ParticipantRegistry participants,
			ScheduledExecutorService executor) {
		this.store = store;
		this.template = template;
		this.participants = participants;
		this.executor = executor;
	}

	/**
	 * Subscribes to the labels' notifications, waits a little for the subscription to be
	 * confirmed, then claims every label and waits for their delivery, at most the
	 * startup timeout in all.
	 * @param startupTimeout how long to wait
	 * @param pollInterval how often to claim every label without a notification
	 */
	// A poll, a retry or a notification only asks for a claim; the claim logs its own
	// failure where it runs.
	@SuppressWarnings("FutureReturnValueIgnored")
	void start(Duration startupTimeout, Duration pollInterval) {
		long deadline = System.nanoTime() + startupTimeout.toNanos();
		this.executor.execute(() -> subscribe(false));
		try {
			// So that the subscription's confirmation is covered by the restore rather
			// than a claim of its own.
			this.firstSubscription.await(startupTimeout.toMillis() / 4, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.restoring = true;
		CompletableFuture<Void> restore = request(this.participants.labels());
		try {
			restore.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			logger.warn("Could not restore handed-off state of " + this.participants.labels() + " within "
					+ "handoff.startup-timeout (" + startupTimeout + "); starting without it. Waiting records "
					+ "will be delivered as soon as the store answers.");
		}
		this.executor.execute(this::reportUnclaimedLabels);
		this.executor.execute(this::reportDurabilityRisks);
		long poll = pollInterval.toMillis();
		this.executor.scheduleWithFixedDelay(() -> request(this.participants.labels()), poll, poll,
				TimeUnit.MILLISECONDS);
	}

	/**
	 * Merges records in turns with the checkpoints, so that a checkpoint captured before
	 * a merge never replaces the one written with its acknowledgement.
	 * @param checkpoints this instance's checkpoints
	 */
	void setCheckpoints(Checkpoints checkpoints) {
		this.checkpoints = checkpoints;
	}

	/**
	 * Asks for a claim of labels.
	 * @param labels the labels
	 * @return completes when a batch that started after this request has delivered
	 */
	CompletableFuture<Void> request(Collection<String> labels) {
		synchronized (this.monitor) {
			if (this.closed) {
				return CompletableFuture.completedFuture(null);
			}
			this.requested.addAll(labels);
			CompletableFuture<Void> requested = this.next;
			if (requested == null) {
				requested = new CompletableFuture<>();
				this.next = requested;
			}
			if (!this.running) {
				this.running = true;
				try {
					this.executor.execute(this::run);
				}
				catch (RejectedExecutionException ex) {
					this.running = false;
					this.next = null;
					requested.completeExceptionally(ex);
				}
			}
			return requested;
		}
	}

	private void run() {
		while (true) {
			List<String> labels;
			CompletableFuture<Void> batch;
			synchronized (this.monitor) {
				batch = this.next;
				labels = new ArrayList<>(this.requested);
				this.next = null;
				this.requested.clear();
				if (batch == null || this.closed) {
					this.running = false;
					if (batch != null) {
						batch.complete(null);
					}
					return;
				}
			}
			try {
				claim(labels);
				batch.complete(null);
			}
			catch (Throwable ex) {
				batch.completeExceptionally(ex);
			}
		}
	}

	/**
	 * Claims labels, and claims again at once those whose claim reached its size limit
	 * and left records waiting.
	 */
	private void claim(List<String> labels) {
		List<String> toClaim = labels;
		while (!toClaim.isEmpty()) {
			toClaim = claimOnce(toClaim);
		}
	}

	private List<String> claimOnce(List<String> labels) {
		List<Receiver<?>> receivers = new ArrayList<>(labels.size());
		List<HandoffStore.ClaimRequest> requests = new ArrayList<>(labels.size());
		for (String label : labels) {
			Participant<?> participant = this.participants.get(label);
			if (participant != null) {
				receivers.add(participant.receiver());
				requests.add(new HandoffStore.ClaimRequest(label, participant.receiver().version));
			}
		}
		HandoffStore.Claims claims;
		long start = System.nanoTime();
		try {
			claims = this.template.claim(requests);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not claim handoff records of " + labels + ": " + ex.getMessage()
					+ "; trying again on the next notification or poll");
			throw ex;
		}
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		Checkpoints checkpoints = this.checkpoints;
		return (checkpoints != null) ? checkpoints.inTurn(() -> deliver(receivers, claims, took))
				: deliver(receivers, claims, took);
	}

	private List<String> deliver(List<Receiver<?>> receivers, HandoffStore.Claims claims, Duration took) {
		List<Deliveries.Delivered> delivered = new ArrayList<>();
		List<String> more = new ArrayList<>();
		for (Receiver<?> receiver : receivers) {
			HandoffClaim claim = claims.claims().get(receiver.label);
			if (claim == null) {
				continue; // its failure is reported below
			}
			this.template.getActivity().claimed(receiver.label, claim.deliveries().size(), took);
			Deliveries.Delivered delivery = this.template.deliver(receiver, claim);
			if (delivery.failure != null) {
				logger.warn(delivery.failure.getMessage(), delivery.failure.getCause());
				for (Throwable other : delivery.failure.getSuppressed()) {
					logger.warn(other.getMessage(), other.getCause());
				}
			}
			delivered.add(delivery);
			if (claim.more()) {
				more.add(receiver.label);
			}
		}
		try {
			this.template.acknowledge(delivered);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not acknowledge handoff records: " + ex.getMessage() + "; they may be delivered "
					+ "again once their lease lapses", ex);
		}
		claims.failures()
			.forEach((label, ex) -> logger.warn("Could not claim handoff records of label '" + label + "': "
					+ ex.getMessage() + "; trying again on the next notification or poll"));
		if (!claims.failures().isEmpty()) {
			throw new HandoffException("Could not claim " + claims.failures().keySet());
		}
		return more;
	}

	/**
	 * Whether the application is shutting down, which interrupts what runs on Handoff's
	 * threads.
	 */
	private boolean isClosing() {
		synchronized (this.monitor) {
			return this.closed || Thread.currentThread().isInterrupted();
		}
	}

	/** Warns, once, of store settings that can lose what it acknowledged. */
	private void reportDurabilityRisks() {
		try {
			this.store.durabilityRisks().forEach(logger::warn);
		}
		catch (RuntimeException ex) {
			if (isClosing()) {
				logger.debug("Stopped checking the store's durability settings at shutdown", ex);
				return;
			}
			logger.warn("Could not check whether " + this.store.describe() + " keeps what it acknowledges "
					+ "(persistence and eviction settings): " + ex.getMessage() + ". With a Redis ACL, grant "
					+ "+config|get to let Handoff check them.");
		}
	}

	/**
	 * Warns of labels with waiting records that no participant here claims: after a label
	 * or namespace is renamed, nobody would claim them, and they would expire without a
	 * word.
	 */
	private void reportUnclaimedLabels() {
		Map<String, Long> waiting;
		try {
			waiting = this.store.waiting(MAX_REPORTED_LABELS);
		}
		catch (RuntimeException ex) {
			if (isClosing()) {
				logger.debug("Stopped looking for unclaimed handoff labels at shutdown", ex);
				return;
			}
			logger.warn("Could not look for handoff labels that no participant claims: " + ex.getMessage()
					+ ". With a Redis ACL, grant +scan and +hlen (README.md, 'Least privilege').");
			return;
		}
		Map<String, Long> unclaimed = new TreeMap<>(waiting);
		unclaimed.keySet().removeAll(this.participants.labels());
		if (!unclaimed.isEmpty()) {
			logger.warn("Handoff records wait under label(s) that no participant of this application claims (label "
					+ "= records waiting): " + unclaimed + ". If a participant was renamed, set @Handoff(\"<old "
					+ "label>\") on it to receive them; otherwise they are dead-lettered when handoff.ttl ends.");
		}
	}

	/**
	 * Subscribes to the labels' notifications, and keeps trying while the store cannot be
	 * reached.
	 */
	// A poll, a retry or a notification only asks for a claim; the claim logs its own
	// failure where it runs.
	@SuppressWarnings("FutureReturnValueIgnored")
	private void subscribe(boolean retry) {
		synchronized (this.monitor) {
			if (this.closed) {
				return;
			}
		}
		HandoffSubscription subscription;
		try {
			subscription = this.store.subscribe(this.participants.labels(), this::available);
		}
		catch (RuntimeException ex) {
			if (!retry) {
				logger.warn("Could not subscribe to handoff notifications of " + this.participants.labels() + " ("
						+ ex.getMessage() + "); trying again every " + SUBSCRIBE_RETRY.toSeconds() + "s");
			}
			try {
				this.executor.schedule(() -> subscribe(true), SUBSCRIBE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException rejected) {
				// Shutting down.
			}
			return;
		}
		synchronized (this.monitor) {
			if (!this.closed) {
				this.subscription = subscription;
				if (retry) {
					logger.info("Subscribed to handoff notifications of " + this.participants.labels());
				}
				return;
			}
		}
		subscription.close();
	}

	// A poll, a retry or a notification only asks for a claim; the claim logs its own
	// failure where it runs.
	@SuppressWarnings("FutureReturnValueIgnored")
	private void available(Collection<String> labels) {
		// Read before the count down that lets the restore begin: before it begins, there
		// is nothing to claim that
		// it will not claim itself.
		boolean restoring = this.restoring;
		this.firstSubscription.countDown();
		if (restoring) {
			request(labels);
		}
	}

	/**
	 * Whether notifications arrive now.
	 * @return whether the subscription is established and connected
	 */
	boolean isSubscribed() {
		HandoffSubscription subscription;
		synchronized (this.monitor) {
			subscription = this.subscription;
		}
		return subscription != null && subscription.isActive();
	}

	/**
	 * Stops claiming: no batch starts after this, and the subscription is closed.
	 */
	void close() {
		HandoffSubscription subscription;
		synchronized (this.monitor) {
			this.closed = true;
			this.requested.clear();
			subscription = this.subscription;
			this.subscription = null;
		}
		if (subscription != null) {
			try {
				subscription.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close the handoff subscription", ex);
			}
		}
	}

}
