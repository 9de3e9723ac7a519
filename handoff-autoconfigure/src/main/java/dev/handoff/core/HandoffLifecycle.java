package dev.handoff.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffStore;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.Lifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ApplicationContextEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.util.Assert;

/**
 * Runs the {@link HandoffParticipant participants} of an application context.
 * <ul>
 * <li><b>Startup.</b> When all singletons exist, before any {@link Lifecycle} bean starts
 * and so before the application reports ready, it checks the store (see
 * {@link HandoffStore#verify()}), subscribes to the participants' labels and delivers
 * what is waiting for them, waiting at most the startup timeout. Once the context is
 * refreshed, a thread of its own prepares the first handoff: the Jackson writer and
 * reader of each participant's state type, Jackson and Handoff's observations run once,
 * and the thread that renews leases. If the store cannot be reached, startup goes on and
 * the records arrive once it can. With a {@link #setSpillDirectory spill directory}, the
 * records spilled there are handed off first, before anything is claimed, and the
 * directory is looked at again at each poll interval until the store has them. From then
 * on it {@link #isRunning() is running}, so that if another bean fails to start, Spring
 * stops it and the restored state is handed off again.</li>
 * <li><b>Running.</b> Notifications, (re)subscriptions and the poll trigger batch claims
 * ({@link ClaimScheduler}).</li>
 * <li><b>Shutdown.</b> On {@link ContextClosedEvent} it stops claiming. In
 * {@link #stop()}, at {@link #PHASE}, after the web server has drained and executors and
 * schedulers have stopped, and before the Redis connection factory stops at phase 0, it
 * captures each participant's state once and hands it all off in one batch, bounded by
 * the shutdown timeout ({@link StateCapture}); with a spill directory, what the store did
 * not take within four fifths of it is written there.</li>
 * </ul>
 */
