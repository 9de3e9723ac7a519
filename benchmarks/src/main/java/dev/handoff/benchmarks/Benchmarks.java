package dev.handoff.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.Set;

import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.Resp;
import io.lettuce.core.RedisClient;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringBootVersion;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.StringUtils;

/**
 * Measures Handoff against raw Lettuce (and Jedis) on one {@code redis-server} that it
 * starts on loopback, in one JVM, interleaving the two in small rounds, and prints a
 * Markdown table of ratios with the machine it ran on. <pre class="code">
 * ./mvnw -q -pl benchmarks -am -DskipTests package &amp;&amp; java -jar benchmarks/target/benchmarks.jar [options]
 * </pre> Options: {@code --quick} (a fifth of the rounds), {@code --figures=1,2,8} (a
 * subset of 1 to 11, which run by default; 12, the smallest {@code -Xmx} with which a
 * child JVM hands off and receives 100 MiB, and 13, 1 GiB at a fixed {@code -Xmx}, run
 * only when named, see {@link MemoryFigures}), {@code --no-jedis}, {@code --no-breakdown}
 * (no notes on where the time goes), {@code --scale=F} (F times the rounds), and
 * {@code --profile=N} (instead of the table, Java Flight Recorder on Handoff's side of
 * figure N). It is a plain harness rather than JMH because the two sides must alternate
 * in small rounds within one measurement; see README.md.
 */
public final class Benchmarks {

	private static final int PAYLOAD = 100;

	private static final int TEN_MIB = 10 * 1024 * 1024;

	private static final int PARTICIPANTS = 50;

	private static final int THREADS = 8;

	private static final int IN_FLIGHT = 16;

	private final Set<Integer> figures;

	private final boolean jedis;

	private final double scale;

	private final boolean quick;

	private final boolean breakdown;

	private final Report report = new Report();

	private @Nullable Diagnosis diagnosis;

	private String loadBefore = "";

	private final Map<String, String> scripts = new HashMap<>();

	private Benchmarks(Set<Integer> figures, boolean jedis, double scale, boolean quick, boolean breakdown) {
		this.breakdown = breakdown;
		this.figures = figures;
		this.jedis = jedis;
		this.scale = scale;
		this.quick = quick;
	}

	public static void main(String[] args) throws Exception {
		// Before any logger exists: the harness's test-jar brings a logback-test.xml that
		// Logback would pick first.
		System.setProperty("logback.configurationFile", "handoff-benchmarks-logback.xml");
		System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
		if (args.length > 0 && args[0].startsWith(MemoryFigures.CHILD)) {
			System.exit(MemoryFigures.child(args));
		}
		Set<Integer> figures = new LinkedHashSet<>(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
		boolean jedis = true;
		double scale = 1;
		boolean quick = false;
		boolean breakdown = true;
		int profile = 0;
		for (String arg : args) {
			if (arg.equals("--quick")) {
				quick = true;
				scale = 0.2;
			}
			else if (arg.equals("--no-jedis")) {
				jedis = false;
			}
			else if (arg.equals("--no-breakdown")) {
				breakdown = false;
			}
			else if (arg.startsWith("--figures=")) {
				figures.clear();
				for (String figure : StringUtils
					.commaDelimitedListToStringArray(arg.substring("--figures=".length()))) {
					figures.add(Integer.parseInt(figure.trim()));
				}
			}
			else if (arg.startsWith("--profile=")) {
				profile = Integer.parseInt(arg.substring("--profile=".length()));
			}
			else if (arg.startsWith("--scale=")) {
				scale = Double.parseDouble(arg.substring("--scale=".length()));
			}
			else {
				System.err.println("Usage: java -jar benchmarks/target/benchmarks.jar [--quick] [--figures=1,2,...] "
						+ "[--no-jedis] [--no-breakdown] [--scale=F]\n"
						+ "  --quick         about a fifth of the rounds\n"
						+ "  --figures=      only these figures (1-11 by default; 12: the smallest -Xmx that hands off "
						+ "and receives 100 MiB, in child JVMs; 13: 1 GiB at a fixed -Xmx; 12 and 13 run only when named)\n"
						+ "  --no-jedis      skip the Jedis rows\n"
						+ "  --no-breakdown  skip the notes on where the time goes\n"
						+ "  --scale=F       F times the default rounds\n"
						+ "  --profile=N     instead of the table: where Handoff's time goes in figure N, from JFR");
				System.exit(arg.equals("--help") ? 0 : 2);
			}
		}
		Benchmarks benchmarks = new Benchmarks(figures, jedis, scale, quick, breakdown);
		if (profile > 0) {
			benchmarks.profile(profile);
		}
		else {
			benchmarks.run();
		}
		System.exit(0);
	}

	private void run() throws Exception {
		long began = System.nanoTime();
		String loadBefore = Report.loadAverage();
		if (!loadBefore.isEmpty() && Double.parseDouble(StringUtils.tokenizeToStringArray(loadBefore, " ")[0]) > 0.5
				* Runtime.getRuntime().availableProcessors()) {
			progress("warning: load average " + loadBefore + " before the start: something else uses the CPU, and "
					+ "the figures will show it");
		}
		this.loadBefore = loadBefore;
		progress("starting redis-server");
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			int port = redis.port();
			Map<String, String> server = redis.info("server");
			String redisLine = "redis-server " + server.get("redis_version") + " (" + RedisServerProcess.executable()
					+ "), on 127.0.0.1:" + port + ", --save \"\" --appendonly no";
			try (RawLettuce raw = new RawLettuce(port);
					BootApp app = BootApp.builder(port).namespace("bench").start()) {
				this.scripts.put(raw.sha, "raw-initiate");
				loadScriptNames();
				if (this.breakdown) {
					this.diagnosis = new Diagnosis(redis, raw, this.report);
				}
				HandoffStore store = app.store();
				progress("Lettuce store: " + store.describe());
				runLettuce(port, raw, app, store);
				if (this.jedis && (this.figures.contains(1) || this.figures.contains(2) || this.figures.contains(7))) {
					runJedis(port, raw);
				}
			}
			print(redisLine, (System.nanoTime() - began) / 1e9);
		}
	}

