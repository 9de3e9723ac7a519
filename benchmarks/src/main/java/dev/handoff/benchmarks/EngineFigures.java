package dev.handoff.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.redis.RedisHandoffStore;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The figures of the engine, through a Spring Boot application with {@code @Handoff}
 * beans: shutdown, startup restore, and the time from an initiate to the receiver's
 * {@code receiveHandoff}.
 */
final class EngineFigures {

	static final HandoffStore.Policy POLICY = new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5,
			Duration.ofDays(7));

	private static final Duration SETTLE = Duration.ofMillis(150);

	private final int port;

	private final RawLettuce raw;

	private final RedisConnectionFactory seedFactory;

	private final byte[] payload;

	private int namespaces;

	/** When set, each timed part is a window of this profile. */
	@Nullable Profiler profiler;

	/**
	 * Creates the figures.
	 * @param port the redis-server
	 * @param raw the raw client, direct
	 * @param seedFactory a connection factory to seed waiting records with, through a
	 * store of their namespace
	 * @param payloadBytes the size of each participant's state, as JSON
	 */
	EngineFigures(int port, RawLettuce raw, RedisConnectionFactory seedFactory, int payloadBytes) {
		this.port = port;
		this.raw = raw;
		this.seedFactory = seedFactory;
		this.payload = json(BenchParticipant.stateOfJsonSize(payloadBytes));
	}

	private String namespace(String figure) {
		this.namespaces++;
		return figure + "-" + this.namespaces;
	}

	// Figure 4: shutdown

	/**
	 * Starts an application of participants with state, then times
	 * {@link HandoffLifecycle#stop()}.
	 */
	long handoffShutdown(int port, int participants, @Nullable CountingProxy proxy, List<CountingProxy.Burst> bursts) {
		try (BootApp app = BootApp.builder(port)
			.namespace(namespace("f4"))
			.participants(participants, BenchParticipant.stateOfJsonSize(this.payload.length))
			.start()) {
			HandoffLifecycle lifecycle = app.lifecycle();
			settle();
			if (proxy != null) {
				proxy.reset();
			}
			Instant wall = Instant.now();
			long start = System.nanoTime();
			lifecycle.stop();
			long elapsed = System.nanoTime() - start;
			if (this.profiler != null) {
				this.profiler.window(wall);
			}
			if (proxy != null) {
				bursts.addAll(proxy.bursts());
			}
			String namespace = app.context().getEnvironment().getProperty("handoff.namespace");
			for (int i = 0; i < participants; i++) {
				String label = BootApp.label(i);
				Long waiting = this.raw.sync().hlen(RawLettuce.bytes(namespace + ":handoff:{" + label + "}:pending"));
				StoreFigures.check(waiting != null && waiting == 1,
						() -> "label " + label + " has " + waiting + " waiting records after shutdown");
			}
			return elapsed;
		}
	}

	/** Times {@code participants} raw initiates in one pipeline. */
	static long rawShutdown(RawLettuce raw, int participants, byte[] payload) {
		List<byte[][]> commands = new ArrayList<>(participants);
		for (int i = 0; i < participants; i++) {
			String label = BootApp.label(i);
			commands.add(new byte[][] { RawLettuce.bytes("raw4:{" + label + "}:pending"),
					RawLettuce.bytes(StoreFigures.nextId()), payload,
					RawLettuce.bytes("raw4:{" + label + "}:notify") });
		}
		settle();
		long start = System.nanoTime();
		raw.initiateAll(commands);
		return System.nanoTime() - start;
	}

	// Figure 5: startup restore

	/**
	 * Seeds one waiting record for each of the labels, then starts an application of
	 * participants with the store check off, timing
	 * {@link HandoffLifecycle#afterSingletonsInstantiated()} within its refresh
	 * ({@link RestoreClock}).
	 */
	long handoffRestore(int port, int participants, @Nullable CountingProxy proxy, List<CountingProxy.Burst> bursts) {
		String namespace = namespace("f5");
		RedisHandoffStore seeder = new RedisHandoffStore(this.seedFactory, namespace, POLICY);
		try {
			List<HandoffRecord<byte[]>> records = new ArrayList<>();
			for (int i = 0; i < participants; i++) {
				records.add(new HandoffRecord<>(StoreFigures.nextId(), BootApp.label(i), 1, this.payload, "seeder",
						Instant.now()));
			}
			seeder.initiate(records).forEach((initiated) -> StoreFigures.check(initiated.isStored(), () -> "seed"));
		}
		finally {
			seeder.destroy();
		}
		Instant[] wall = new Instant[1];
		RestoreClock clock = new RestoreClock(() -> {
			settle();
			if (proxy != null) {
				proxy.reset();
			}
			wall[0] = Instant.now();
		}, () -> {
			if (this.profiler != null) {
				this.profiler.window(wall[0]);
			}
			if (proxy != null) {
				bursts.addAll(proxy.bursts());
			}
		});
		try (BootApp app = BootApp.builder(port)
			.namespace(namespace)
			.participants(participants, null)
			.restoreClock(clock)
			.property("handoff.store-check", "off")
			.start()) {
			for (BenchParticipant participant : app.participants()) {
				StoreFigures.check(participant.received() == 1,
						() -> "a participant received " + participant.received() + " records at startup");
			}
			return clock.elapsed();
		}
	}

	/**
	 * Seeds one raw record for each of the labels, then times their takes in one
	 * pipeline.
	 */
	static long rawRestore(RawLettuce raw, int labels, byte[] payload) {
		List<byte[][]> seeds = new ArrayList<>(labels);
		List<byte[]> keys = new ArrayList<>(labels);
		for (int i = 0; i < labels; i++) {
			String label = BootApp.label(i);
			byte[] key = RawLettuce.bytes("raw5:{" + label + "}:pending");
			keys.add(key);
			seeds.add(new byte[][] { key, RawLettuce.bytes(StoreFigures.nextId()), payload,
					RawLettuce.bytes("raw5:{" + label + "}:notify") });
		}
		raw.initiateAll(seeds);
		settle();
		long start = System.nanoTime();
		List<Map<byte[], byte[]>> taken = raw.takeAll(keys);
		long elapsed = System.nanoTime() - start;
		taken.forEach((entries) -> StoreFigures.check(entries.size() == 1, () -> "raw take got " + entries.size()));
		return elapsed;
	}

	/**
	 * Times the store's startup check, {@link HandoffStore#verify()}, which figure 5
	 * leaves out.
	 */
	static long verify(HandoffStore store) {
		long start = System.nanoTime();
		store.verify();
		return System.nanoTime() - start;
	}

	// Figure 6: initiate -> receiveHandoff

	/**
	 * A running receiver and a sender, and the raw equivalent: a subscriber that takes
	 * what it is told of.
	 */
	final class Notification implements AutoCloseable {

		private final BootApp receiver;

		private final RedisHandoffStore sender;

		private final BenchParticipant participant;

		private final String namespace = namespace("f6");

		private final StatefulRedisPubSubConnection<byte[], byte[]> subscriber;

		private final ExecutorService taker = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "raw-taker");
			thread.setDaemon(true);
			return thread;
		});

		private final AtomicReference<CompletableFuture<Long>> rawArrival = new AtomicReference<>();

		private final byte[] rawKey = RawLettuce.bytes("raw6:{p00}:pending");

		private final byte[] rawChannel = RawLettuce.bytes("raw6:{p00}:notify");

		Notification() {
			this.receiver = BootApp.builder(EngineFigures.this.port)
				.namespace(this.namespace)
				.participants(1, null)
				.start();
			this.participant = this.receiver.participants().get(0);
			this.sender = new RedisHandoffStore(EngineFigures.this.seedFactory, this.namespace, POLICY);
			this.subscriber = EngineFigures.this.raw.client().connectPubSub(ByteArrayCodec.INSTANCE);
			this.subscriber.addListener(new RedisPubSubAdapter<>() {

				@Override
				public void message(byte[] channel, byte[] message) {
					// Off the event loop, as a real subscriber would, and as Handoff
					// does.
					Notification.this.taker.execute(() -> {
						Map<byte[], byte[]> taken = EngineFigures.this.raw.take(Notification.this.rawKey);
						long now = System.nanoTime();
						CompletableFuture<Long> arrival = Notification.this.rawArrival.get();
						if (arrival != null && taken.size() == 1) {
							arrival.complete(now);
						}
					});
				}

			});
			this.subscriber.sync().subscribe(this.rawChannel);
		}

		long handoff() throws Exception {
			HandoffRecord<byte[]> record = new HandoffRecord<>(StoreFigures.nextId(), BootApp.label(0), 1,
					EngineFigures.this.payload, "sender", Instant.now());
			CompletableFuture<Long> arrival = new CompletableFuture<>();
			this.participant.onReceived(arrival::complete);
			Instant wall = Instant.now();
			long start = System.nanoTime();
			HandoffStore.Initiated initiated = this.sender.initiate(record);
			long arrived = arrival.get(10, TimeUnit.SECONDS);
			Profiler profiler = EngineFigures.this.profiler;
			if (profiler != null) {
				profiler.window(wall);
			}
			StoreFigures.check(initiated.isStored(), () -> "initiate: " + initiated);
			awaitSettled();
			return arrived - start;
		}

		/**
		 * Waits until the receiver has acknowledged, so that the next sample does not
		 * meet this one.
		 */
		private void awaitSettled() {
			byte[] claims = RawLettuce.bytes(this.namespace + ":handoff:{p00}:claims");
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (EngineFigures.this.raw.sync().zcard(claims) > 0) {
				StoreFigures.check(System.nanoTime() < deadline, () -> "the receiver did not acknowledge");
				LockSupport.parkNanos(50_000);
			}
		}

		long raw() throws Exception {
			byte[] field = RawLettuce.bytes(StoreFigures.nextId());
			CompletableFuture<Long> arrival = new CompletableFuture<>();
			this.rawArrival.set(arrival);
			long start = System.nanoTime();
			EngineFigures.this.raw.initiate(this.rawKey, field, EngineFigures.this.payload, this.rawChannel);
			long arrived = arrival.get(10, TimeUnit.SECONDS);
			return arrived - start;
		}

		@Override
		public void close() {
			this.subscriber.close();
			this.taker.shutdownNow();
			this.sender.destroy();
			this.receiver.close();
		}

	}

	/**
	 * Lets the machine calm down before a sample of a figure that starts an application
	 * each time: the garbage of the start is collected and its background threads (JIT,
	 * Netty) settle, for Handoff's sample and raw's alike.
	 */
	static void settle() {
		System.gc();
		try {
			Thread.sleep(SETTLE.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static byte[] json(String state) {
		return ("\"" + state + "\"").getBytes(StandardCharsets.UTF_8);
	}

}
