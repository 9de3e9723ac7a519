package dev.handoff.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import dev.handoff.Handoff;
import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffProperties;
import dev.handoff.core.HandoffActivity;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffListener;
import dev.handoff.core.HandoffTemplate;
import dev.handoff.memory.InMemoryHandoffStore;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.Assert;

/**
 * Several instances of a Spring Boot application in one JVM that hand their
 * {@link Handoff @Handoff} state to each other, as the instances of a deploy do: each is
 * an application context of its own, with its own {@code handoff.instance-id}, and all of
 * them share one store, in memory by default or Redis when the test gives one
 * ({@link #withRedis(String, int)}). <pre class="code">
 * try (HandoffTestCluster cluster = HandoffTestCluster.of(ShopApplication.class)) {
 *     ConfigurableApplicationContext v1 = cluster.start();
 *     v1.getBean(PageViews.class).viewed("home");
 *     ConfigurableApplicationContext v2 = cluster.rollingReplace(v1);
 *     assertThat(v2.getBean(PageViews.class).views()).containsEntry("home", 1L);
 * }
 * </pre> {@link #rollingReplace} (the new instance starts, then the old one shuts down
 * gracefully) and {@link #recreate} (the old one shuts down, then the new one starts)
 * return once the new instance has merged every record the old one handed off, so a test
 * needs no sleep. They throw an {@link AssertionError} that says what went wrong when the
 * old instance handed nothing off, when the new one has no participant for a label handed
 * off or does not read its version, when a record was dead-lettered (with the reason the
 * store gives), when another running instance took it, or when nothing was merged within
 * the {@link #withTimeout(Duration) timeout} (10 s by default).
 * <p>
 * Each instance is started with these properties, as command-line arguments above the
 * application's own configuration; the {@link #withProperties(String...) properties of
 * the cluster} and then the arguments given to {@link #start(String...)} replace them:
 * <ul>
 * <li>{@code handoff.instance-id}: {@code instance-1}, {@code instance-2}, ... in the
 * order the instances start;</li>
 * <li>{@code handoff.namespace}: one drawn for this cluster, so that clusters sharing a
 * Redis never see each other's records;</li>
 * <li>{@code server.port=0}, so that web applications do not compete for a port.</li>
 * </ul>
 * The in-memory store is registered in every instance as a singleton the instance does
 * not own: closing an instance leaves it, and what waits in it, to the others. It takes
 * its limits ({@code handoff.ttl}, {@code handoff.lease}, {@code handoff.max-deliveries},
 * ...) from the first instance started. It replaces the store the application would
 * configure itself; an application with a {@link HandoffStore} bean of its own runs with
 * {@link #withRedis(String...) withRedis()} instead, so that each instance keeps its own.
 * <p>
 * Use a cluster from one test thread, and close it (try-with-resources) to close the
 * instances still running.
 */
public final class HandoffTestCluster implements AutoCloseable {

	/**
	 * The property {@link #participantVersion(String, int)} sets, with the label in
	 * brackets: {@code handoff.test.participant-version[<label>]=<version>}.
	 */
	public static final String PARTICIPANT_VERSION_PROPERTY = "handoff.test.participant-version";

	private static final String STORE_BEAN_NAME = "handoffTestClusterStore";

	private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * How often the wait looks at the store anyway, should a change of the record come
	 * without a listener event.
	 */
	private static final long RECHECK_MILLIS = 20;

	/**
	 * How many records of a label, of each kind, the wait lists to find the one it waits
	 * for.
	 */
	private static final int LISTED_RECORDS = 1000;

	private final Class<?>[] sources;

	private final String namespace = "handoff-test-" + UUID.randomUUID().toString().substring(0, 8);

	private final Map<String, String> properties = new LinkedHashMap<>();

	private boolean redis;

	private Duration timeout = DEFAULT_TIMEOUT;

	private @Nullable InMemoryHandoffStore store;

	private final List<Instance> instances = new ArrayList<>();

	private final List<Instance> running = new ArrayList<>();

