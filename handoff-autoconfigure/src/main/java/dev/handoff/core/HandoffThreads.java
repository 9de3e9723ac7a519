package dev.handoff.core;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads Handoff runs on by default: daemon platform threads named
 * {@code handoff-N}. With {@code spring.threads.virtual.enabled=true} on Java 21 or
 * later, the auto-configuration gives {@link HandoffLifecycle} and
 * {@link HandoffTemplate} a factory of virtual threads instead.
 */
final class HandoffThreads implements ThreadFactory {

	static final HandoffThreads PLATFORM = new HandoffThreads();

	private static final AtomicInteger count = new AtomicInteger();

	private HandoffThreads() {
	}

	@Override
	public Thread newThread(Runnable task) {
		Thread thread = new Thread(task, "handoff-" + count.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	}

}
