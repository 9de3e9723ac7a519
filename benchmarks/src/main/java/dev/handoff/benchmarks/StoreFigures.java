package dev.handoff.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * The figures of the store alone ({@link HandoffStore} over Boot's connection factory)
 * against raw commands: initiate, initiate + claim + acknowledge, and concurrent initiate
 * throughput.
 */
final class StoreFigures {

	private static final AtomicLong ids = new AtomicLong();

	private StoreFigures() {
	}

	static String nextId() {
		return "r" + ids.incrementAndGet();
	}

	static HandoffRecord<byte[]> record(String label, byte[] payload) {
		return new HandoffRecord<>(nextId(), label, 1, payload, "bench", Instant.now());
	}

	/**
	 * Figure 1: {@code HandoffStore.initiate(record)} against one raw {@code EVALSHA}.
	 */
	static Interleaved.Result initiate(Interleaved.Plan plan, HandoffStore store, RawClient raw, String label,
			byte[] payload) throws Exception {
		byte[] key = RawLettuce.bytes("raw:{" + label + "}:pending");
		byte[] channel = RawLettuce.bytes("raw:{" + label + "}:notify");
		return Interleaved.latency(plan, () -> {
			HandoffRecord<byte[]> record = record(label, payload);
			long start = System.nanoTime();
			HandoffStore.Initiated initiated = store.initiate(record);
			long elapsed = System.nanoTime() - start;
			check(initiated.isStored(), () -> "initiate: " + initiated);
			return elapsed;
		}, () -> {
			byte[] field = RawLettuce.bytes(nextId());
			long start = System.nanoTime();
			raw.initiate(key, field, payload, channel);
			return System.nanoTime() - start;
		}, null);
	}

	/**
	 * Figures 2 and 7: initiate, claim and acknowledge one record, against a raw initiate
	 * and a raw take.
	 */
	static Interleaved.Result handoff(Interleaved.Plan plan, HandoffStore store, RawClient raw, String label,
			byte[] payload) throws Exception {
		byte[] key = RawLettuce.bytes("raw:{" + label + "}:pending");
		byte[] channel = RawLettuce.bytes("raw:{" + label + "}:notify");
		return Interleaved.latency(plan, () -> {
			HandoffRecord<byte[]> record = record(label, payload);
			long start = System.nanoTime();
			HandoffStore.Initiated initiated = store.initiate(record);
			HandoffClaim claim = store.claim(label, "bench");
			int acknowledged = store.acknowledge(claim, List.of(record.id()));
			long elapsed = System.nanoTime() - start;
			check(initiated.isStored(), () -> "initiate: " + initiated);
			check(claim.deliveries().size() == 1 && claim.deliveries().get(0).record().data().length == payload.length,
					() -> "claim returned " + claim.deliveries().size() + " record(s)");
			check(acknowledged == 1, () -> "acknowledged " + acknowledged);
			return elapsed;
		}, () -> {
			byte[] field = RawLettuce.bytes(nextId());
			long start = System.nanoTime();
			raw.initiate(key, field, payload, channel);
			Map<byte[], byte[]> taken = raw.take(key);
			long elapsed = System.nanoTime() - start;
			check(taken.size() == 1 && taken.values().iterator().next().length == payload.length,
					() -> "raw take returned " + taken.size() + " entries");
			return elapsed;
		}, null);
	}

	/**
	 * Figure 3, Handoff's side: threads calling {@code initiate} as fast as they can for
	 * a while.
	 * @return initiates per second
	 */
	static double handoffThroughput(HandoffStore store, int threads, long millis, byte[] payload) throws Exception {
		return run(threads, millis, (thread, stop, count) -> {
			String label = "f3-t" + thread;
			while (!stop.get()) {
				HandoffStore.Initiated initiated = store.initiate(record(label, payload));
				check(initiated.isStored(), () -> "initiate: " + initiated);
				count.incrementAndGet();
			}
		});
	}

	/**
	 * Figure 3, raw side: threads each sending a bounded number of async {@code EVALSHA}s
	 * on one shared connection, then awaiting them, as fast as they can for a while.
	 * @return initiates per second
	 */
	static double rawThroughput(RawLettuce raw, int threads, int inFlight, long millis, byte[] payload)
			throws Exception {
		RedisAsyncCommands<byte[], byte[]> async = raw.sharedAsync();
		return run(threads, millis, (thread, stop, count) -> {
			byte[] key = RawLettuce.bytes("raw:{f3-t" + thread + "}:pending");
			byte[] channel = RawLettuce.bytes("raw:{f3-t" + thread + "}:notify");
			List<RedisFuture<Long>> futures = new ArrayList<>(inFlight);
			while (!stop.get()) {
				futures.clear();
				for (int i = 0; i < inFlight; i++) {
					futures.add(raw.initiateAsync(async, key, RawLettuce.bytes(nextId()), payload, channel));
				}
				for (RedisFuture<Long> future : futures) {
					RawLettuce.await(future);
				}
				count.addAndGet(inFlight);
			}
		});
	}

	@FunctionalInterface
	private interface Worker {

		void work(int thread, AtomicBoolean stop, AtomicLong count) throws Exception;

	}

	private static double run(int threads, long millis, Worker worker) throws Exception {
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong count = new AtomicLong();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		CountDownLatch ready = new CountDownLatch(threads);
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> started = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			int thread = i;
			Thread t = new Thread(() -> {
				ready.countDown();
				try {
					go.await();
					worker.work(thread, stop, count);
				}
				catch (Throwable ex) {
					failure.compareAndSet(null, ex);
					stop.set(true);
				}
			}, "bench-" + i);
			t.start();
			started.add(t);
		}
		ready.await();
		long start = System.nanoTime();
		go.countDown();
		Thread.sleep(millis);
		stop.set(true);
		for (Thread t : started) {
			t.join();
		}
		long elapsed = System.nanoTime() - start;
		if (failure.get() != null) {
			throw new IllegalStateException("A benchmark thread failed", failure.get());
		}
		return count.get() * 1e9 / elapsed;
	}

	static void check(boolean condition, Supplier<String> problem) {
		if (!condition) {
			throw new IllegalStateException("Benchmark check failed: " + problem.get());
		}
	}

}