	/** Orders what instances received against when an instance began to shut down. */
	private final AtomicLong sequence = new AtomicLong();

	/**
	 * Released whenever an instance reports a merge, a dead letter or a release, to end a
	 * wait early.
	 */
	private final Semaphore activity = new Semaphore(0);

	private HandoffTestCluster(Class<?>[] sources) {
		this.sources = sources;
	}

	/**
	 * Creates a cluster of the application; nothing runs until {@link #start(String...)}.
	 * @param sources the application's primary sources, as given to
	 * {@link SpringApplication}: usually its {@code @SpringBootApplication} class
	 * @return the cluster
	 */
	public static HandoffTestCluster of(Class<?>... sources) {
		Assert.notEmpty(sources, "'sources' must not be empty");
		return new HandoffTestCluster(sources.clone());
	}

	/**
	 * Returns an argument for {@link #start(String...)}, {@link #rollingReplace} or
	 * {@link #recreate} that makes the participant of a label hand off and read another
	 * version than its {@link Handoff#version()} says, in that instance only: for example
	 * an old instance that hands off version 1 to a new one that reads version 2 and
	 * converts it in {@code upgradeHandoff}. The state handed off keeps the shape the
	 * participant's code gives it. Startup fails when no participant has the label.
	 * @param label the participant's label
	 * @param version the version it hands off and reads
	 * @return the argument, {@code --handoff.test.participant-version[<label>]=<version>}
	 */
	public static String participantVersion(String label, int version) {
		Assert.hasText(label, "'label' must not be empty");
		return "--" + PARTICIPANT_VERSION_PROPERTY + "[" + label + "]=" + version;
	}

	/**
	 * Adds properties to every instance started from now on. They replace the cluster's
	 * defaults and the application's own configuration; arguments given to
	 * {@link #start(String...)} replace them.
	 * @param properties {@code key=value} pairs
	 * @return this cluster
	 */
	public HandoffTestCluster withProperties(String... properties) {
		for (String property : properties) {
			int equals = property.indexOf('=');
			Assert.isTrue(equals > 0, () -> "'properties' must be key=value pairs, but one is '" + property + "'");
			this.properties.put(property.substring(0, equals).trim(), property.substring(equals + 1));
		}
		return this;
	}

	/**
	 * Hands off through the Redis on the given host and port
	 * ({@code spring.data.redis.host} and {@code spring.data.redis.port}) instead of the
	 * in-memory store. Each instance connects to it on its own, as instances of a deploy
	 * do. Call it before the first instance starts.
	 * @param host the host
	 * @param port the port
	 * @return this cluster
	 */
	public HandoffTestCluster withRedis(String host, int port) {
		return withRedis("spring.data.redis.host=" + host, "spring.data.redis.port=" + port);
	}

	/**
	 * Hands off through the store each instance configures itself instead of the
	 * in-memory store: Redis, as {@code spring.data.redis.*} in the application's
	 * configuration and in the given properties say (a URL, Sentinel, Cluster, TLS), or a
	 * {@link HandoffStore} bean of the application's own. Call it before the first
	 * instance starts.
	 * @param properties {@code key=value} pairs, as for
	 * {@link #withProperties(String...)}; none to use the application's configuration as
	 * it is
	 * @return this cluster
	 */
	public HandoffTestCluster withRedis(String... properties) {
		Assert.state(this.instances.isEmpty(), "The store of a cluster cannot change once an instance has started");
		this.redis = true;
		return withProperties(properties);
	}

	/**
	 * Sets how long {@link #rollingReplace} and {@link #recreate} wait for the new
	 * instance to merge what the old one handed off; 10 s by default.
	 * @param timeout the timeout
	 * @return this cluster
	 */
	public HandoffTestCluster withTimeout(Duration timeout) {
		Assert.isTrue(timeout.toMillis() > 0, "'timeout' must be positive");
		this.timeout = timeout;
		return this;
	}

