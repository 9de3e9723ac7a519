package dev.handoff.benchmarks;

import java.io.File;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.handoff.core.HandoffTemplate;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;

/**
 * Figures 12 and 13, the memory of a large handoff: the smallest {@code -Xmx} with which
 * a fresh child JVM hands off, or receives, a state of about 100 MiB of JSON, over that
 * size; and whether a state of about 1 GiB, larger than Redis' 512 MiB
 * {@code proto-max-bulk-len}, hands off and is received at all.
 * <p>
 * The state is a {@code List<String>} of strings of {@value #STRING_LENGTH} ASCII
 * letters, digits, {@code -} and {@code _}, generated from their index, as a warm cache's
 * values are: a Latin-1 {@code String} takes one byte a character on the heap and its
 * JSON one byte a character plus three, so the state's heap is within 5 % of its JSON and
 * the ratio shows what handing it off costs rather than Java's object overhead (a map of
 * small entries would take several times its JSON in objects before anything is sent).
 * Nothing in it needs escaping.
 * <p>
 * Each attempt is a child {@code java}: the running JVM's executable and class path (with
 * {@code -jar} when that is one jar), {@link #JVM_FLAGS} and {@code -Xmx}, running
 * {@link Benchmarks#main} with {@code --memory-child=MODE port label entries timeout}. It
 * passes when it exits 0 within the timeout; an {@code OutOfMemoryError} ends it at once
 * ({@code -XX:+ExitOnOutOfMemoryError}, so no thread swallows it and no GC thrashes to
 * the timeout). The search halves the range from {@value #MIN_MIB} MiB to 8 times the
 * state in {@value #STEP_MIB} MiB steps, the top first, the Handoff and raw searches
 * taking turns, one child at a time. Records are written for a receive by this JVM,
 * outside the child, under a label of the attempt's own, and Redis is flushed after every
 * attempt. Handoff's children (and this JVM's writer) run with
 * {@code handoff.max-record-size=2GB}, {@code handoff.max-claim-size=2GB} and
 * {@code spring.data.redis.timeout} the attempt's timeout (2 minutes, 10 for figure 13).
 * <p>
 * Figure 13 hands off about 1 GiB in one child and receives it in another, both at a
 * fixed {@code -Xmx} of {@value #LARGE_FACTOR} times the state: a pass or a failure, with
 * the child's last error line. Raw Lettuce cannot write it as one value at all.
 */
final class MemoryFigures {

	/** The argument that makes {@link Benchmarks#main} a child of these figures. */
	static final String CHILD = "--memory-child=";

