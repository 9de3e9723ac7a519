package dev.handoff.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.handoff.Handoff;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffException;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.Lifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Runs the {@link HandoffParticipant participants} of an application context.
 * <ul>
 * <li><b>Startup.</b> When all singletons exist, before any {@link Lifecycle} bean starts and so before the
 * application reports ready, it subscribes to the participants' labels and delivers what is waiting for them,
 * waiting at most the startup timeout. If the store cannot be reached, startup goes on and the records arrive once
 * it can. From then on it {@link #isRunning() is running}, so that if another bean fails to start, Spring stops it
 * and the restored state is handed off again.</li>
 * <li><b>Running.</b> Each notification, each (re)subscription and each poll triggers a claim of the label.</li>
 * <li><b>Shutdown.</b> On {@link ContextClosedEvent} it stops claiming. In {@link #stop()}, at {@link #PHASE}, after
 * the web server has drained and executors and schedulers have stopped, and before the Redis connection factory
 * stops at phase 0, it stops each participant that is itself a running {@link Lifecycle}, captures its state once
 * and initiates the handoff. The whole of it is bounded by the shutdown timeout; labels not handed off by then are
 * named in an ERROR log.</li>
 * </ul>
 */
public class HandoffLifecycle implements SmartLifecycle, SmartInitializingSingleton,
		ApplicationListener<ContextClosedEvent>, ApplicationContextAware, DisposableBean {

	/**
	 * The phase in which state is captured: below the task executors and schedulers ({@code Integer.MAX_VALUE / 2})
	 * and the web server ({@code Integer.MAX_VALUE - 2048}), above the Redis connection factory (0).
	 */
	public static final int PHASE = Integer.MAX_VALUE / 2 - 1024;

	private static final Duration SUBSCRIBE_RETRY = Duration.ofSeconds(1);

	private static final Log logger = LogFactory.getLog(HandoffLifecycle.class);

	private final ListableBeanFactory beanFactory;

	private final HandoffTemplate template;

	private final HandoffStore store;

	private final Duration startupTimeout;

	private final Duration shutdownTimeout;

	private final Duration pollInterval;

	private final Map<String, Participant<?>> participants = new LinkedHashMap<>();

	private @Nullable ApplicationContext applicationContext;

	private @Nullable ScheduledExecutorService executor;

	private @Nullable HandoffSubscription subscription;

	private volatile boolean closing;

	private volatile boolean running;

	private volatile boolean shutdownTimedOut;

	/**
	 * Creates the lifecycle.
	 * @param beanFactory where to find {@link Handoff} beans
	 * @param template the template that claims and initiates
	 * @param store the store, for notifications
	 * @param startupTimeout how long startup waits for waiting records
	 * @param shutdownTimeout how long shutdown may spend handing off
	 * @param pollInterval how often each label is claimed without a notification
	 */
	public HandoffLifecycle(ListableBeanFactory beanFactory, HandoffTemplate template, HandoffStore store,
			Duration startupTimeout, Duration shutdownTimeout, Duration pollInterval) {
		Assert.notNull(beanFactory, "'beanFactory' must not be null");
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(store, "'store' must not be null");
		this.beanFactory = beanFactory;
		this.template = template;
		this.store = store;
		this.startupTimeout = startupTimeout;
		this.shutdownTimeout = shutdownTimeout;
		this.pollInterval = pollInterval;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	@Override
	public void afterSingletonsInstantiated() {
		for (String beanName : this.beanFactory.getBeanNamesForAnnotation(Handoff.class)) {
			register(beanName);
		}
		if (this.participants.isEmpty()) {
			return;
		}
		this.executor = Executors.newScheduledThreadPool(2, new HandoffThreads());
		// In the background: a Redis that accepts connections but does not answer must not hold up startup longer
		// than the startup timeout. The restore claims what is already waiting; the subscription, once established,
		// triggers a claim of each label, so nothing handed off in between is left to the poll.
		execute(() -> subscribe(false));
		restore();
		long poll = this.pollInterval.toMillis();
		this.executor.scheduleWithFixedDelay(
				() -> this.participants.values().forEach((participant) -> participant.trigger.request()), poll, poll,
				TimeUnit.MILLISECONDS);
		// Running from here on, not from start(): when a bean fails to start, Spring stops the running beans only,
		// and the state just restored must then be handed off again rather than lost.
		this.running = true;
	}

	private void register(String beanName) {
		Object bean = this.beanFactory.getBean(beanName);
		Class<?> beanClass = AopUtils.getTargetClass(bean);
		if (!(bean instanceof HandoffParticipant<?> participant)) {
			throw new HandoffConfigurationException("Bean '" + beanName + "' of type " + beanClass.getName()
					+ " is annotated with @Handoff but does not implement HandoffParticipant.",
					"Implement HandoffParticipant<S>, where S is the type of the state to hand off, or remove "
							+ "@Handoff.");
		}
		Handoff annotation = this.beanFactory.findAnnotationOnBean(beanName, Handoff.class);
		Assert.state(annotation != null, "@Handoff disappeared from bean '" + beanName + "'");
		String label = StringUtils.hasText(annotation.value()) ? annotation.value() : beanName;
		try {
			HandoffTemplate.checkLabel(label);
		}
		catch (HandoffException ex) {
			throw new HandoffConfigurationException(ex.getMessage() + " (bean '" + beanName + "').",
					"Set a valid label with @Handoff(\"...\") on bean '" + beanName + "'.");
		}
		Participant<?> existing = this.participants.get(label);
		if (existing != null) {
			throw new HandoffConfigurationException("Beans '" + existing.beanName + "' and '" + beanName
					+ "' both hand off under label '" + label + "'.",
					"Give each participant a label of its own with @Handoff(\"...\") on either bean.");
		}
		ResolvableType stateType = ResolvableType.forClass(beanClass).as(HandoffParticipant.class).getGeneric(0);
		if (stateType.resolve() == null || stateType.hasUnresolvableGenerics()) {
			throw new HandoffConfigurationException("Cannot tell the state type of @Handoff bean '" + beanName
					+ "' (" + beanClass.getName() + "): it implements HandoffParticipant<" + stateType + ">.",
					"Declare its class with a concrete state type, such as "
							+ "'implements HandoffParticipant<Map<String, Long>>'.");
		}
		this.participants.put(label, participant(beanName, label, annotation.version(), stateType, participant));
	}

	private <S> Participant<S> participant(String beanName, String label, int version, ResolvableType stateType,
			HandoffParticipant<S> bean) {
		Receiver<S> receiver = new Receiver<>(label, version, this.template.constructType(stateType),
				"participant '" + beanName + "'", bean::receiveHandoff, bean::upgradeHandoff);
		return new Participant<>(beanName, bean, receiver, new ClaimTrigger(() -> claim(receiver), this::execute));
	}

	private void execute(Runnable task) {
		execute(task, Duration.ZERO);
	}

	private void execute(Runnable task, Duration delay) {
		ScheduledExecutorService executor = this.executor;
		Assert.state(executor != null, "Handoff has not started");
		executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
	}

	private void claim(Receiver<?> receiver) {
		if (this.closing) {
			return;
		}
		try {
			this.template.receive(receiver);
		}
		catch (HandoffException ex) {
			logger.warn(ex.getMessage(), ex.getCause());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not claim handoff records of label '" + receiver.label + "': "
					+ ex.getMessage() + "; trying again on the next notification or poll");
			throw ex;
		}
	}

	/**
	 * Subscribes to the labels' notifications, and keeps trying while the store cannot be reached. Establishing the
	 * subscription triggers a claim of each label, so records handed off meanwhile are not left to the poll.
	 */
	private void subscribe(boolean retry) {
		if (this.closing) {
			return;
		}
		HandoffSubscription subscription;
		try {
			subscription = this.store.subscribe(this.participants.keySet(),
					(label) -> this.participants.get(label).trigger.request());
		}
		catch (RuntimeException ex) {
			if (!retry) {
				logger.warn("Could not subscribe to handoff notifications of " + this.participants.keySet() + " ("
						+ ex.getMessage() + "); trying again every " + SUBSCRIBE_RETRY.toSeconds() + "s");
			}
			try {
				execute(() -> subscribe(true), SUBSCRIBE_RETRY);
			}
			catch (RejectedExecutionException rejected) {
				// Shutting down.
			}
			return;
		}
		synchronized (this) {
			if (!this.closing) {
				this.subscription = subscription;
				if (retry) {
					logger.info("Subscribed to handoff notifications of " + this.participants.keySet());
				}
				return;
			}
		}
		subscription.close();
	}

	private void restore() {
		List<CompletableFuture<Void>> restores = new ArrayList<>();
		this.participants.values().forEach((participant) -> restores.add(participant.trigger.request()));
		try {
			CompletableFuture.allOf(restores.toArray(CompletableFuture[]::new))
				.get(this.startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException | ExecutionException ex) {
			logger.warn("Could not restore handed-off state of " + this.participants.keySet() + " within "
					+ "handoff.startup-timeout (" + this.startupTimeout + "); starting without it. Waiting records "
					+ "will be delivered as soon as the store answers.");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Marks this lifecycle running. With participants it is running already: it started when it restored their
	 * state, before any {@link Lifecycle} bean started.
	 */
	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() == this.applicationContext) {
			// From here on this instance claims nothing: it is about to hand its own state off.
			this.closing = true;
		}
	}

	@Override
	public void stop() {
		this.closing = true;
		this.running = false;
		closeSubscription();
		if (this.executor != null) {
			this.executor.shutdown();
		}
		if (this.participants.isEmpty()) {
			return;
		}
		Set<String> settled = ConcurrentHashMap.newKeySet();
		Thread capture = new HandoffThreads().newThread(() -> this.participants.values().forEach((participant) -> {
			if (!this.shutdownTimedOut) {
				handOff(participant);
				settled.add(participant.receiver.label);
			}
		}));
		capture.start();
		try {
			capture.join(this.shutdownTimeout.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (capture.isAlive()) {
			this.shutdownTimedOut = true;
			capture.interrupt();
			List<String> missing = this.participants.keySet().stream().filter((label) -> !settled.contains(label)).toList();
			logger.error("Handoff did not finish within handoff.shutdown-timeout (" + this.shutdownTimeout
					+ "); the state of " + missing + " was not handed off and is lost (a write still in flight may "
					+ "yet land). Check that Redis is reachable, or raise handoff.shutdown-timeout together with "
					+ "spring.lifecycle.timeout-per-shutdown-phase.");
		}
		if (this.executor != null) {
			this.executor.shutdownNow();
		}
	}

	private <S> void handOff(Participant<S> participant) {
		String label = participant.receiver.label;
		try {
			stopIfRunning(participant);
			S state;
			participant.receiver.lock.lockInterruptibly();
			try {
				participant.receiver.seal();
				state = participant.bean.handoffState();
			}
			finally {
				participant.receiver.lock.unlock();
			}
			if (state == null) {
				logger.info("Participant '" + participant.beanName + "' has no state to hand off");
				return;
			}
			long start = System.nanoTime();
			HandoffRecord<S> record = this.template.initiate(label, participant.receiver.version, state);
			logger.info("Handed off the state of label '" + label + "' as record " + record.id() + " in "
					+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			if (this.shutdownTimedOut) {
				// Interrupted after the timeout, which is already reported with the labels it cost.
				logger.debug("Handoff of label '" + label + "' interrupted", ex);
			}
			else {
				logger.error("Could not hand off the state of label '" + label + "' (participant '"
						+ participant.beanName + "'); it is lost: " + ex.getMessage(), ex);
			}
		}
	}

	private void stopIfRunning(Participant<?> participant) throws InterruptedException {
		if (!(participant.bean instanceof Lifecycle lifecycle) || !lifecycle.isRunning()) {
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

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void destroy() {
		closeSubscription();
		if (this.executor != null) {
			this.executor.shutdownNow();
		}
	}

	private synchronized void closeSubscription() {
		HandoffSubscription subscription = this.subscription;
		this.subscription = null;
		if (subscription != null) {
			try {
				subscription.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close the handoff subscription", ex);
			}
		}
	}

	private static final class Participant<S> {

		final String beanName;

		final HandoffParticipant<S> bean;

		final Receiver<S> receiver;

		final ClaimTrigger trigger;

		Participant(String beanName, HandoffParticipant<S> bean, Receiver<S> receiver, ClaimTrigger trigger) {
			this.beanName = beanName;
			this.bean = bean;
			this.receiver = receiver;
			this.trigger = trigger;
		}

	}

	private static final class HandoffThreads implements ThreadFactory {

		private static final AtomicInteger count = new AtomicInteger();

		@Override
		public Thread newThread(Runnable task) {
			Thread thread = new Thread(task, "handoff-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}

	}

}