	/**
	 * Starts an instance and returns once it is ready: it has claimed and merged what was
	 * waiting for it, within {@code handoff.startup-timeout}.
	 * @param args the instance's arguments, as its {@code main} method would receive
	 * them, such as {@code --demo.version=v2} or a
	 * {@link #participantVersion(String, int)}
	 * @return the running instance
	 */
	public ConfigurableApplicationContext start(String... args) {
		Instance instance = new Instance("instance-" + (this.instances.size() + 1));
		this.instances.add(instance);
		SpringApplication application = new SpringApplication(this.sources);
		application.setBannerMode(Banner.Mode.OFF);
		// The cluster closes its instances; a JVM exit closes them without waiting for
		// any handoff.
		application.setRegisterShutdownHook(false);
		application.addInitializers((context) -> prepare(context, instance));
		ConfigurableApplicationContext context = application.run(arguments(instance, args));
		instance.context = context;
		for (Instance other : this.running) {
			if (other.id().equals(instance.id())) {
				context.close();
				throw new IllegalStateException("Two running instances would have handoff.instance-id '" + instance.id()
						+ "'; give each an id of its own");
			}
		}
		this.running.add(instance);
		return context;
	}

	/**
	 * Shuts an instance down gracefully, as SIGTERM would, without waiting for another
	 * instance to merge what it handed off.
	 * @param instance a running instance of this cluster
	 */
	public void stop(ConfigurableApplicationContext instance) {
		leave(running(instance));
	}

	/**
	 * Replaces an instance the way a rolling deploy with surge does: starts a new
	 * instance, shuts the old one down gracefully, and returns once the new one has
	 * merged every record the old one handed off.
	 * @param old a running instance of this cluster
	 * @param args the new instance's arguments, as for {@link #start(String...)}
	 * @return the new instance
	 * @throws AssertionError when the old instance handed nothing off, or the new one did
	 * not merge all of it in time; the message says why
	 */
	public ConfigurableApplicationContext rollingReplace(ConfigurableApplicationContext old, String... args) {
		Instance leaving = running(old);
		ConfigurableApplicationContext next = start(args);
		Departure departure = leave(leaving);
		awaitMerged(departure.requireHandedOff(), running(next));
		return next;
	}

	/**
	 * Replaces an instance the way a recreate deploy does: shuts the old instance down
	 * gracefully, then starts a new one, and returns once the new one has merged every
	 * record the old one handed off.
	 * @param old a running instance of this cluster
	 * @param args the new instance's arguments, as for {@link #start(String...)}
	 * @return the new instance
	 * @throws AssertionError when the old instance handed nothing off, or the new one did
	 * not merge all of it in time; the message says why
	 */
	public ConfigurableApplicationContext recreate(ConfigurableApplicationContext old, String... args) {
		Departure departure = leave(running(old)).requireHandedOff();
		ConfigurableApplicationContext next = start(args);
		awaitMerged(departure, running(next));
		return next;
	}

