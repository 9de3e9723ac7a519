package dev.handoff.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;

/**
 * Runs the claim of one label on an executor, one run at a time. Requests that arrive while a run is under way are
 * folded into one more run, so a burst of notifications costs one extra claim, not one each.
 */
final class ClaimTrigger {

	private final Runnable claim;

	private final Executor executor;

	private boolean running;

	private @Nullable CompletableFuture<Void> next;

	ClaimTrigger(Runnable claim, Executor executor) {
		this.claim = claim;
		this.executor = executor;
	}

	/**
	 * Asks for a claim.
	 * @return completes when a claim that started after this request has finished
	 */
	synchronized CompletableFuture<Void> request() {
		CompletableFuture<Void> requested = this.next;
		if (requested == null) {
			requested = new CompletableFuture<>();
			this.next = requested;
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
		}
		return requested;
	}

	private void run() {
		while (true) {
			CompletableFuture<Void> current;
			synchronized (this) {
				current = this.next;
				this.next = null;
				if (current == null) {
					this.running = false;
					return;
				}
			}
			try {
				this.claim.run();
				current.complete(null);
			}
			catch (Throwable ex) {
				current.completeExceptionally(ex);
			}
		}
	}

}