	/** The child JVMs' flags, the same for Handoff and raw, besides {@code -Xmx}. */
	static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
			"-XX:+ExitOnOutOfMemoryError");

	static final int STRING_LENGTH = 1024;

	/** About 100 MiB of JSON. */
	static final int ENTRIES = 102_400;

	/** About 1 GiB of JSON. */
	static final int LARGE_ENTRIES = 1_048_576;

	static final int MIN_MIB = 64;

	static final int STEP_MIB = 8;

	private static final int MAX_FACTOR = 8;

	private static final int EMPTY_MIN_MIB = 16;

	private static final int EMPTY_MAX_MIB = 128;

	/** Figure 13's fixed {@code -Xmx}, over the state. */
	private static final int LARGE_FACTOR = 2;

	private static final Duration TIMEOUT = Duration.ofMinutes(2);

	private static final Duration LARGE_TIMEOUT = Duration.ofMinutes(10);

	private static final String NAMESPACE = "m12";

	private static final ParameterizedTypeReference<List<String>> TYPE = new ParameterizedTypeReference<>() {
	};

	private static final TypeReference<List<String>> RAW_TYPE = new TypeReference<>() {
	};

	private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		.getBytes(StandardCharsets.US_ASCII);

	private final int port;

	private final RawLettuce raw;

	private final Report report;

	private final Consumer<String> progress;

	private int attempts;

	MemoryFigures(int port, RawLettuce raw, Report report, Consumer<String> progress) {
		this.port = port;
		this.raw = raw;
		this.report = report;
		this.progress = progress;
	}

	/**
	 * Generates the state: {@code entries} strings of {@value #STRING_LENGTH} characters
	 * from a 64-character alphabet, each from its index alone.
	 * @param entries how many
	 * @return the state
	 */
	static List<String> state(int entries) {
		List<String> state = new ArrayList<>(entries);
		byte[] chars = new byte[STRING_LENGTH];
		for (int i = 0; i < entries; i++) {
			state.add(entry(i, chars));
		}
		return state;
	}

	private static String entry(int index, byte[] chars) {
		long x = 0x9E3779B97F4A7C15L * (index + 1);
		for (int c = 0; c < chars.length; c++) {
			// xorshift64
			x ^= x << 13;
			x ^= x >>> 7;
			x ^= x << 17;
			chars[c] = ALPHABET[(int) (x >>> 58)];
		}
		return new String(chars, StandardCharsets.ISO_8859_1);
	}

	/** Figures 12a and 12b: hand off, then receive, about 100 MiB. */
	void figure12() throws Exception {
		List<String> state = state(ENTRIES);
		byte[] json = JsonMapper.builder().build().writeValueAsBytes(state);
		double stateMib = json.length / (1024.0 * 1024);
		String size = String.format(Locale.ROOT, "%.0f MiB", stateMib);
		int max = roundUp((int) Math.ceil(MAX_FACTOR * stateMib));

		String handOff = "12a. hand off " + size + ", smallest -Xmx / state (Lettuce)";
		this.progress.accept("figure " + handOff);
		Search[] sent = interleave(max, (mib) -> {
			String label = label("a");
			return child(mib, TIMEOUT, "handoff-send", label, ENTRIES);
		}, (mib) -> {
			String label = label("a");
			return child(mib, TIMEOUT, "raw-send", label, ENTRIES);
		});
		row(handOff, sent, stateMib);
		this.report.note(handOff + ": Handoff is a fresh child JVM that generates the state, starts a BootApp (Boot's "
				+ "Redis auto-configuration and Handoff's) and returns from HandoffTemplate.initiate(label, 1, state); "
				+ "raw generates it, JsonMapper.writeValueAsBytes and one EVALSHA of the raw initiate (HSET) on raw "
				+ "Lettuce; " + describe(json.length, sent));

		this.progress.accept("figure 12a: the same child with an empty list, for Boot's and Handoff's own heap");
		Search empty = new Search("Handoff", (mib) -> child(mib, TIMEOUT, "handoff-send", label("z"), 0), EMPTY_MIN_MIB,
				EMPTY_MAX_MIB);
		while (!empty.done()) {
			empty.step();
		}
		this.raw.sync().flushall();
		this.report.note(handOff + ": the same Handoff child with an empty list (Boot, Redis and Handoff alone, what "
				+ "no streaming saves) passes at " + (empty.overMax() ? "> " : (empty.failing < 0) ? "≤ " : "")
				+ empty.smallest() + " MiB, attempts " + empty.log);

		String receive = "12b. receive " + size + ", smallest -Xmx / state (Lettuce)";
		this.progress.accept("figure " + receive);
		try (BootApp seeder = seeder(Duration.ofSeconds(60))) {
			HandoffTemplate template = seeder.template();
			Search[] received = interleave(max, (mib) -> {
				String label = label("b");
				template.initiate(label, 1, state);
				return child(mib, TIMEOUT, "handoff-receive", label, ENTRIES);
			}, (mib) -> {
				String label = label("b");
				this.raw.initiate(rawKey(label), RawLettuce.bytes(StoreFigures.nextId()), json,
						RawLettuce.bytes("raw12:notify"));
				return child(mib, TIMEOUT, "raw-receive", label, ENTRIES);
			});
			row(receive, received, stateMib);
			this.report.note(receive + ": Handoff is a fresh child JVM that starts a BootApp and calls "
					+ "HandoffTemplate.complete(label, 1, List<String>, receiver) (claim, read, acknowledge), checking "
					+ "the entries; raw takes the hash (MULTI HGETALL DEL) on raw Lettuce and JsonMapper.builder()"
					+ ".build().readValue; this JVM writes each attempt's record first (HandoffTemplate.initiate, or "
					+ "the raw EVALSHA), outside the child; " + describe(json.length, received));
		}
	}

	/**
	 * Figure 13: about 1 GiB handed off by one child and received by another, both at
	 * {@value #LARGE_FACTOR} times the state.
	 */
	void figure13() throws Exception {
		long jsonBytes = (long) LARGE_ENTRIES * (STRING_LENGTH + 3) + 1;
		double stateMib = jsonBytes / (1024.0 * 1024);
		int mib = roundUp((int) Math.ceil(LARGE_FACTOR * stateMib));
		String figure = String.format(Locale.ROOT, "13. hand off + receive %.2f GiB at -Xmx %d MiB (Lettuce)",
				stateMib / 1024, mib);
		this.progress.accept("figure " + figure);
		String redis = redisLimits();
		String label = label("c");
		Outcome outcome = child(mib, LARGE_TIMEOUT, "handoff-send", label, LARGE_ENTRIES);
		String failed = outcome.passed() ? null : "hand off";
		String seconds = "hand off " + outcome.seconds();
		if (outcome.passed()) {
			outcome = child(mib, LARGE_TIMEOUT, "handoff-receive", label, LARGE_ENTRIES);
			failed = outcome.passed() ? null : "receive";
			seconds += ", receive " + outcome.seconds();
		}
		this.raw.sync().flushall();
		String result = ((failed == null) ? "PASS" : "FAIL (" + failed + ")")
				+ String.format(Locale.ROOT, " at -Xmx %d MiB (%.1fx)", mib, mib / stateMib);
		this.report.add(new Report.Row(figure, result, "n/a: one value > proto-max-bulk-len", "-",
				"passes at " + LARGE_FACTOR + "x", failed == null));
		this.report.note(figure + ": " + String.format(Locale.ROOT, "%.0f MiB", stateMib) + " of JSON, " + LARGE_ENTRIES
				+ " strings of " + STRING_LENGTH + " ASCII characters; one child JVM hands it off "
				+ "(HandoffTemplate.initiate) and then another receives it (HandoffTemplate.complete), each at -Xmx "
				+ mib + " MiB, " + String.join(" ", JVM_FLAGS) + " (Serial GC), timeout " + LARGE_TIMEOUT.toSeconds()
				+ " s; "
				+ ((failed == null) ? "both exited 0 (" + seconds + ")"
						: "the " + failed + " failed (" + seconds + "): " + outcome.line())
				+ "; raw cannot write it as one value: Redis refuses a bulk string over proto-max-bulk-len; " + redis);
	}

	/**
	 * Checks that the server can hold a large record: lifts {@code maxmemory} if it is
	 * set, and says what limits it has.
	 */
	private String redisLimits() {
		try {
			return liftLimits();
		}
		catch (RuntimeException ex) {
			return "redis-server limits unknown (" + ex + ")";
		}
	}

	private String liftLimits() {
		// One parameter a CONFIG GET: Redis before 7 takes no more.
		Map<String, String> config = new HashMap<>();
		for (String parameter : List.of("maxmemory", "proto-max-bulk-len", "client-query-buffer-limit")) {
			config.putAll(this.raw.sync().configGet(parameter));
		}
		String maxmemory = config.getOrDefault("maxmemory", "0");
		String lifted = "";
		if (!maxmemory.equals("0")) {
			this.raw.sync().configSet("maxmemory", "0");
			lifted = " (was " + maxmemory + ", set to 0 for this figure)";
		}
		return "redis-server maxmemory 0" + lifted + ", proto-max-bulk-len " + config.get("proto-max-bulk-len")
				+ ", client-query-buffer-limit " + config.get("client-query-buffer-limit") + "; " + memAvailable();
	}

	private static String memAvailable() {
		try {
			return Files.readAllLines(Path.of("/proc/meminfo"))
				.stream()
				.filter((line) -> line.startsWith("MemAvailable:"))
				.map((line) -> "MemAvailable " + line.substring("MemAvailable:".length()).trim() + " before")
				.findFirst()
				.orElse("");
		}
		catch (IOException | RuntimeException ex) {
			return "";
		}
	}

	private BootApp seeder(Duration timeout) {
		return configure(BootApp.builder(this.port), NAMESPACE + "-parent", timeout).start();
	}

	private static BootApp.Builder configure(BootApp.Builder builder, String instance, Duration timeout) {
		return builder.namespace(NAMESPACE)
			.property("handoff.instance-id", instance)
			.property("handoff.max-record-size", "2GB")
			.property("handoff.max-claim-size", "2GB")
			.property("spring.data.redis.timeout", timeout.toSeconds() + "s");
	}

	private String label(String figure) {
		this.attempts++;
		return figure + "-" + this.attempts;
	}

	private static byte[] rawKey(String label) {
		return RawLettuce.bytes("raw12:{" + label + "}:pending");
	}

	private static int roundUp(int mib) {
		return (mib + STEP_MIB - 1) / STEP_MIB * STEP_MIB;
	}

	private void row(String figure, Search[] searches, double stateMib) {
		Search handoff = searches[0];
		Search rawSearch = searches[1];
		double factor = handoff.smallest() / stateMib;
		boolean met = !handoff.overMax() && factor <= 1.5;
		this.report.add(new Report.Row(figure, handoff.describe(stateMib), rawSearch.describe(stateMib),
				Report.ratio((double) handoff.smallest() / rawSearch.smallest()), "≤ 1.5x", met));
	}

	private static String describe(long jsonBytes, Search[] searches) {
		StringBuilder text = new StringBuilder();
		text.append(String.format(Locale.ROOT, "%.1f MiB", jsonBytes / (1024.0 * 1024)))
			.append(" of JSON, ")
			.append(ENTRIES)
			.append(" strings of ")
			.append(STRING_LENGTH)
			.append(" ASCII characters; child flags ")
			.append(String.join(" ", JVM_FLAGS))
			.append(" (Serial GC: one old generation, so a large array needs a contiguous part of it), -Xmx from ")
			.append(MIN_MIB)
			.append(" MiB in ")
			.append(STEP_MIB)
			.append(" MiB steps, timeout ")
			.append(TIMEOUT.toSeconds())
			.append(" s; -Xmx also caps direct memory (MaxDirectMemorySize defaults to it), where Lettuce's Netty buffers ")
			.append("a command or a reply; ratio: Handoff's smallest -Xmx over raw's, the target is on Handoff's own -Xmx")
			.append(" over the state; attempts, Handoff and raw in turn: Handoff ")
			.append(searches[0].log)
			.append(", raw ")
			.append(searches[1].log);
		for (Search search : searches) {
			if (search.lastFailure != null) {
				text.append("; ").append(search.side).append("'s last failure: ").append(search.lastFailure);
			}
		}
		return text.toString();
	}

	private Search[] interleave(int max, Attempt handoff, Attempt raw) throws Exception {
		Search[] searches = { new Search("Handoff", handoff, MIN_MIB, max), new Search("raw", raw, MIN_MIB, max) };
		while (!searches[0].done() || !searches[1].done()) {
			for (Search search : searches) {
				if (!search.done()) {
					search.step();
					this.raw.sync().flushall();
				}
			}
		}
		return searches;
	}

	/**
	 * Runs one child JVM to its end, or to the timeout.
	 * @param mib its {@code -Xmx}
	 * @param timeout how long it may take
	 * @param mode what it does
	 * @param label the label or raw key it uses
	 * @param entries the state's entries
	 * @return how it ended
	 */
	private Outcome child(int mib, Duration timeout, String mode, String label, int entries) throws Exception {
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current()
			.info()
			.command()
			.orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
		command.add("-Xmx" + mib + "m");
		command.addAll(JVM_FLAGS);
		String classPath = System.getProperty("java.class.path");
		if (!classPath.contains(File.pathSeparator) && classPath.endsWith(".jar")) {
			command.add("-jar");
			command.add(Path.of(classPath).toAbsolutePath().toString());
		}
		else {
			command.add("-cp");
			command.add(classPath);
			command.add(Benchmarks.class.getName());
		}
		command.add(CHILD + mode);
		command.add(String.valueOf(this.port));
		command.add(label);
		command.add(String.valueOf(entries));
		command.add(String.valueOf(timeout.toSeconds()));
		Path log = Files.createTempFile("handoff-memory-", ".log");
		try {
			long start = System.nanoTime();
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (!exited) {
				process.destroyForcibly();
				process.waitFor();
			}
			String seconds = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
			List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
			String last = lastError(lines);
			Outcome outcome;
			if (!exited) {
				outcome = new Outcome(false, "timeout after " + timeout.toSeconds() + " s; " + last, seconds);
			}
			else if (process.exitValue() != 0) {
				outcome = new Outcome(false, "exit " + process.exitValue() + ": " + last, seconds);
			}
			else {
				outcome = new Outcome(true, last, seconds);
			}
			this.progress.accept("  " + mode + " -Xmx" + mib + "m: " + (outcome.passed() ? "ok" : "FAIL") + " in "
					+ seconds + (outcome.passed() ? "" : " (" + outcome.line() + ")"));
			return outcome;
		}
		finally {
			Files.deleteIfExists(log);
		}
	}

	/**
	 * The child's line that says best why it ended: an OutOfMemoryError, else its last.
	 */
	private static String lastError(List<String> lines) {
		String last = "";
		for (String line : lines) {
			if (line.contains("OutOfMemoryError")) {
				return line.trim();
			}
			if (!line.isBlank()) {
				last = line.trim();
			}
		}
		return (last.length() > 400) ? last.substring(0, 400) + "..." : last;
	}

	/**
	 * The child's side: hands off or receives the state, through Handoff or raw Lettuce,
	 * and returns the exit code.
	 * @param args {@code --memory-child=MODE port label entries timeoutSeconds}
	 * @return 0 when it did, 1 otherwise
	 */
	static int child(String[] args) {
		String mode = args[0].substring(CHILD.length());
		int port = Integer.parseInt(args[1]);
		String label = args[2];
		int entries = Integer.parseInt(args[3]);
		Duration timeout = Duration.ofSeconds(Long.parseLong(args[4]));
		try {
			switch (mode) {
				case "handoff-send" -> handoffSend(port, label, entries, timeout);
				case "handoff-receive" -> handoffReceive(port, label, entries, timeout);
				case "raw-send" -> rawSend(port, label, entries);
				case "raw-receive" -> rawReceive(port, label, entries);
				default -> throw new IllegalArgumentException("No memory child " + mode);
			}
			childOut("OK " + mode);
			return 0;
		}
		catch (Exception | Error ex) {
			childOut("FAIL " + mode + ": " + causes(ex));
			return 1;
		}
	}

	private static void handoffSend(int port, String label, int entries, Duration timeout) {
		List<String> state = state(entries);
		try (BootApp app = configure(BootApp.builder(port), NAMESPACE + "-sender", timeout).start()) {
			app.template().initiate(label, 1, state);
		}
		finally {
			// The state stays live while it is sent, as an application's is.
			Reference.reachabilityFence(state);
		}
	}

	private static void handoffReceive(int port, String label, int entries, Duration timeout) {
		AtomicInteger received = new AtomicInteger(-1);
		int merged;
		try (BootApp app = configure(BootApp.builder(port), NAMESPACE + "-receiver", timeout).start()) {
			merged = app.template().complete(label, 1, TYPE, (records) -> {
				List<String> state = records.get(0).data();
				check(state, entries);
				received.set(state.size());
			});
		}
		StoreFigures.check(merged == 1 && received.get() == entries,
				() -> "complete merged " + merged + " record(s) of " + received.get() + " entries");
	}

	private static void rawSend(int port, String label, int entries) {
		List<String> state = state(entries);
		byte[] json = JsonMapper.builder().build().writeValueAsBytes(state);
		try (RawLettuce raw = new RawLettuce(port)) {
			raw.initiate(rawKey(label), RawLettuce.bytes(StoreFigures.nextId()), json,
					RawLettuce.bytes("raw12:notify"));
		}
		finally {
			Reference.reachabilityFence(state);
		}
	}

	private static void rawReceive(int port, String label, int entries) {
		try (RawLettuce raw = new RawLettuce(port)) {
			Map<byte[], byte[]> taken = raw.take(rawKey(label));
			StoreFigures.check(taken.size() == 1, () -> "raw take found " + taken.size() + " record(s)");
			List<String> state = JsonMapper.builder().build().readValue(taken.values().iterator().next(), RAW_TYPE);
			check(state, entries);
		}
	}

	private static void check(List<String> state, int entries) {
		StoreFigures.check(state.size() == entries, () -> "received " + state.size() + " entries, not " + entries);
		String last = entry(entries - 1, new byte[STRING_LENGTH]);
		StoreFigures.check(state.get(entries - 1).equals(last), () -> "the last entry is not as generated");
	}

	private static String causes(Throwable ex) {
		StringBuilder text = new StringBuilder(ex.toString());
		for (Throwable cause = ex.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
			text.append(" <- ").append(cause);
		}
		return text.toString().replace('\n', ' ');
	}

	private static void childOut(String line) {
		System.out.println(line);
		System.out.flush();
	}

	/** One attempt at an {@code -Xmx}. */
	@FunctionalInterface
	private interface Attempt {

		Outcome run(int mib) throws Exception;

	}

	/**
	 * How a child ended.
	 *
	 * @param passed whether it exited 0 in time
	 * @param line its line that says why it ended
	 * @param seconds how long it ran, formatted
	 */
	private record Outcome(boolean passed, String line, String seconds) {
	}

	/**
	 * A binary search for the smallest passing {@code -Xmx} in {@code [min, max]}, in
	 * {@value #STEP_MIB} MiB steps: first the top, then halves.
	 */
	private static final class Search {

		final String side;

		private final Attempt attempt;

		private final int min;

		private final int steps;

		/** The largest step known to fail; -1 until one does. */
		private int failing = -1;

		/** The smallest step known to pass. */
		private int passing;

		private boolean topTried;

		private boolean topFailed;

		final List<String> log = new ArrayList<>();

		@Nullable String lastFailure;

		Search(String side, Attempt attempt, int min, int max) {
			this.side = side;
			this.attempt = attempt;
			this.min = min;
			this.steps = (max - min) / STEP_MIB;
			this.passing = this.steps;
		}

		boolean done() {
			return this.topFailed || (this.topTried && this.failing + 1 >= this.passing);
		}

		void step() throws Exception {
			int step = this.topTried ? (this.failing + this.passing) >>> 1 : this.steps;
			int mib = mib(step);
			Outcome outcome = this.attempt.run(mib);
			this.log.add(mib + (outcome.passed() ? " ok" : " fail"));
			if (!outcome.passed()) {
				this.lastFailure = "-Xmx" + mib + "m, " + outcome.line();
			}
			if (!this.topTried) {
				this.topTried = true;
				this.topFailed = !outcome.passed();
			}
			else if (outcome.passed()) {
				this.passing = step;
			}
			else {
				this.failing = step;
			}
		}

		boolean overMax() {
			return this.topFailed;
		}

		int smallest() {
			return mib(this.passing);
		}

		String describe(double stateMib) {
			String bound = this.topFailed ? "> " : (this.failing < 0) ? "≤ " : "";
			return bound + String.format(Locale.ROOT, "%.2fx (%d MiB)", smallest() / stateMib, smallest());
		}

		private int mib(int step) {
			return this.min + STEP_MIB * step;
		}

	}

}
