package dev.handoff.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.RedisServerProcess;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.StringUtils;

/**
 * Where the time goes, for the report: each figure split into the parts that can be
 * measured from outside the store, without changing it.
 * <ul>
 * <li>Store latency: the store's call, against Handoff's own scripts sent raw with the
 * same keys and arguments, against the minimal raw baseline, interleaved; the difference
 * between the first two is the store's Java path, between the last two the scripts.
 * Redis' {@code INFO commandstats} gives the server's time per call, and the JVM's
 * process CPU time the client's CPU per operation.</li>
 * <li>Engine latency: timelines of one startup restore and of notifications, seen by the
 * {@link CountingProxy}.</li>
 * </ul>
 */
final class Diagnosis {

	private static final long TTL = 3_600_000;

	private static final long KEY_TTL = TTL + 7L * 24 * 3_600_000;

	private final RedisServerProcess redis;

	private final RawLettuce raw;

	private final Report report;

	private final String initiateSha;

	private final String claimSha;

	private final String acknowledgeSha;

	private final JsonMapper mapper = JsonMapper.builder().build();

	Diagnosis(RedisServerProcess redis, RawLettuce raw, Report report) {
		this.redis = redis;
		this.raw = raw;
		this.report = report;
		this.initiateSha = load("initiate");
		this.claimSha = load("claim");
		this.acknowledgeSha = load("acknowledge");
	}