	/**
	 * Runs the Handoff side of one figure under Java Flight Recorder and prints where the
	 * time goes.
	 * @param figure the figure, 1 to 7
	 */
	private void profile(int figure) throws Exception {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			int port = redis.port();
			try (RawLettuce raw = new RawLettuce(port);
					BootApp app = BootApp.builder(port).namespace("bench").start()) {
				HandoffStore store = app.store();
				byte[] payload = payload((figure == 7) ? TEN_MIB : PAYLOAD);
				int times = (int) Math.max(5, Math.round(switch (figure) {
					case 1 -> 5000;
					case 2 -> 3000;
					case 6 -> 1000;
					case 7 -> 30;
					default -> 20;
				} * this.scale));
				EngineFigures engine = new EngineFigures(port, raw, app.connectionFactory(), PAYLOAD);
				EngineFigures.Notification notification = (figure == 6) ? engine.new Notification() : null;
				Interleaved.Op op = switch (figure) {
					case 1 -> () -> {
						store.initiate(StoreFigures.record("f1", payload));
						return 0;
					};
					case 2, 7 -> () -> {
						HandoffRecord<byte[]> record = StoreFigures.record("f2", payload);
						store.initiate(record);
						store.acknowledge(store.claim("f2", "bench"), List.of(record.id()));
						return 0;
					};
					case 3 -> () -> (long) StoreFigures.handoffThroughput(store, THREADS, 1000, payload);
					case 4 -> () -> engine.handoffShutdown(port, PARTICIPANTS, null, new ArrayList<>());
					case 5 -> () -> engine.handoffRestore(port, PARTICIPANTS, null, new ArrayList<>());
					case 6 -> Objects.requireNonNull(notification)::handoff;
					default -> throw new IllegalArgumentException("No figure " + figure);
				};
				progress("profile of figure " + figure + ": warming up");
				for (int i = 0; i < Math.max(3, times / 3); i++) {
					op.run();
				}
				raw.sync().flushall();
				progress("profile of figure " + figure + ": " + times + " times under JFR");
				Profiler profiler = new Profiler();
				engine.profiler = profiler;
				for (int i = 0; i < times; i++) {
					if (figure == 4 || figure == 5 || figure == 6) {
						op.run();
					}
					else {
						profiler.window(op);
					}
					if (figure == 4 || figure == 5) {
						raw.sync().flushall();
					}
				}
				if (notification != null) {
					notification.close();
				}
				System.out.println();
				System.out.println(profiler.report("figure " + figure + ", Handoff's side (Lettuce), " + times
						+ " times; machine: " + Report.machine()));
			}
		}
	}

	private void runLettuce(int port, RawLettuce raw, BootApp app, HandoffStore store) throws Exception {
		byte[] payload = payload(PAYLOAD);
		if (this.figures.contains(1)) {
			progress("figure 1: initiate p50");
			this.report.latency("1. initiate p50 (Lettuce)",
					StoreFigures.initiate(plan(20, 160, 50), store, RawClient.of(raw), "f1", payload), 1.5);
			raw.sync().flushall();
			if (this.diagnosis != null) {
				progress("figure 1: breakdown");
				this.diagnosis.initiate(plan(10, 60, 50), store, payload);
			}
		}
		if (this.figures.contains(2)) {
			progress("figure 2: initiate+claim+ack p50");
			this.report.latency("2. initiate+claim+ack p50 (Lettuce)",
					StoreFigures.handoff(plan(20, 120, 25), store, RawClient.of(raw), "f2", payload), 1.5);
			raw.sync().flushall();
			if (this.diagnosis != null) {
				progress("figure 2: breakdown");
				this.diagnosis.handoff("2 (initiate+claim+ack, Lettuce)", "d2", plan(10, 60, 25), store, payload,
						Math.max(300, (int) (1500 * this.scale)));
			}
		}
		if (this.figures.contains(3)) {
			throughput(raw, store, payload);
		}
		EngineFigures engine = new EngineFigures(port, raw, app.connectionFactory(), PAYLOAD);
		if (this.figures.contains(4)) {
			shutdown(port, raw, engine, payload);
		}
		if (this.figures.contains(5)) {
			restore(port, raw, engine, payload, store, app.connectionFactory());
		}
		if (this.figures.contains(10)) {
			checkpoints(port, raw, store, payload);
		}
		if (this.figures.contains(6)) {
			progress("figure 6: initiate -> receiveHandoff p50");
			try (EngineFigures.Notification notification = engine.new Notification()) {
				this.report.latency("6. initiate → receiveHandoff p50 (Lettuce)",
						Interleaved.latency(plan(10, 60, 20), notification::handoff, notification::raw, null), 1.5);
			}
			raw.sync().flushall();
			if (this.diagnosis != null) {
				progress("figure 6: breakdown");
				try (CountingProxy proxy = CountingProxy.start(port, this::scriptName, false)) {
					RedisHandoffStore sender = new RedisHandoffStore(app.connectionFactory(), "d6",
							EngineFigures.POLICY);
					try {
						this.diagnosis.notificationTimeline(port, sender, "d6", EngineFigures.json("x".repeat(98)),
								proxy, this.quick ? 20 : 100);
					}
					finally {
						sender.destroy();
					}
				}
				raw.sync().flushall();
			}
		}
		if (this.figures.contains(7)) {
			progress("figure 7: 10 MiB initiate+claim+ack p50");
			this.report.latency("7. 10 MiB initiate+claim+ack p50 (Lettuce)",
					StoreFigures.handoff(plan(2, 12, 2), store, RawClient.of(raw), "f7", payload(TEN_MIB)), 1.0);
			raw.sync().flushall();
			if (this.diagnosis != null) {
				progress("figure 7: breakdown");
				this.diagnosis.handoff("7 (10 MiB initiate+claim+ack, Lettuce)", "d7", plan(1, 6, 2), store,
						payload(TEN_MIB), 5);
			}
		}
		if (this.figures.contains(8)) {
			receive(raw, app, store, true);
		}
		if (this.figures.contains(9)) {
			receive(raw, app, store, false);
		}
		if (this.figures.contains(11)) {
			compression(raw);
		}
		if (this.figures.contains(12) || this.figures.contains(13)) {
			raw.sync().flushall();
			MemoryFigures memory = new MemoryFigures(port, raw, this.report, Benchmarks::progress);
			if (this.figures.contains(12)) {
				memory.figure12();
			}
			if (this.figures.contains(13)) {
				memory.figure13();
			}
		}
	}

	/** Figure 11: what compressing a large map would cost and save. */
	private void compression(RawLettuce raw) throws Exception {
		String figure = "11. deflate a " + ReadFigures.MAP_ENTRIES / 1000 + "k-entry map before Redis (Lettuce)";
		progress("figure " + figure);
		byte[] json = ReadFigures.json(ReadFigures.map(ReadFigures.MAP_ENTRIES));
		int compressedSize = CompressionFigure.deflate(json).length;
		Interleaved.Result result = Interleaved.latency(plan(2, 12, 2), () -> CompressionFigure.compressed(raw, json),
				() -> CompressionFigure.plain(raw, json), System::gc);
		this.report.latency(figure, result);
		raw.sync().flushall();
		this.report.note(figure
				+ String.format(Locale.ROOT, ": %.1f MB of JSON, %.1f MB deflated (level 1, %.0f %%)",
						json.length / 1e6, compressedSize / 1e6, 100.0 * compressedSize / json.length)
				+ "; the compressed side deflates, SETs, GETs, inflates and parses; the raw side SETs, GETs and parses "
				+ "the JSON as it is, on one loopback connection; a ratio above 1 means compression does not pay here");
	}

	/** Figures 8 and 9: receiving large state of either shape, read into its type. */
	private void receive(RawLettuce raw, BootApp app, HandoffStore store, boolean map) throws Exception {
		String figure = map ? "8. receive Map<String, Long>, " + ReadFigures.MAP_ENTRIES / 1000 + "k entries (Lettuce)"
				: "9. receive List<record>, " + ReadFigures.RECORDS / 1000 + "k records (Lettuce)";
		progress("figure " + figure);
		byte[] payload = ReadFigures
			.json(map ? ReadFigures.map(ReadFigures.MAP_ENTRIES) : ReadFigures.list(ReadFigures.RECORDS));
		Interleaved.Plan plan = plan(2, 12, 2);
		Interleaved.Result result = map ? ReadFigures.receiveMap(plan, app.template(), store, raw, payload)
				: ReadFigures.receiveList(plan, app.template(), store, raw, payload);
		if (map) {
			this.report.latency(figure, result, 1.2);
		}
		else {
			// Records are read as before, canonicalizing their repeated property names:
			// they must only not get
			// slower, which a run of the previous build shows.
			this.report.latency(figure, result);
		}
		raw.sync().flushall();
		String shape = map ? "\"counter.N\" → a random long"
				: "records of 6 properties (a UUID, a short name, " + "a long, an int, a double, a boolean)";
		this.report.note(figure + ": " + String.format(Locale.ROOT, "%.1f MB", payload.length / 1e6) + " of JSON, "
				+ shape + "; Handoff is HandoffTemplate.complete of the auto-configured template (claim, read into "
				+ "the type, acknowledge); raw is a take and JsonMapper.builder().build().readValue; each sample "
				+ "seeded and after a System.gc(), outside the clock");
		if (this.diagnosis != null) {
			progress("figure " + (map ? 8 : 9) + ": breakdown");
			Samples[] read = ReadFigures.readAlone(plan(1, 8, 2), payload, ReadFigures.rawType(map));
			this.report.note(figure + ", the read alone, interleaved: Jackson's default mapper "
					+ Report.duration(read[0].p50()) + " p50, with TokenStreamFactory.Feature."
					+ "CANONICALIZE_PROPERTY_NAMES disabled " + Report.duration(read[1].p50()));
		}
	}

	private void throughput(RawLettuce raw, HandoffStore store, byte[] payload) throws Exception {
		progress("figure 3: " + THREADS + "-thread initiate throughput");
		long millis = this.quick ? 500 : 1000;
		int rounds = Math.max(3, (int) Math.round(6 * this.scale));
		double[] handoff = new double[rounds];
		double[] rawRates = new double[rounds];
		double[] ratios = new double[rounds];
		double[] cpu = new double[4];
		for (int round = -1; round < rounds; round++) {
			double[] h = new double[3];
			double[] r = new double[3];
			for (int side = 0; side < 2; side++) {
				boolean handoffSide = (side == 0) == ((round & 1) == 0);
				long clientCpu = Diagnosis.processCpuNanos();
				double redisCpu = redisCpuSeconds(raw);
				double rate = handoffSide ? StoreFigures.handoffThroughput(store, THREADS, millis, payload)
						: StoreFigures.rawThroughput(raw, THREADS, IN_FLIGHT, millis, payload);
				double[] into = handoffSide ? h : r;
				into[0] = rate;
				into[1] = Diagnosis.processCpuNanos() - clientCpu;
				into[2] = (redisCpuSeconds(raw) - redisCpu) * 1e9;
				raw.sync().flushall();
			}
			if (round >= 0) {
				handoff[round] = h[0];
				rawRates[round] = r[0];
				ratios[round] = h[0] / r[0];
				double seconds = millis / 1000.0;
				cpu[0] += h[1] / (h[0] * seconds);
				cpu[1] += r[1] / (r[0] * seconds);
				cpu[2] += h[2] / (h[0] * seconds);
				cpu[3] += r[2] / (r[0] * seconds);
			}
		}
		String figure = "3. " + THREADS + "-thread initiate throughput (Lettuce)";
		this.report.throughput(figure, Samples.median(handoff), Samples.median(rawRates), 0.5);
		double[] sorted = ratios.clone();
		Arrays.sort(sorted);
		this.report.note(figure + ": median of " + rounds + " interleaved rounds of " + millis + " ms; Handoff: "
				+ THREADS + " threads calling initiate on the store; raw: " + THREADS + " threads sharing one "
				+ "connection, each sending " + IN_FLIGHT + " async EVALSHAs then awaiting them; per-round ratio "
				+ Report.ratio(sorted[0]) + " to " + Report.ratio(sorted[sorted.length - 1])
				+ String.format(Locale.ROOT,
						"; CPU per initiate, this JVM: %.1f vs %.1f µs, redis-server: %.1f vs "
								+ "%.1f µs (the %d cores are the limit: client and server share them)",
						cpu[0] / rounds / 1e3, cpu[1] / rounds / 1e3, cpu[2] / rounds / 1e3, cpu[3] / rounds / 1e3,
						Runtime.getRuntime().availableProcessors()));
	}

	private static double redisCpuSeconds(RawLettuce raw) {
		Map<String, String> cpu = Resp.parseInfo(raw.sync().info("cpu"));
		return Double.parseDouble(cpu.get("used_cpu_user")) + Double.parseDouble(cpu.get("used_cpu_sys"));
	}

	private void shutdown(int port, RawLettuce raw, EngineFigures engine, byte[] payload) throws Exception {
		progress("figure 4: shutdown with " + PARTICIPANTS + " participants");
		List<Long> cold = new ArrayList<>();
		Interleaved.Result result = Interleaved.latency(contextPlan(), () -> {
			long elapsed = engine.handoffShutdown(port, PARTICIPANTS, null, new ArrayList<>());
			if (cold.isEmpty()) {
				cold.add(elapsed);
			}
			return elapsed;
		}, () -> EngineFigures.rawShutdown(raw, PARTICIPANTS, payload), () -> raw.sync().flushall());
		String figure = "4. shutdown, " + PARTICIPANTS + " participants (Lettuce)";
		this.report.latency(figure, result, 5);
		this.report.note(figure + ": Handoff is HandoffLifecycle.stop() of a fresh application each sample (closes "
				+ "the subscription, captures and serializes " + PARTICIPANTS + " states, one batch initiate); the "
				+ "first, cold sample (JIT not warm, as in a real JVM's only shutdown) took "
				+ Report.duration(cold.get(0)));
		progress("figure 4: counting round trips");
		try (CountingProxy proxy = CountingProxy.start(port, this::scriptName, true);
				RawLettuce rawProxied = new RawLettuce(proxy.port())) {
			List<CountingProxy.Burst> handoffBursts = new ArrayList<>();
			List<CountingProxy.Burst> rawBursts = new ArrayList<>();
			List<Integer> handoffCounts = new ArrayList<>();
			List<Integer> rawCounts = new ArrayList<>();
			for (int i = 0; i < countingSamples(); i++) {
				handoffBursts.clear();
				engine.handoffShutdown(proxy.port(), PARTICIPANTS, proxy, handoffBursts);
				handoffCounts.add(handoffBursts.size());
				proxy.reset();
				EngineFigures.rawShutdown(rawProxied, PARTICIPANTS, payload);
				rawBursts.clear();
				rawBursts.addAll(proxy.bursts());
				rawCounts.add(rawBursts.size());
				raw.sync().flushall();
			}
			String rtFigure = "4b. shutdown round trips, " + PARTICIPANTS + " participants (Lettuce)";
			this.report.roundTrips(rtFigure, median(handoffCounts), median(rawCounts), 1, 3);
			this.report.note(rtFigure + ": per sample " + handoffCounts + " vs " + rawCounts
					+ "; the last Handoff sample:\n" + CountingProxy.describe(handoffBursts).stripTrailing()
					+ "\n  and raw:\n" + CountingProxy.describe(rawBursts).stripTrailing());
		}
		if (this.diagnosis != null) {
			progress("figure 4: breakdown");
			try (CountingProxy timed = CountingProxy.start(port, this::scriptName, false)) {
				this.diagnosis.shutdownTimeline("d4", PARTICIPANTS, BenchParticipant.stateOfJsonSize(PAYLOAD), timed);
			}
			raw.sync().flushall();
		}
	}

	/**
	 * Figure 10: one checkpoint of {@link #PARTICIPANTS} labels, as the checkpoints of an
	 * interval are written, against as many raw initiates in one pipeline; and its round
	 * trips.
	 */
	private void checkpoints(int port, RawLettuce raw, HandoffStore store, byte[] payload) throws Exception {
		progress("figure 10: checkpoint of " + PARTICIPANTS + " labels");
		Map<String, String> previous = new HashMap<>();
		Interleaved.Result result = Interleaved.latency(plan(10, 60, 5),
				() -> checkpointAll(store, "f10", payload, previous),
				() -> EngineFigures.rawShutdown(raw, PARTICIPANTS, payload), null);
		String figure = "10. checkpoint, " + PARTICIPANTS + " labels (Lettuce)";
		this.report.latency(figure, result);
		this.report.note(figure + ": Handoff is HandoffStore.checkpoint() of " + PARTICIPANTS + " labels, each "
				+ "replacing this instance's previous checkpoint of its label (checkpoint.lua), as every "
				+ "handoff.checkpoint.interval writes them; raw is " + PARTICIPANTS + " pipelined EVALSHAs of the raw "
				+ "initiate");
		raw.sync().flushall();
		try (CountingProxy proxy = CountingProxy.start(port, this::scriptName, true);
				BootApp proxied = BootApp.builder(proxy.port()).namespace("f10c").start()) {
			HandoffStore counted = proxied.store();
			Map<String, String> counting = new HashMap<>();
			checkpointAll(counted, "f10c", payload, counting);
			List<Integer> counts = new ArrayList<>();
			List<CountingProxy.Burst> bursts = new ArrayList<>();
			for (int i = 0; i < countingSamples(); i++) {
				proxy.reset();
				checkpointAll(counted, "f10c", payload, counting);
				bursts.clear();
				bursts.addAll(proxy.bursts());
				counts.add(bursts.size());
			}
			String rtFigure = "10b. checkpoint round trips, " + PARTICIPANTS + " labels (Lettuce)";
			this.report.roundTrips(rtFigure, median(counts), 1, 1, 1);
			this.report.note(rtFigure + ": per sample " + counts + "; the last:\n"
					+ CountingProxy.describe(bursts).stripTrailing());
		}
		raw.sync().flushall();
	}

	private static long checkpointAll(HandoffStore store, String instance, byte[] payload,
			Map<String, String> previous) {
		List<HandoffStore.Checkpoint> checkpoints = new ArrayList<>(PARTICIPANTS);
		List<String> ids = new ArrayList<>(PARTICIPANTS);
		for (int i = 0; i < PARTICIPANTS; i++) {
			String label = BootApp.label(i);
			HandoffRecord<byte[]> record = new HandoffRecord<>(StoreFigures.nextId(), label, 1, payload, instance,
					Instant.now());
			ids.add(record.id());
			checkpoints
				.add(new HandoffStore.Checkpoint(instance, label, record, previous.get(label), Duration.ofMinutes(1)));
		}
		long start = System.nanoTime();
		List<HandoffStore.Checkpointed> results = store.checkpoint(checkpoints);
		long elapsed = System.nanoTime() - start;
		for (int i = 0; i < PARTICIPANTS; i++) {
			HandoffStore.Checkpointed written = results.get(i);
			if (!written.written() || written.lapsed()) {
				throw new IllegalStateException("Checkpoint of " + written.label() + " not written: " + written);
			}
			previous.put(written.label(), ids.get(i));
		}
		return elapsed;
	}

	private void restore(int port, RawLettuce raw, EngineFigures engine, byte[] payload, HandoffStore store,
			RedisConnectionFactory seedFactory) throws Exception {
		progress("figure 5: startup restore of " + PARTICIPANTS + " labels");
		List<Long> cold = new ArrayList<>();
		Interleaved.Result result = Interleaved.latency(contextPlan(), () -> {
			long elapsed = engine.handoffRestore(port, PARTICIPANTS, null, new ArrayList<>());
			if (cold.isEmpty()) {
				cold.add(elapsed);
			}
			return elapsed;
		}, () -> EngineFigures.rawRestore(raw, PARTICIPANTS, payload), () -> raw.sync().flushall());
		String figure = "5. startup restore, " + PARTICIPANTS + " labels (Lettuce, store check off)";
		this.report.latency(figure, result, 5);
		this.report.note(figure + ": Handoff is HandoffLifecycle.afterSingletonsInstantiated() (subscribe, await "
				+ "the subscription, one batch claim, " + PARTICIPANTS + " deliveries, one batch acknowledge) with "
				+ "handoff.store-check=off, timed inside the refresh by two SmartInitializingSingleton markers around "
				+ "the auto-configured lifecycle; Lettuce's shared connection is opened before the clock starts; "
				+ "cold sample " + Report.duration(cold.get(0)));
		progress("figure 5: counting round trips");
		try (CountingProxy proxy = CountingProxy.start(port, this::scriptName, true);
				RawLettuce rawProxied = new RawLettuce(proxy.port())) {
			List<CountingProxy.Burst> handoffBursts = new ArrayList<>();
			List<CountingProxy.Burst> rawBursts = new ArrayList<>();
			List<Integer> handoffCounts = new ArrayList<>();
			List<Integer> rawCounts = new ArrayList<>();
			for (int i = 0; i < countingSamples(); i++) {
				handoffBursts.clear();
				engine.handoffRestore(proxy.port(), PARTICIPANTS, proxy, handoffBursts);
				handoffCounts.add(handoffBursts.size());
				List<byte[]> keys = new ArrayList<>();
				List<byte[][]> seeds = new ArrayList<>();
				for (int l = 0; l < PARTICIPANTS; l++) {
					byte[] key = RawLettuce.bytes("raw5:{" + BootApp.label(l) + "}:pending");
					keys.add(key);
					seeds.add(new byte[][] { key, RawLettuce.bytes(StoreFigures.nextId()), payload,
							RawLettuce.bytes("raw5:notify") });
				}
				raw.initiateAll(seeds);
				proxy.reset();
				rawProxied.takeAll(keys);
				rawBursts.clear();
				rawBursts.addAll(proxy.bursts());
				rawCounts.add(rawBursts.size());
				raw.sync().flushall();
			}
			String rtFigure = "5b. startup restore round trips, " + PARTICIPANTS + " labels (Lettuce)";
			this.report.roundTrips(rtFigure, median(handoffCounts), median(rawCounts), 1, 4);
			this.report.note(rtFigure + ": per sample " + handoffCounts + " vs " + rawCounts
					+ "; the last Handoff sample:\n" + CountingProxy.describe(handoffBursts).stripTrailing()
					+ "\n  and raw:\n" + CountingProxy.describe(rawBursts).stripTrailing());
			progress("figure 5: the store check, apart");
			Samples check = new Samples(20);
			for (int i = 0; i < Math.max(5, (int) (20 * this.scale)); i++) {
				check.add(EngineFigures.verify(store));
			}
			List<CountingProxy.Burst> checkBursts;
			try (BootApp proxied = BootApp.builder(proxy.port())
				.namespace("check")
				.property("handoff.store-check", "off")
				.start()) {
				proxied.openSharedConnection();
				proxy.reset();
				proxied.store().verify();
				checkBursts = proxy.bursts();
			}
			this.report.info("5c. store check at startup, apart from figure 5 (Lettuce)",
					Report.duration(check.p50()) + " p50, " + checkBursts.size() + " round trips", "-", "-");
			this.report.note("5c. store check: HandoffStore.verify(), which runs once per startup unless "
					+ "handoff.store-check=off; its round trips:\n"
					+ CountingProxy.describe(checkBursts).stripTrailing());
			if (this.diagnosis != null) {
				progress("figure 5: breakdown");
				RedisHandoffStore seeder = new RedisHandoffStore(seedFactory, "d5", EngineFigures.POLICY);
				try (CountingProxy timed = CountingProxy.start(port, this::scriptName, false)) {
					this.diagnosis.restoreTimeline(timed.port(), seeder, "d5", PARTICIPANTS,
							EngineFigures.json("x".repeat(98)), timed);
				}
				finally {
					seeder.destroy();
				}
				raw.sync().flushall();
			}
		}
	}

	private void runJedis(int port, RawLettuce lettuce) throws Exception {
		try (RawJedis raw = new RawJedis(port);
				BootApp app = BootApp.builder(port).jedis().namespace("jedis").start()) {
			HandoffStore store = app.store();
			progress("Jedis store: " + store.describe());
			byte[] payload = payload(PAYLOAD);
			if (this.figures.contains(1)) {
				progress("figure 1 (Jedis): initiate p50");
				this.report.latency("1j. initiate p50 (Jedis)",
						StoreFigures.initiate(plan(20, 160, 50), store, RawClient.of(raw), "j1", payload), 1.5);
				lettuce.sync().flushall();
			}
			if (this.figures.contains(2)) {
				progress("figure 2 (Jedis): initiate+claim+ack p50");
				this.report.latency("2j. initiate+claim+ack p50 (Jedis)",
						StoreFigures.handoff(plan(20, 120, 25), store, RawClient.of(raw), "j2", payload), 1.5);
				lettuce.sync().flushall();
			}
			if (this.figures.contains(7)) {
				progress("figure 7 (Jedis): 10 MiB initiate+claim+ack p50");
				this.report.latency("7j. 10 MiB initiate+claim+ack p50 (Jedis)",
						StoreFigures.handoff(plan(2, 12, 2), store, RawClient.of(raw), "j7", payload(TEN_MIB)), 1.0);
				lettuce.sync().flushall();
			}
		}
	}

	private Interleaved.Plan plan(int warmup, int rounds, int perRound) {
		return new Interleaved.Plan(warmup, rounds, perRound).scaled(this.scale);
	}

	private Interleaved.Plan contextPlan() {
		return new Interleaved.Plan(4, 30, 1).scaled(this.scale);
	}

	private int countingSamples() {
		return this.quick ? 1 : 3;
	}

	private static double median(List<Integer> counts) {
		return Samples.median(counts.stream().mapToDouble(Integer::doubleValue).toArray());
	}

	private static byte[] payload(int size) {
		byte[] payload = new byte[size];
		new Random(size).nextBytes(payload);
		return payload;
	}

	/**
	 * Names the store's scripts by the SHA-1 that {@code EVALSHA} sends: as the store's
	 * {@code Script} loads them, those that share {@code checkpoints.lua} with it in
	 * front.
	 */
	private void loadScriptNames() {
		Set<String> shared = Set.of("initiate", "acknowledge", "checkpoint");
		for (String name : List.of("initiate", "claim", "acknowledge", "checkpoint", "dead-letter", "locate", "release",
				"renew", "inspect", "list", "requeue", "delete-dead-letter", "write-chunk", "read-chunk",
				"delete-chunks")) {
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			if (shared.contains(name)) {
				body.writeBytes(script("checkpoints"));
				body.write('\n');
			}
			body.writeBytes(script(name));
			this.scripts.put(CountingProxy.sha1Hex(body.toByteArray()), name + ".lua");
		}
	}

	private static byte[] script(String name) {
		try (InputStream in = HandoffStore.class.getResourceAsStream("/dev/handoff/redis/" + name + ".lua")) {
			if (in == null) {
				throw new IllegalStateException("No script " + name + ".lua on the classpath");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private String scriptName(String sha) {
		return this.scripts.getOrDefault(sha, sha.substring(0, Math.min(8, sha.length())));
	}

	private void print(String redisLine, double seconds) {
		String lettuce = RedisClient.class.getPackage().getImplementationVersion();
		String jedisVersion = mavenVersion("redis.clients", "jedis");
		System.out.println();
		System.out
			.println("## Handoff vs raw, same redis-server, same JVM, interleaved" + (this.quick ? " (--quick)" : ""));
		System.out.println();
		System.out.println("Machine: " + Report.machine());
		System.out.println("Load average (1, 5, 15 min): " + this.loadBefore + " before, " + Report.loadAverage()
				+ " after (the benchmark itself keeps about 1-2 cores busy)");
		System.out.println("Redis: " + redisLine);
		System.out.println("Clients: Spring Boot " + SpringBootVersion.getVersion() + ", Lettuce " + lettuce
				+ ", Jedis " + jedisVersion + "; payload " + PAYLOAD + " B unless said; took "
				+ String.format(Locale.ROOT, "%.0f s", seconds));
		System.out.println();
		System.out.print(this.report.table());
		System.out.println();
		System.out.println("Ratio: Handoff over raw (p50 over p50 for latencies, rate over rate for throughput). Raw: "
				+ "EVALSHA of `" + RawLettuce.INITIATE_SCRIPT + "` for an initiate, MULTI{HGETALL,DEL} pipelined for a "
				+ "take, on connections of their own.");
		System.out.println();
		System.out.print(this.report.notes());
	}

	private static String mavenVersion(String groupId, String artifactId) {
		try (InputStream in = Benchmarks.class
			.getResourceAsStream("/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties")) {
			Properties properties = new Properties();
			if (in != null) {
				properties.load(in);
			}
			return properties.getProperty("version", "?");
		}
		catch (IOException ex) {
			return "?";
		}
	}

	private static void progress(String message) {
		System.err.println("[bench] " + message);
	}

}