	/**
	 * Returns the {@code handoff.instance-id} of an instance of this cluster: the origin
	 * of the records it hands off.
	 * @param instance an instance this cluster started, running or not
	 * @return its instance id
	 */
	public String instanceId(ConfigurableApplicationContext instance) {
		return this.instances.stream()
			.filter((candidate) -> candidate.context == instance)
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(instance + " was not started by this cluster"))
			.id();
	}

	/**
	 * Returns the instances that run now, oldest first.
	 * @return the running instances
	 */
	public List<ConfigurableApplicationContext> running() {
		return this.running.stream().map(Instance::context).toList();
	}

	/**
	 * Shuts down every instance still running, newest first, each gracefully.
	 */
	@Override
	public void close() {
		RuntimeException failure = null;
		List<Instance> running = new ArrayList<>(this.running);
		Collections.reverse(running);
		for (Instance instance : running) {
			try {
				leave(instance);
			}
			catch (RuntimeException ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	private String[] arguments(Instance instance, String... args) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("handoff.instance-id", instance.defaultId);
		properties.put("handoff.namespace", this.namespace);
		properties.put("server.port", "0");
		properties.putAll(this.properties);
		List<String> arguments = new ArrayList<>();
		properties.forEach((name, value) -> {
			// Given twice, a command-line property would read as both values joined by a
			// comma.
			boolean given = List.of(args)
				.stream()
				.anyMatch((arg) -> arg.equals("--" + name) || arg.startsWith("--" + name + "="));
			if (!given) {
				arguments.add("--" + name + "=" + value);
			}
		});
		arguments.addAll(List.of(args));
		return arguments.toArray(String[]::new);
	}

	private void prepare(ConfigurableApplicationContext context, Instance instance) {
		ConfigurableEnvironment environment = context.getEnvironment();
		if (!this.redis) {
			// A singleton registered by hand is not destroyed with its context: it
			// outlives the instance that closes.
			context.getBeanFactory().registerSingleton(STORE_BEAN_NAME, sharedStore(environment));
		}
		Map<String, Integer> versions = Binder.get(environment)
			.bind(PARTICIPANT_VERSION_PROPERTY, Bindable.mapOf(String.class, Integer.class))
			.orElse(Map.of());
		context.getBeanFactory().addBeanPostProcessor(new InstanceHooks(instance, versions));
	}

	private InMemoryHandoffStore sharedStore(ConfigurableEnvironment environment) {
		InMemoryHandoffStore store = this.store;
		if (store == null) {
			HandoffProperties properties = Binder.get(environment)
				.bind("handoff", HandoffProperties.class)
				.orElseGet(HandoffProperties::new);
			store = new InMemoryHandoffStore(new HandoffStore.Policy(properties.getTtl(), properties.getLease(),
					properties.getMaxDeliveries(), properties.getDeadLetterTtl(),
					properties.getMaxRecordSize().toBytes(), properties.getMaxClaimSize().toBytes()));
			this.store = store;
		}
		return store;
	}

	private Instance running(ConfigurableApplicationContext context) {
		Assert.notNull(context, "'instance' must not be null");
		return this.running.stream()
			.filter((instance) -> instance.context == context)
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(context + " is not a running instance of this cluster"));
	}

	/** Shuts an instance down and tells what it handed off meanwhile. */
	private Departure leave(Instance instance) {
		this.running.remove(instance);
		Map<String, HandoffActivity.@Nullable Sent> before = instance.lastSent();
		long since = this.sequence.get();
		instance.context().close();
		Map<String, String> handedOff = new LinkedHashMap<>();
		instance.lastSent().forEach((label, sent) -> {
			if (sent != null && !sent.equals(before.get(label))) {
				handedOff.put(label, sent.recordId());
			}
		});
		return new Departure(instance, handedOff, since);
	}

	private void awaitMerged(Departure departure, Instance arriving) {
		if (arriving.lifecycle == null) {
			throw new AssertionError(arriving + " does not run Handoff (is handoff.enabled false?), so it "
					+ "receives nothing of what " + departure.instance + " handed off");
		}
		Map<String, Integer> reads = arriving.versions();
		Map<String, Integer> written = departure.instance.versions();
		departure.handedOff.keySet().forEach((label) -> {
			Integer version = reads.get(label);
			if (version == null) {
				throw new AssertionError(departure.instance + " handed off label '" + label + "', but " + arriving
						+ " has no participant with that label (its labels: " + reads.keySet() + ")");
			}
			int handedOff = written.getOrDefault(label, version);
			if (handedOff > version) {
				throw new AssertionError(departure.instance + " handed off version " + handedOff + " of label '" + label
						+ "', which " + arriving + " does not read (it reads version " + version
						+ "): it releases such a record for an instance that reads its version");
			}
		});
		long deadline = System.nanoTime() + this.timeout.toNanos();
		Set<String> pending = new LinkedHashSet<>(departure.handedOff.keySet());
		while (true) {
			pending.removeIf((label) -> arriving.merged(label, departure));
			if (pending.isEmpty()) {
				return;
			}
			@Nullable HandoffStore store = storeOf(arriving);
			for (String label : pending) {
				for (Instance other : this.running) {
					if (other != arriving && other.merged(label, departure)) {
						throw new AssertionError(arriving + " did not merge " + describe(departure, label) + ", which "
								+ other + " merged: with more than two instances running, any of them may take it");
					}
				}
				HandoffStore.StoredRecord stored;
				try {
					stored = find(store, label, departure.recordId(label));
				}
				catch (RuntimeException ex) {
					// A store that cannot list its records, or did not answer now: the
					// timeout still bounds the wait.
					stored = null;
				}
				if (stored != null && stored.where() == HandoffStore.Where.DEAD_LETTERED) {
					throw new AssertionError(arriving + " did not merge " + describe(departure, label)
							+ ", which was dead-lettered: " + stored.reason());
				}
			}
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError(pending.stream()
					.map((label) -> describe(departure, label) + ", which " + whereabouts(store, label, departure))
					.collect(Collectors.joining("; ", arriving + " did not merge within " + this.timeout + " ", "")));
			}
			try {
				if (this.activity.tryAcquire(RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
					this.activity.drainPermits();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for " + arriving + " to merge", ex);
			}
		}
	}

	private static String describe(Departure departure, String label) {
		return "the record " + departure.recordId(label) + " of label '" + label + "' that " + departure.instance
				+ " handed off";
	}

	/** Where a record is, to follow "which". */
	private static String whereabouts(@Nullable HandoffStore store, String label, Departure departure) {
		HandoffStore.StoredRecord stored;
		try {
			stored = find(store, label, departure.recordId(label));
		}
		catch (RuntimeException ex) {
			return "the store could not locate (" + ex.getMessage() + ")";
		}
		if (stored == null) {
			return "is no longer in the store, but no running instance reported merging it";
		}
		return switch (stored.where()) {
			case WAITING -> "is still waiting in the store, after " + stored.attempts() + " delivery attempt(s)";
			case IN_FLIGHT -> "is held by a claim, on delivery attempt " + stored.attempts()
					+ ": receiveHandoff is failing or slow (see the log), and the record is delivered again once "
					+ "handoff.lease lapses";
			case DEAD_LETTERED -> "was dead-lettered: " + stored.reason();
		};
	}

	private static HandoffStore.@Nullable StoredRecord find(@Nullable HandoffStore store, String label,
			String recordId) {
		if (store == null) {
			return null;
		}
		return store.list(label, LISTED_RECORDS)
			.stream()
			.filter((stored) -> stored.id().equals(recordId))
			.findFirst()
			.orElse(null);
	}

	private @Nullable HandoffStore storeOf(Instance instance) {
		if (!this.redis) {
			return this.store;
		}
		return instance.context().getBeanProvider(HandoffStore.class).getIfAvailable();
	}

	/**
	 * Attaches the cluster to an instance's Handoff engine as its beans are created: a
	 * listener on what it receives, and the participant versions its arguments set.
	 */
	private final class InstanceHooks implements BeanPostProcessor {

		private final Instance instance;

		private final Map<String, Integer> versions;

		InstanceHooks(Instance instance, Map<String, Integer> versions) {
			this.instance = instance;
			this.versions = versions;
		}

		@Override
		public Object postProcessBeforeInitialization(Object bean, String beanName) {
			if (bean instanceof HandoffLifecycle lifecycle) {
				if (!this.versions.isEmpty()) {
					lifecycle.setParticipantVersions(this.versions);
				}
				this.instance.lifecycle = lifecycle;
			}
			else if (bean instanceof HandoffTemplate template) {
				this.instance.template = template;
				HandoffActivity activity = template.getActivity();
				activity.addListener(new Listener(this.instance, activity));
			}
			return bean;
		}

	}

	/**
	 * Tells the cluster what an instance merged, and wakes a wait whenever a record
	 * moved.
	 */
	private final class Listener implements HandoffListener {

		private final Instance instance;

		private final HandoffActivity activity;

		Listener(Instance instance, HandoffActivity activity) {
			this.instance = instance;
			this.activity = activity;
		}

		@Override
		public void received(String label, int records, Duration merge, Duration latency) {
			// Called right after the activity recorded this merge, under the label's
			// receiver lock.
			HandoffActivity.Received received = this.activity.lastReceived(label);
			if (received != null) {
				this.instance.receipts
					.add(new Receipt(label, received.from(), HandoffTestCluster.this.sequence.incrementAndGet()));
			}
			wake();
		}

		@Override
		public void released(String label, int records) {
			wake();
		}

		@Override
		public void redelivered(String label, int records) {
			wake();
		}

		@Override
		public void deadLettered(String label, String reason) {
			wake();
		}

		private void wake() {
			HandoffTestCluster.this.activity.release();
		}

	}

	/**
	 * One instance: its context once started, and its Handoff engine as the context
	 * created it.
	 */
	private static final class Instance {

		private final String defaultId;

		private @Nullable ConfigurableApplicationContext context;

		private volatile @Nullable HandoffTemplate template;

		private volatile @Nullable HandoffLifecycle lifecycle;

		private final List<Receipt> receipts = new CopyOnWriteArrayList<>();

		Instance(String defaultId) {
			this.defaultId = defaultId;
		}

		String id() {
			HandoffTemplate template = this.template;
			return (template != null) ? template.getInstanceId() : this.defaultId;
		}

		ConfigurableApplicationContext context() {
			Assert.state(this.context != null, () -> this.defaultId + " has not started");
			return this.context;
		}

		/** Label → the version its participant hands off and reads. */
		Map<String, Integer> versions() {
			HandoffLifecycle lifecycle = this.lifecycle;
			if (lifecycle == null) {
				return Map.of();
			}
			Map<String, Integer> versions = new LinkedHashMap<>();
			lifecycle.getParticipants()
				.forEach((participant) -> versions.put(participant.label(), participant.version()));
			return versions;
		}

		Map<String, HandoffActivity.@Nullable Sent> lastSent() {
			HandoffTemplate template = this.template;
			HandoffLifecycle lifecycle = this.lifecycle;
			Map<String, HandoffActivity.@Nullable Sent> sent = new LinkedHashMap<>();
			if (template != null && lifecycle != null) {
				lifecycle.getLabels().forEach((label) -> sent.put(label, template.getActivity().lastSent(label)));
			}
			return sent;
		}

		/**
		 * Whether this instance merged records of the label from the departed instance
		 * after it began to leave.
		 */
		boolean merged(String label, Departure departure) {
			return this.receipts.stream()
				.anyMatch((receipt) -> receipt.sequence() > departure.since && receipt.label().equals(label)
						&& receipt.from().contains(departure.instance.id()));
		}

		@Override
		public String toString() {
			return "instance '" + id() + "'";
		}

	}

	/** Records of a label that an instance merged, and from whom. */
	private record Receipt(String label, List<String> from, long sequence) {
	}

	/**
	 * What an instance handed off as it shut down.
	 *
	 * @param instance the instance
	 * @param handedOff label → the id of the record it handed off under it
	 * @param since the cluster's sequence when it began to shut down
	 */
	private record Departure(Instance instance, Map<String, String> handedOff, long since) {

		String recordId(String label) {
			String recordId = this.handedOff.get(label);
			Assert.state(recordId != null, () -> this.instance + " handed off nothing of label '" + label + "'");
			return recordId;
		}

		Departure requireHandedOff() {
			if (!this.handedOff.isEmpty()) {
				return this;
			}
			List<String> labels = List.copyOf(this.instance.lastSent().keySet());
			String why;
			if (this.instance.lifecycle == null) {
				why = "it does not run Handoff (is handoff.enabled false?)";
			}
			else if (labels.isEmpty()) {
				why = "it has no @Handoff participant";
			}
			else {
				why = "handoffState() returned null for each of its participants " + labels
						+ ", or writing the state failed (see the log)";
			}
			throw new AssertionError(this.instance + " handed nothing off when it shut down: " + why);
		}

	}

}