	private String load(String script) {
		try (InputStream in = HandoffStore.class.getResourceAsStream("/dev/handoff/redis/" + script + ".lua")) {
			StoreFigures.check(in != null, () -> "no " + script + ".lua on the classpath");
			return this.raw.sync().scriptLoad(in.readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	// The store's own scripts, sent raw

	/** Handoff's keys of a label in the namespace {@code diag}. */
	private static byte[] key(String label, String suffix) {
		return RawLettuce.bytes("diag:handoff:{" + label + "}:" + suffix);
	}

	private byte[] envelope(String id, String label, byte[] payload) {
		Map<String, Object> header = new LinkedHashMap<>();
		header.put("format", 1);
		header.put("id", id);
		header.put("label", label);
		header.put("version", 1);
		header.put("origin", "bench");
		header.put("createdAt", Instant.now().toString());
		byte[] json = this.mapper.writeValueAsBytes(header);
		byte[] envelope = new byte[json.length + 1 + payload.length];
		System.arraycopy(json, 0, envelope, 0, json.length);
		envelope[json.length] = '\n';
		System.arraycopy(payload, 0, envelope, json.length + 1, payload.length);
		return envelope;
	}

	/**
	 * {@code EVALSHA initiate.lua} with the keys and arguments the store sends, the
	 * envelope made beforehand.
	 */
	private void initiateScript(String label, String id, byte[] envelope) {
		Long stored = this.raw.sync()
			.evalsha(this.initiateSha, ScriptOutputType.INTEGER,
					new byte[][] { key(label, "pending"), key(label, "expiry"), key(label, "owner"),
							key(label, "acked"), key(label, "dead"), key(label, "released") },
					RawLettuce.bytes(id), envelope, key(label, "notify"), RawLettuce.bytes("" + TTL),
					RawLettuce.bytes("" + KEY_TTL));
		StoreFigures.check(stored != null && stored == 1, () -> "initiate.lua returned " + stored);
	}

	/**
	 * {@code EVALSHA claim.lua} and {@code HGETALL} in one flush, as the store sends
	 * them.
	 */
	private String claimScript(String label) {
		String claimId = "bench/" + StoreFigures.nextId();
		byte[] claimKey = key(label, "claim:" + claimId);
		RedisAsyncCommands<byte[], byte[]> async = this.raw.pipelineAsync();
		RedisFuture<List<Object>> claimed = async.evalsha(this.claimSha, ScriptOutputType.MULTI,
				new byte[][] { key(label, "pending"), key(label, "expiry"), key(label, "attempts"), key(label, "owner"),
						key(label, "claims"), claimKey, key(label, "dead"), key(label, "dead-reasons"),
						key(label, "dead-expiry"), key(label, "released"), key(label, "released-versions"),
						key(label, "report:" + claimId) },
				RawLettuce.bytes(claimId), RawLettuce.bytes("30000"), RawLettuce.bytes("" + KEY_TTL),
				RawLettuce.bytes("" + (7L * 24 * 3_600_000)), RawLettuce.bytes("5"), RawLettuce.bytes("1"),
				RawLettuce.bytes("" + (64L << 20)), RawLettuce.bytes("" + (64L << 20)));
		RedisFuture<Map<byte[], byte[]>> entries = async.hgetall(claimKey);
		this.raw.flushPipeline();
		RawLettuce.await(claimed);
		StoreFigures.check(RawLettuce.await(entries).size() == 1, () -> "claim.lua claimed nothing");
		return claimId;
	}

	/** {@code EVALSHA acknowledge.lua} as the store sends it. */
	private void acknowledgeScript(String label, String claimId, String id) {
		List<Object> acknowledged = this.raw.sync()
			.evalsha(this.acknowledgeSha, ScriptOutputType.MULTI,
					new byte[][] { key(label, "claim:" + claimId), key(label, "claims"), key(label, "owner"),
							key(label, "expiry"), key(label, "attempts"), key(label, "acked"), key(label, "acked-by"),
							key(label, "report:" + claimId) },
					RawLettuce.bytes(claimId), RawLettuce.bytes("" + TTL), RawLettuce.bytes(id));
		StoreFigures.check(acknowledged != null && acknowledged.equals(List.of(1L)),
				() -> "acknowledge.lua returned " + acknowledged);
	}

	/**
	 * Durations of the steps of one operation, recorded while the interleaved rounds are
	 * measured.
	 */
	private static final class Steps {

		private final Samples[] samples;

		private volatile boolean measuring;

		Steps(int steps) {
			this.samples = new Samples[steps];
			for (int i = 0; i < steps; i++) {
				this.samples[i] = new Samples(1024);
			}
		}

		void record(long... nanos) {
			if (this.measuring) {
				for (int i = 0; i < nanos.length; i++) {
					this.samples[i].add(nanos[i]);
				}
			}
		}

		String p50(int step) {
			return Report.duration(this.samples[step].p50());
		}

	}

	// Figure 1 and 2 breakdowns

	void initiate(Interleaved.Plan plan, HandoffStore store, byte[] payload) throws Exception {
		byte[] rawKey = RawLettuce.bytes("raw:{d1}:pending");
		byte[] rawChannel = RawLettuce.bytes("raw:{d1}:notify");
		Interleaved.Op storeOp = () -> {
			HandoffRecord<byte[]> record = StoreFigures.record("d1", payload);
			long start = System.nanoTime();
			store.initiate(record);
			return System.nanoTime() - start;
		};
		Interleaved.Op scriptOp = () -> {
			String id = StoreFigures.nextId();
			byte[] envelope = envelope(id, "d1", payload);
			long start = System.nanoTime();
			initiateScript("d1", id, envelope);
			return System.nanoTime() - start;
		};
		Interleaved.Op rawOp = () -> {
			byte[] field = RawLettuce.bytes(StoreFigures.nextId());
			long start = System.nanoTime();
			this.raw.initiate(rawKey, field, payload, rawChannel);
			return System.nanoTime() - start;
		};
		Samples[] samples = Interleaved.compare(plan, null, storeOp, scriptOp, rawOp);
		int batch = Math.max(500, plan.rounds() * plan.perRound() / 2);
		Cost storeCost = cost(batch, storeOp, "evalsha");
		Cost scriptCost = cost(batch, scriptOp, "evalsha");
		Cost rawCost = cost(batch, rawOp, "evalsha");
		this.raw.sync().flushall();
		this.report.note("Breakdown of 1 (initiate, Lettuce), p50, interleaved: (a) store.initiate "
				+ Report.duration(samples[0].p50()) + "; (b) Handoff's initiate.lua sent raw with the store's keys and "
				+ "arguments (the envelope made before the clock starts) " + Report.duration(samples[1].p50())
				+ "; (c) the minimal raw script " + Report.duration(samples[2].p50())
				+ ". (a) - (b), the store's Java path: " + Report.duration(samples[0].p50() - samples[1].p50())
				+ "; (b) - (c), the bigger script: " + Report.duration(samples[1].p50() - samples[2].p50())
				+ ". Per initiate, run alone " + batch + " times: Redis " + storeCost.server() + " / "
				+ scriptCost.server() + " / " + rawCost.server() + " (commandstats); this JVM's CPU "
				+ storeCost.client() + " / " + scriptCost.client() + " / " + rawCost.client() + "; redis-server's CPU "
				+ storeCost.redisCpu() + " / " + scriptCost.redisCpu() + " / " + rawCost.redisCpu()
				+ ". Redis' time per initiate by command, the scripts' inner calls " + "included: the store: "
				+ storeCost.topCommands(6) + "; raw: " + rawCost.topCommands(4));
	}

	void handoff(String figure, String label, Interleaved.Plan plan, HandoffStore store, byte[] payload, int batch)
			throws Exception {
		byte[] rawKey = RawLettuce.bytes("raw:{" + label + "}:pending");
		byte[] rawChannel = RawLettuce.bytes("raw:{" + label + "}:notify");
		String scriptLabel = label + "s";
		Steps storeSteps = new Steps(3);
		Steps scriptSteps = new Steps(3);
		Steps rawSteps = new Steps(2);
		Interleaved.Op storeOp = () -> {
			HandoffRecord<byte[]> record = StoreFigures.record(label, payload);
			long start = System.nanoTime();
			store.initiate(record);
			long initiated = System.nanoTime();
			HandoffClaim claim = store.claim(label, "bench");
			long claimed = System.nanoTime();
			store.acknowledge(claim, List.of(record.id()));
			long end = System.nanoTime();
			storeSteps.record(initiated - start, claimed - initiated, end - claimed);
			return end - start;
		};
		Interleaved.Op scriptOp = () -> {
			String id = StoreFigures.nextId();
			byte[] envelope = envelope(id, scriptLabel, payload);
			long start = System.nanoTime();
			initiateScript(scriptLabel, id, envelope);
			long initiated = System.nanoTime();
			String claimId = claimScript(scriptLabel);
			long claimed = System.nanoTime();
			acknowledgeScript(scriptLabel, claimId, id);
			long end = System.nanoTime();
			scriptSteps.record(initiated - start, claimed - initiated, end - claimed);
			return end - start;
		};
		Interleaved.Op rawOp = () -> {
			byte[] field = RawLettuce.bytes(StoreFigures.nextId());
			long start = System.nanoTime();
			this.raw.initiate(rawKey, field, payload, rawChannel);
			long initiated = System.nanoTime();
			this.raw.take(rawKey);
			long end = System.nanoTime();
			rawSteps.record(initiated - start, end - initiated);
			return end - start;
		};
		Samples[] samples = Interleaved.compare(plan, () -> {
			storeSteps.measuring = true;
			scriptSteps.measuring = true;
			rawSteps.measuring = true;
		}, storeOp, scriptOp, rawOp);
		storeSteps.measuring = false;
		scriptSteps.measuring = false;
		rawSteps.measuring = false;
		Cost storeCost = cost(batch, storeOp, "evalsha", "hgetall");
		Cost scriptCost = cost(batch, scriptOp, "evalsha", "hgetall");
		Cost rawCost = cost(batch, rawOp, "evalsha", "multi", "exec");
		this.raw.sync().flushall();
		this.report.note("Breakdown of " + figure + ", p50, interleaved: (a) the store "
				+ Report.duration(samples[0].p50()) + " = initiate " + storeSteps.p50(0) + " + claim "
				+ storeSteps.p50(1) + " + acknowledge " + storeSteps.p50(2) + "; (b) Handoff's scripts sent raw "
				+ "with the store's keys and arguments (the envelope made before the clock starts) "
				+ Report.duration(samples[1].p50()) + " = initiate.lua " + scriptSteps.p50(0)
				+ " + claim.lua and HGETALL in one flush " + scriptSteps.p50(1) + " + acknowledge.lua "
				+ scriptSteps.p50(2) + "; (c) raw " + Report.duration(samples[2].p50()) + " = EVALSHA "
				+ rawSteps.p50(0) + " + MULTI{HGETALL,DEL} " + rawSteps.p50(1) + ". (a) - (b), the "
				+ "store's Java path: " + Report.duration(samples[0].p50() - samples[1].p50()) + "; (b) - (c), the "
				+ "protocol (bigger scripts, a third round trip): "
				+ Report.duration(samples[1].p50() - samples[2].p50()) + ". Per handoff, run alone " + batch
				+ " times: Redis " + storeCost.server() + " / " + scriptCost.server() + " / " + rawCost.server()
				+ " (commandstats, top-level commands); this JVM's CPU " + storeCost.client() + " / "
				+ scriptCost.client() + " / " + rawCost.client() + "; redis-server's CPU " + storeCost.redisCpu()
				+ " / " + scriptCost.redisCpu() + " / " + rawCost.redisCpu() + ". Redis' time per handoff by command, "
				+ "the scripts' inner calls included: the store: " + storeCost.topCommands(8) + "; raw: "
				+ rawCost.topCommands(5));
	}

	/**
	 * What one operation costs, averaged over a batch run alone.
	 *
	 * @param serverMicros Redis' time in the top-level commands, per operation, from
	 * {@code INFO commandstats}
	 * @param clientCpuMicros this JVM's CPU time per operation, all threads (Netty's
	 * included)
	 * @param redisCpuMicros the redis-server process' CPU time per operation
	 */
	record Cost(double serverMicros, double clientCpuMicros, double redisCpuMicros, Map<String, double[]> commands) {

		/**
		 * The commands Redis ran most time in, per operation, scripts' inner calls
		 * included.
		 */
		String topCommands(int limit) {
			List<String> parts = new ArrayList<>();
			this.commands.entrySet()
				.stream()
				.sorted((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]))
				.limit(limit)
				.forEach((entry) -> parts.add(String.format(Locale.ROOT, "%s %.1f µs (%.1f calls)", entry.getKey(),
						entry.getValue()[1], entry.getValue()[0])));
			return String.join(", ", parts);
		}

		String server() {
			return String.format(Locale.ROOT, "%.1f µs", this.serverMicros);
		}

		String client() {
			return String.format(Locale.ROOT, "%.0f µs", this.clientCpuMicros);
		}

		String redisCpu() {
			return String.format(Locale.ROOT, "%.0f µs", this.redisCpuMicros);
		}

	}

	Cost cost(int times, Interleaved.Op op, String... commands) throws Exception {
		this.redis.command("CONFIG", "RESETSTAT");
		double redisCpu = redisCpuSeconds();
		long cpu = processCpuNanos();
		for (int i = 0; i < times; i++) {
			op.run();
		}
		long clientCpu = processCpuNanos() - cpu;
		double redisCpuUsed = redisCpuSeconds() - redisCpu;
		Map<String, String> stats = this.redis.info("commandstats");
		Map<String, double[]> perCommand = new LinkedHashMap<>();
		stats.forEach((name, stat) -> {
			double[] callsAndUsec = new double[2];
			for (String field : StringUtils.commaDelimitedListToStringArray(stat)) {
				if (field.startsWith("calls=")) {
					callsAndUsec[0] = Double.parseDouble(field.substring("calls=".length())) / times;
				}
				else if (field.startsWith("usec=")) {
					callsAndUsec[1] = Double.parseDouble(field.substring("usec=".length())) / times;
				}
			}
			String command = name.substring("cmdstat_".length());
			if (!command.equals("config") && !command.equals("info")) {
				perCommand.put(command, callsAndUsec);
			}
		});
		double usec = 0;
		for (String command : commands) {
			double[] stat = perCommand.get(command);
			if (stat != null) {
				usec += stat[1];
			}
		}
		return new Cost(usec, clientCpu / 1e3 / times, redisCpuUsed * 1e6 / times, perCommand);
	}

	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	double redisCpuSeconds() {
		Map<String, String> cpu = this.redis.info("cpu");
		return Double.parseDouble(cpu.get("used_cpu_user")) + Double.parseDouble(cpu.get("used_cpu_sys"));
	}

	// Engine timelines

	/** One shutdown of 50 participants through the proxy, as a timeline. */
	void shutdownTimeline(String namespace, int participants, String state, CountingProxy proxy) {
		try (BootApp app = BootApp.builder(proxy.port())
			.namespace(namespace)
			.participants(participants, state)
			.start()) {
			EngineFigures.settle();
			proxy.reset();
			long start = System.nanoTime();
			app.lifecycle().stop();
			long end = System.nanoTime();
			Map<String, Long> marks = new LinkedHashMap<>();
			marks.put("HandoffLifecycle.stop() begins", start);
			marks.put("stop() returned", end);
			this.report.note(
					"Timeline of one shutdown of " + participants + " participants (figure 4), through a " + "proxy:\n"
							+ CountingProxy.timeline(start, proxy.bursts(), proxy.replies(), marks).stripTrailing());
		}
	}

	/** One startup restore of 50 labels through the proxy, as a timeline. */
	void restoreTimeline(int port, RedisHandoffStore seeder, String namespace, int participants, byte[] payload,
			CountingProxy proxy) {
		List<HandoffRecord<byte[]>> records = new ArrayList<>();
		for (int i = 0; i < participants; i++) {
			records
				.add(new HandoffRecord<>(StoreFigures.nextId(), BootApp.label(i), 1, payload, "seeder", Instant.now()));
		}
		seeder.initiate(records);
		ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
		List<CountingProxy.Burst> bursts = new ArrayList<>();
		List<CountingProxy.Reply> replies = new ArrayList<>();
		long[] clock = new long[2];
		RestoreClock restore = new RestoreClock(() -> {
			proxy.reset();
			clock[0] = System.nanoTime();
		}, () -> {
			clock[1] = System.nanoTime();
			bursts.addAll(proxy.bursts());
			replies.addAll(proxy.replies());
		});
		try (BootApp app = BootApp.builder(port)
			.namespace(namespace)
			.participants(participants, null)
			.restoreClock(restore)
			.onReceived(received::add)
			.property("handoff.store-check", "off")
			.start()) {
			Map<String, Long> marks = new LinkedHashMap<>();
			marks.put("clock starts: HandoffLifecycle.afterSingletonsInstantiated() begins", clock[0]);
			marks.put("first receiveHandoff", received.stream().min(Long::compare).orElse(0L));
			marks.put("last receiveHandoff", received.stream().max(Long::compare).orElse(0L));
			marks.put("clock stops: afterSingletonsInstantiated() returned", clock[1]);
			int delivered = app.participants().stream().mapToInt(BenchParticipant::received).sum();
			StoreFigures.check(delivered == participants, () -> delivered + " records restored");
			this.report.note("Timeline of one startup restore of " + participants + " labels (figure 5), through the "
					+ "counting proxy, which adds its own hops:\n"
					+ CountingProxy.timeline(clock[0], bursts, replies, marks).stripTrailing());
		}
	}

	/**
	 * Notifications through the proxy: the receiver's connections go through it, the
	 * sender's do not. Gives the median of each phase over the samples, and one sample's
	 * timeline.
	 */
	void notificationTimeline(int port, RedisHandoffStore sender, String namespace, byte[] payload, CountingProxy proxy,
			int samples) throws Exception {
		try (BootApp receiver = BootApp.builder(proxy.port()).namespace(namespace).participants(1, null).start()) {
			BenchParticipant participant = receiver.participants().get(0);
			List<long[]> phases = new ArrayList<>();
			String last = "";
			for (int i = 0; i < samples + 5; i++) {
				Thread.sleep(5);
				CompletableFuture<Long> arrival = new CompletableFuture<>();
				participant.onReceived(arrival::complete);
				HandoffRecord<byte[]> record = new HandoffRecord<>(StoreFigures.nextId(), BootApp.label(0), 1, payload,
						"sender", Instant.now());
				proxy.reset();
				long start = System.nanoTime();
				sender.initiate(record);
				long returned = System.nanoTime();
				long arrived = arrival.get(10, TimeUnit.SECONDS);
				Thread.sleep(5);
				List<CountingProxy.Burst> bursts = proxy.bursts();
				List<CountingProxy.Reply> replies = proxy.replies();
				CountingProxy.Burst claim = bursts.stream()
					.filter((burst) -> burst.commands.contains("EVALSHA claim.lua"))
					.findFirst()
					.orElse(null);
				if (claim == null || replies.isEmpty()) {
					continue;
				}
				long push = replies.stream()
					.filter((reply) -> reply.connection() != claim.connection)
					.mapToLong(CountingProxy.Reply::nanos)
					.min()
					.orElse(start);
				long claimReply = replies.stream()
					.filter((reply) -> reply.connection() == claim.connection && reply.nanos() > claim.nanos)
					.mapToLong(CountingProxy.Reply::nanos)
					.min()
					.orElse(arrived);
				if (i >= 5) {
					phases.add(new long[] { push - start, claim.nanos - push, claimReply - claim.nanos,
							arrived - claimReply, arrived - start, returned - start });
				}
				Map<String, Long> marks = new LinkedHashMap<>();
				marks.put("sender calls initiate", start);
				marks.put("sender's initiate returns", returned);
				marks.put("receiveHandoff called", arrived);
				last = CountingProxy.timeline(start, bursts, replies, marks);
			}
			String[] names = { "initiate call -> message pushed to the receiver",
					"message -> the receiver sends its " + "claim (listener container thread, ClaimScheduler executor)",
					"claim sent -> its reply (Redis " + "runs claim.lua + HGETALL)",
					"claim reply -> receiveHandoff (decode, JSON, delivery)", "total, initiate call -> receiveHandoff",
					"(sender's initiate call -> its reply)" };
			StringBuilder text = new StringBuilder("Phases of initiate → receiveHandoff (figure 6), median of "
					+ phases.size() + " samples with the receiver behind the counting proxy:");
			for (int p = 0; p < names.length; p++) {
				Samples phase = new Samples(phases.size());
				for (long[] sample : phases) {
					phase.add(Math.max(0, sample[p]));
				}
				text.append("\n    ").append(Report.duration(phase.p50())).append("  ").append(names[p]);
			}
			text.append("\n  one sample:\n").append(last.stripTrailing());
			this.report.note(text.toString());
		}
	}

	RedisCommands<byte[], byte[]> sync() {
		return this.raw.sync();
	}

}