public final class HandoffLifecycle implements SmartLifecycle, SmartInitializingSingleton,
		ApplicationListener<ApplicationContextEvent>, ApplicationContextAware, DisposableBean {

	/**
	 * The phase in which state is captured: below the task executors and schedulers
	 * ({@code Integer.MAX_VALUE / 2}) and the web server
	 * ({@code Integer.MAX_VALUE - 2048}), above the Redis connection factory (0).
	 */
	public static final int PHASE = Integer.MAX_VALUE / 2 - 1024;

	private static final Log logger = LogFactory.getLog(HandoffLifecycle.class);

	private final ListableBeanFactory beanFactory;

	private final HandoffTemplate template;

	private final HandoffStore store;

	private final Settings settings;

	private final Object lifecycleMonitor = new Object();

	private @Nullable ApplicationContext applicationContext;

	private @Nullable ParticipantRegistry participants;

	private @Nullable ScheduledExecutorService executor;

	private @Nullable ClaimScheduler scheduler;

	private volatile boolean running;

	private final AtomicBoolean preparing = new AtomicBoolean();

	private ThreadFactory threads = HandoffThreads.PLATFORM;

	private Map<String, Integer> participantVersions = Map.of();

	private @Nullable Duration checkpointInterval;

	private Duration checkpointLease = Duration.ofSeconds(15);

	private volatile @Nullable Checkpoints checkpoints;

	private @Nullable SpillDirectory spill;

	private @Nullable ScheduledFuture<?> spillPoll;

	/**
	 * Creates the lifecycle.
	 * @param beanFactory where to find {@code @Handoff} beans
	 * @param template the template that claims and initiates
	 * @param store the store
	 * @param settings the timeouts and the startup check
	 */
	public HandoffLifecycle(ListableBeanFactory beanFactory, HandoffTemplate template, HandoffStore store,
			Settings settings) {
		Assert.notNull(beanFactory, "'beanFactory' must not be null");
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		this.beanFactory = beanFactory;
		this.template = template;
		this.store = store;
		this.settings = settings;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	/**
	 * Sets the threads that claim, merge and capture state run on; by default daemon
	 * platform threads.
	 * @param threads the thread factory, for example of virtual threads
	 */
	public void setThreadFactory(ThreadFactory threads) {
		Assert.notNull(threads, "'threads' must not be null");
		this.threads = threads;
	}

	/**
	 * Makes the participants of some labels hand off and read another version of their
	 * state's shape than their {@link dev.handoff.Handoff#version() @Handoff(version)}
	 * says, as if their annotation said so. Meant for tests that hand off from one
	 * version to another within one code base, as {@code HandoffTestCluster} of
	 * {@code handoff-test} does; set it before the application context is refreshed.
	 * Startup fails when a label names no participant.
	 * @param versions label → version
	 */
	public void setParticipantVersions(Map<String, Integer> versions) {
		Assert.notNull(versions, "'versions' must not be null");
		this.participantVersions = Map.copyOf(versions);
	}

	/**
	 * Writes each participant's state as this instance's checkpoint every interval, so
	 * that an instance that dies without shutdown loses at most what changed since its
	 * last one; see {@link HandoffStore#checkpoint}. Off by default.
	 * @param interval how often, or null for never
	 * @param lease the heartbeat lease: how long after this instance's last heartbeat its
	 * checkpoints are delivered
	 */
	public void setCheckpoints(@Nullable Duration interval, Duration lease) {
		Assert.isTrue(interval == null || interval.toMillis() > 0, "'interval' must be positive");
		Assert.isTrue(lease.toMillis() >= 3, "'lease' must be at least 3 ms");
		this.checkpointInterval = interval;
		this.checkpointLease = lease;
	}

	/**
	 * Turns the spill on: at shutdown, records the store did not take within four fifths
	 * of the shutdown timeout are written to files in this directory, in the last fifth;
	 * at startup, before anything is claimed, the files there are handed off with their
	 * original record ids and deleted once the store has them. Set it before the
	 * application context is refreshed.
	 * @param directory the directory, created owner-only when it does not exist
	 * @param maxAge how long the store remembers delivered record ids
	 * ({@link HandoffStore.Policy#acknowledgedRetention()}): an older spill file is moved
	 * aside rather than handed off, since it could be delivered twice
	 * @throws HandoffConfigurationException when the directory is not a directory, or not
	 * writable
	 */
	public void setSpillDirectory(Path directory, Duration maxAge) {
		Assert.notNull(directory, "'directory' must not be null");
		Assert.notNull(maxAge, "'maxAge' must not be null");
		this.spill = SpillDirectory.open(directory, this.template.getRecordProtection(), maxAge);
	}

	@Override
	public void afterSingletonsInstantiated() {
		ParticipantRegistry participants = ParticipantRegistry.discover(this.beanFactory, this.template,
				this.participantVersions);
		this.participants = participants;
		logger.info("Handoff hands off " + participants.describe() + " through " + this.store.describe()
				+ ", namespace '" + this.settings.namespace() + "', as instance '" + this.template.getInstanceId()
				+ "', " + this.template.getRecordProtection().describe());
		long start = System.nanoTime();
		checkStore();
		SpillDirectory spill = this.spill;
		if (spill != null) {
			spill.handOffAtStartup(this.store, this.threads,
					this.settings.startupTimeout().minusNanos(System.nanoTime() - start));
		}
		Duration remaining = this.settings.startupTimeout().minusNanos(System.nanoTime() - start);
		if (participants.isEmpty()) {
			return;
		}
		ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, this.threads);
		ClaimScheduler scheduler = new ClaimScheduler(this.store, this.template, participants, executor);
		synchronized (this.lifecycleMonitor) {
			this.executor = executor;
			this.scheduler = scheduler;
			if (spill != null) {
				// Also takes what another instance on the same directory spills later.
				this.spillPoll = spill.poll(executor, this.store, this.settings.pollInterval(),
						this.settings.startupTimeout());
			}
		}
		Checkpoints checkpoints = checkpoints(participants);
		if (checkpoints != null) {
			scheduler.setCheckpoints(checkpoints);
			this.template.setCheckpoints(checkpoints);
			this.checkpoints = checkpoints;
		}
		scheduler.start(remaining.isNegative() ? Duration.ZERO : remaining, this.settings.pollInterval());
		if (checkpoints != null) {
			checkpoints.start(executor);
		}
		// Running from here on, not from start(): when a bean fails to start, Spring
		// stops the running beans only, and the state just restored must then be handed
		// off again rather than lost.
		this.running = true;
	}

	private @Nullable Checkpoints checkpoints(ParticipantRegistry participants) {
		Duration interval = this.checkpointInterval;
		if (interval == null) {
			return null;
		}
		if (!this.store.supportsCheckpoints()) {
			throw new HandoffConfigurationException(
					"handoff.checkpoint.interval is set, but " + this.store.describe() + " keeps no checkpoints.",
					"Remove handoff.checkpoint.interval, or use the Redis store.");
		}
		return new Checkpoints(this.template, this.store, participants, interval, this.checkpointLease);
	}

	/**
	 * Prepares the first handoff on a thread of its own, once, when the context has been
	 * refreshed, so that startup neither waits for it nor shares the CPU with it (in a
	 * fresh JVM it takes about 250 ms of CPU, most of it Jackson's first use): the
	 * Jackson writer and reader of each participant's state type, Jackson and Handoff's
	 * observations run once, and the thread that renews leases
	 * ({@link HandoffTemplate#prepare}). A handoff that comes sooner builds what it needs
	 * itself, or waits for the codec being built.
	 */
	private void prepare() {
		ParticipantRegistry participants = this.participants;
		if (participants == null || participants.isEmpty() || !this.preparing.compareAndSet(false, true)) {
			return;
		}
		List<JavaType> types = participants.stateTypes();
		Thread preparing = this.threads.newThread(() -> {
			try {
				this.template.prepare(types);
			}
			catch (RuntimeException ex) {
				logger.debug("Could not prepare the first handoff of " + participants.labels(), ex);
			}
		});
		preparing.start();
	}

	/**
	 * Runs the store's check, on a thread of its own so that a store that does not answer
	 * holds startup no longer than the startup timeout.
	 */
	private void checkStore() {
		if (this.settings.storeCheck() == StoreCheck.OFF) {
			return;
		}
		CompletableFuture<Void> check = new CompletableFuture<>();
		Thread checking = this.threads.newThread(() -> {
			try {
				this.store.verify();
				check.complete(null);
			}
			catch (Throwable ex) {
				check.completeExceptionally(ex);
			}
		});
		checking.start();
		try {
			check.get(this.settings.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof HandoffConfigurationException configuration) {
				if (this.settings.storeCheck() == StoreCheck.FAIL) {
					throw configuration;
				}
				logger.error(configuration.getProblem() + " " + configuration.getAction());
			}
			else {
				logger.warn("Could not check the handoff store " + this.store.describe() + " at startup: "
						+ ((ex.getCause() != null) ? ex.getCause() : ex).getMessage()
						+ ". Going on; handoffs will work once it can be reached.");
			}
		}
		catch (TimeoutException ex) {
			// Interrupted, a connection attempt gives up and releases the connection
			// factory's lock, which the
			// factory's own stop() would otherwise wait for.
			checking.interrupt();
			logger.warn("The handoff store " + this.store.describe() + " did not answer Handoff's startup check "
					+ "within handoff.startup-timeout (" + this.settings.startupTimeout() + "). Going on; handoffs "
					+ "will work once it answers.");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Marks this lifecycle running. With participants it is running already: it started
	 * when it restored their state, before any {@link Lifecycle} bean started.
	 */
	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void onApplicationEvent(ApplicationContextEvent event) {
		if (event.getApplicationContext() != this.applicationContext) {
			return;
		}
		if (event instanceof ContextRefreshedEvent) {
			prepare();
		}
		else if (event instanceof ContextClosedEvent) {
			// From here on this instance claims nothing: it is about to hand its own
			// state off.
			closeScheduler();
		}
	}

	@Override
	public void stop() {
		this.running = false;
		closeScheduler();
		ParticipantRegistry participants = this.participants;
		if (participants == null || participants.isEmpty()) {
			shutdownExecutor();
			return;
		}
		Duration budget = this.settings.shutdownTimeout();
		StateCapture capture;
		Checkpoints checkpoints = this.checkpoints;
		if (checkpoints != null) {
			// A checkpoint being written lands before the final handoff replaces it.
			long start = System.nanoTime();
			Map<String, String> written = checkpoints.close(budget.dividedBy(4));
			capture = new StateCapture(this.template, this.store, budget.minusNanos(System.nanoTime() - start),
					this.threads, this.spill);
			capture.setCheckpoints(checkpoints, written);
		}
		else {
			capture = new StateCapture(this.template, this.store, budget, this.threads, this.spill);
		}
		capture.handOff(List.copyOf(participants.all()));
		shutdownExecutor();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Returns the labels of this application's participants, once they have been found at
	 * startup.
	 * @return the labels; empty before startup and without participants
	 */
	public List<String> getLabels() {
		ParticipantRegistry participants = this.participants;
		return (participants != null) ? List.copyOf(participants.labels()) : List.of();
	}

	/**
	 * Returns the store's namespace, as the settings name it.
	 * @return the namespace
	 */
	public String getNamespace() {
		return this.settings.namespace();
	}

	/**
	 * Describes this application's participants, once they have been found at startup.
	 * @return one description per participant; empty before startup and without
	 * participants
	 */
	public List<ParticipantDescription> getParticipants() {
		ParticipantRegistry participants = this.participants;
		if (participants == null) {
			return List.of();
		}
		return participants.all()
			.stream()
			.map((participant) -> new ParticipantDescription(participant.label(), participant.beanName(),
					participant.receiver().version, participant.receiver().type.toCanonical()))
			.toList();
	}

	/**
	 * Whether this instance is subscribed to its labels' notifications now.
	 * @return whether notifications arrive; false before startup, while reconnecting, and
	 * after shutdown began
	 */
	public boolean isSubscribed() {
		ClaimScheduler scheduler;
		synchronized (this.lifecycleMonitor) {
			scheduler = this.scheduler;
		}
		return scheduler != null && scheduler.isSubscribed();
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void destroy() {
		closeScheduler();
		shutdownExecutor();
	}

	private void closeScheduler() {
		ClaimScheduler scheduler;
		synchronized (this.lifecycleMonitor) {
			scheduler = this.scheduler;
			if (this.spillPoll != null) {
				// Not to hand off, while this instance shuts down, what it spills itself.
				this.spillPoll.cancel(false);
			}
		}
		if (scheduler != null) {
			scheduler.close();
		}
	}

	private void shutdownExecutor() {
		ScheduledExecutorService executor;
		synchronized (this.lifecycleMonitor) {
			executor = this.executor;
		}
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	/**
	 * One participant, as operators see it.
	 *
	 * @param label the label
	 * @param beanName the bean
	 * @param version the version of its state's shape
	 * @param stateType the type of its state
	 */
	public record ParticipantDescription(String label, String beanName, int version, String stateType) {

		/**
		 * Returns this description as the Actuator endpoint and the info entry show it.
		 * @return {@code label}, {@code bean}, {@code version} and {@code stateType}, in
		 * that order, to add to
		 */
		public Map<String, Object> toMap() {
			Map<String, Object> map = new LinkedHashMap<>();
			map.put("label", this.label);
			map.put("bean", this.beanName);
			map.put("version", this.version);
			map.put("stateType", this.stateType);
			return map;
		}

	}

	/**
	 * What to do when the store's startup check finds that it cannot do its job.
	 */
	public enum StoreCheck {

		/**
		 * Fail startup with a message that says what the store answered and what to
		 * change.
		 */
		FAIL,

		/** Log an ERROR and start anyway. */
		LOG,

		/** Do not check. */
		OFF

	}

	/**
	 * How the lifecycle runs.
	 *
	 * @param startupTimeout how long startup waits for waiting records
	 * @param shutdownTimeout how long shutdown may spend handing off
	 * @param pollInterval how often each label is claimed without a notification
	 * @param storeCheck what a failed startup check of the store does
	 * @param namespace the store's namespace, for the startup log line
	 */
	public record Settings(Duration startupTimeout, Duration shutdownTimeout, Duration pollInterval,
			StoreCheck storeCheck, String namespace) {

		/**
		 * Settings without a namespace to name.
		 * @param startupTimeout how long startup waits for waiting records
		 * @param shutdownTimeout how long shutdown may spend handing off
		 * @param pollInterval how often each label is claimed without a notification
		 * @param storeCheck what a failed startup check of the store does
		 */
		public Settings(Duration startupTimeout, Duration shutdownTimeout, Duration pollInterval,
				StoreCheck storeCheck) {
			this(startupTimeout, shutdownTimeout, pollInterval, storeCheck, "(not named)");
		}

	}

}
