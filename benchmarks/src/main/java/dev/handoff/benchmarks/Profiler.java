package dev.handoff.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where Handoff's time goes, from Java Flight Recorder, restricted to the windows in
 * which the measured operation ran (so that starting and closing applications does not
 * count): CPU samples every millisecond ({@code jdk.ExecutionSample}), and every wait
 * longer than 0.1 ms ({@code jdk.ThreadPark}, monitor waits, sleeps) with its duration,
 * which is where latency goes when no thread is on a CPU. Threads are grouped by name
 * with digits removed.
 */
final class Profiler {

	private static final Set<String> INTERESTING = Set.of("dev.handoff.", "org.springframework.data.redis.",
			"io.lettuce.", "tools.jackson.", "java.util.UUID", "org.springframework.beans.",
			"org.springframework.context.");

	private final Recording recording = new Recording();

	private final List<Instant[]> windows = new ArrayList<>();

	Profiler() {
		this.recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1)).withStackTrace();
		this.recording.enable("jdk.ThreadPark").withThreshold(Duration.ofNanos(100_000)).withStackTrace();
		this.recording.enable("jdk.JavaMonitorWait").withThreshold(Duration.ofNanos(100_000)).withStackTrace();
		this.recording.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ofNanos(100_000)).withStackTrace();
		this.recording.enable("jdk.ThreadSleep").withThreshold(Duration.ofNanos(100_000)).withStackTrace();
		this.recording.enable("jdk.SocketRead").withThreshold(Duration.ofNanos(100_000)).withStackTrace();
		this.recording.enable("jdk.ThreadStart").withStackTrace();
		this.recording.enable("jdk.GCPhasePause").withThreshold(Duration.ZERO);
		this.recording.enable("jdk.ObjectAllocationSample").with("throttle", "1000/s").withStackTrace();
		this.recording.start();
	}

	/** Runs an operation as a window of the profile. */
	void window(Interleaved.Op op) throws Exception {
		Instant start = Instant.now();
		op.run();
		this.windows.add(new Instant[] { start, Instant.now() });
	}

	/** Marks a window that the operation timed itself, from its start to now. */
	void window(Instant start) {
		this.windows.add(new Instant[] { start, Instant.now() });
	}

	/**
	 * Stops recording and describes it.
	 * @param title what was profiled
	 * @return the profile as text
	 */
	String report(String title) {
		this.recording.stop();
		Path file;
		try {
			file = Files.createTempFile("handoff-bench-", ".jfr");
			this.recording.dump(file);
			this.recording.close();
			List<RecordedEvent> events = RecordingFile.readAllEvents(file);
			Files.deleteIfExists(file);
			return describe(title, events);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private boolean inWindow(RecordedEvent event) {
		Instant at = event.getStartTime();
		for (Instant[] window : this.windows) {
			if (!at.isBefore(window[0]) && !at.isAfter(window[1])) {
				return true;
			}
		}
		return false;
	}

	private String describe(String title, List<RecordedEvent> all) {
		double windowMillis = this.windows.stream()
			.mapToDouble((window) -> Duration.between(window[0], window[1]).toNanos() / 1e6)
			.sum();
		List<RecordedEvent> events = all.stream().filter(this::inWindow).toList();
		StringBuilder text = new StringBuilder();
		text.append(String.format(Locale.ROOT, "## Profile: %s%n%n%d windows, %.1f ms in all (%.2f ms each)%n", title,
				this.windows.size(), windowMillis, windowMillis / Math.max(1, this.windows.size())));
		List<RecordedEvent> cpu = events.stream().filter((e) -> is(e, "jdk.ExecutionSample")).toList();
		text.append(String.format(Locale.ROOT, "%n### CPU: %d samples (1 per ms per running thread)%n", cpu.size()));
		text.append("By thread:\n").append(top(count(cpu, Profiler::thread), cpu.size(), 8, "samples"));
		text.append("Where the CPU is (top frame):\n")
			.append(top(count(cpu, (e) -> frame(e, 0)), cpu.size(), 12, "samples"));
		text.append("Inclusive, in Handoff, Spring Data Redis, Lettuce and Jackson:\n")
			.append(top(inclusive(cpu, Profiler::interesting), cpu.size(), 25, "samples"));
		List<RecordedEvent> pauses = events.stream().filter((e) -> is(e, "jdk.GCPhasePause")).toList();
		double paused = pauses.stream().mapToDouble((e) -> e.getDuration().toNanos() / 1e6).sum();
		text.append(String.format(Locale.ROOT, "%n### GC: %d pauses, %.1f ms in all windows (%.2f ms each)%n",
				pauses.size(), paused, paused / Math.max(1, this.windows.size())));
		Map<String, Double> allocated = new HashMap<>();
		double allocatedTotal = 0;
		for (RecordedEvent sample : events.stream().filter((e) -> is(e, "jdk.ObjectAllocationSample")).toList()) {
			double mib = sample.getLong("weight") / (1024.0 * 1024);
			allocated.merge(firstInteresting(sample), mib, Double::sum);
			allocatedTotal += mib;
		}
		text.append(String.format(Locale.ROOT,
				"Allocation (sampled, MiB per window) by the first Handoff, Spring, "
						+ "Lettuce or Jackson frame: %.1f MiB per window in all%n",
				allocatedTotal / Math.max(1, this.windows.size())));
		int windowCount = Math.max(1, this.windows.size());
		allocated.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Double>comparingByValue().reversed())
			.limit(8)
			.forEach((entry) -> text.append(
					String.format(Locale.ROOT, "  %9.2f MiB  %s%n", entry.getValue() / windowCount, entry.getKey())));
		List<RecordedEvent> waits = events.stream()
			.filter((e) -> !is(e, "jdk.ExecutionSample") && !is(e, "jdk.ThreadStart") && !is(e, "jdk.GCPhasePause")
					&& !is(e, "jdk.ObjectAllocationSample"))
			.toList();
		Map<String, Double> waited = new HashMap<>();
		for (RecordedEvent wait : waits) {
			String key = thread(wait) + ": " + wait.getEventType().getLabel() + " in " + firstInteresting(wait);
			waited.merge(key, wait.getDuration().toNanos() / 1e6, Double::sum);
		}
		text.append(String.format(Locale.ROOT, "%n### Waits over 0.1 ms, by thread and the first Handoff, Spring, "
				+ "Lettuce or Jackson frame (ms in all windows)%n"));
		waited.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Double>comparingByValue().reversed())
			.limit(15)
			.forEach((entry) -> text
				.append(String.format(Locale.ROOT, "  %9.1f ms  %s%n", entry.getValue(), entry.getKey())));
		List<RecordedEvent> starts = events.stream().filter((e) -> is(e, "jdk.ThreadStart")).toList();
		text.append(String.format(Locale.ROOT, "%n### Threads started in the windows: %d (%.1f per window)%n",
				starts.size(), starts.size() / (double) Math.max(1, this.windows.size())));
		Map<String, Integer> byStarter = count(starts, (e) -> {
			RecordedThread started = e.getThread("thread");
			return ((started != null) ? group(started.getJavaName()) : "?") + " started by " + firstInteresting(e);
		});
		text.append(top(byStarter, starts.size(), 8, "threads"));
		return text.toString();
	}

	private static boolean is(RecordedEvent event, String type) {
		return event.getEventType().getName().equals(type);
	}

	private static Map<String, Integer> count(List<RecordedEvent> events, Function<RecordedEvent, String> key) {
		Map<String, Integer> counts = new HashMap<>();
		events.forEach((event) -> counts.merge(key.apply(event), 1, Integer::sum));
		return counts;
	}

	private static Map<String, Integer> inclusive(List<RecordedEvent> events, Predicate<String> filter) {
		Map<String, Integer> counts = new HashMap<>();
		for (RecordedEvent event : events) {
			Set<String> seen = new LinkedHashSet<>();
			RecordedStackTrace stack = event.getStackTrace();
			if (stack != null) {
				for (RecordedFrame frame : stack.getFrames()) {
					String name = name(frame);
					if (filter.test(name)) {
						seen.add(name);
					}
				}
			}
			seen.forEach((name) -> counts.merge(name, 1, Integer::sum));
		}
		return counts;
	}

	private static String top(Map<String, Integer> counts, int total, int limit, String unit) {
		StringBuilder text = new StringBuilder();
		counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(limit)
			.forEach((entry) -> text.append(String.format(Locale.ROOT, "  %5.1f%%  %5d %s  %s%n",
					100.0 * entry.getValue() / Math.max(1, total), entry.getValue(), unit, entry.getKey())));
		return text.toString();
	}

	private static String thread(RecordedEvent event) {
		RecordedThread thread = event.hasField("sampledThread") ? event.getThread("sampledThread") : event.getThread();
		return (thread != null) ? group(thread.getJavaName()) : "?";
	}

	private static String group(String name) {
		return (name != null) ? name.replaceAll("\\d+", "N") : "?";
	}

	private static String frame(RecordedEvent event, int index) {
		RecordedStackTrace stack = event.getStackTrace();
		if (stack == null || stack.getFrames().size() <= index) {
			return "?";
		}
		return name(stack.getFrames().get(index));
	}

	private static String firstInteresting(RecordedEvent event) {
		RecordedStackTrace stack = event.getStackTrace();
		if (stack == null) {
			return "?";
		}
		for (RecordedFrame frame : stack.getFrames()) {
			String name = name(frame);
			if (interesting(name)) {
				return name;
			}
		}
		return stack.getFrames().isEmpty() ? "?" : name(stack.getFrames().get(0));
	}

	private static boolean interesting(String name) {
		return INTERESTING.stream().anyMatch(name::startsWith) && !name.startsWith("dev.handoff.benchmarks.");
	}

	private static String name(RecordedFrame frame) {
		return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
	}

}
