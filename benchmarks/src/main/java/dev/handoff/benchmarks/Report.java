package dev.handoff.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * The rows of the result table, and the notes printed under it.
 */
final class Report {

	private final List<Row> rows = new ArrayList<>();

	private final List<String> notes = new ArrayList<>();

	/**
	 * One figure.
	 *
	 * @param figure what is measured
	 * @param handoff Handoff's value, formatted
	 * @param raw the baseline's value, formatted
	 * @param ratio Handoff over raw
	 * @param target the target, formatted
	 * @param met whether the target is met, or null when there is none
	 */
	record Row(String figure, String handoff, String raw, String ratio, String target, @Nullable Boolean met) {
	}

	void latency(String figure, Interleaved.Result result, double targetRatio) {
		double ratio = result.ratio();
		add(new Row(figure, duration(result.handoff().p50()), duration(result.raw().p50()), ratio(ratio),
				"≤ " + trim(targetRatio) + "x", ratio <= targetRatio));
		roundsNote(figure, result);
	}

	/**
	 * A latency whose ratio has no target, such as one that must only not get worse from
	 * build to build.
	 */
	void latency(String figure, Interleaved.Result result) {
		add(new Row(figure, duration(result.handoff().p50()), duration(result.raw().p50()), ratio(result.ratio()),
				"(no target)", null));
		roundsNote(figure, result);
	}

	private void roundsNote(String figure, Interleaved.Result result) {
		double[] rounds = result.roundRatios();
		double[] sorted = rounds.clone();
		Arrays.sort(sorted);
		note(figure + ": p99 " + duration(result.handoff().percentile(99)) + " vs "
				+ duration(result.raw().percentile(99)) + "; " + result.handoff().size() + " + " + result.raw().size()
				+ " samples in " + rounds.length + " interleaved rounds; per-round p50 ratio min " + ratio(sorted[0])
				+ ", median " + ratio(Samples.median(rounds)) + ", max " + ratio(sorted[sorted.length - 1]));
	}

	void throughput(String figure, double handoffPerSecond, double rawPerSecond, double targetRatio) {
		double ratio = handoffPerSecond / rawPerSecond;
		add(new Row(figure, rate(handoffPerSecond), rate(rawPerSecond), ratio(ratio), "≥ " + trim(targetRatio) + "x",
				ratio >= targetRatio));
	}

	void roundTrips(String figure, double handoff, double raw, int nodes, double target) {
		double perNode = handoff / nodes;
		add(new Row(figure, trim(perNode) + " per node", trim(raw / nodes) + " per node", ratio(handoff / raw),
				"≤ " + trim(target) + " per node", perNode <= target));
	}

	void info(String figure, String handoff, String raw, String ratio) {
		add(new Row(figure, handoff, raw, ratio, "(no target)", null));
	}

	void add(Row row) {
		this.rows.add(row);
	}

	void note(String note) {
		this.notes.add(note);
	}

	List<Row> rows() {
		return this.rows;
	}

	String table() {
		StringBuilder table = new StringBuilder();
		table.append("| figure | Handoff | raw | ratio | target |\n");
		table.append("|---|---|---|---|---|\n");
		for (Row row : this.rows) {
			String target = row.target() + ((row.met() == null) ? "" : row.met() ? " met" : " **MISSED**");
			table.append("| ")
				.append(row.figure())
				.append(" | ")
				.append(row.handoff())
				.append(" | ")
				.append(row.raw())
				.append(" | ")
				.append(row.ratio())
				.append(" | ")
				.append(target)
				.append(" |\n");
		}
		return table.toString();
	}

	String notes() {
		StringBuilder text = new StringBuilder();
		this.notes.forEach((note) -> text.append("- ").append(note).append('\n'));
		return text.toString();
	}

	static String duration(long nanos) {
		if (nanos < 0) {
			return "-" + duration(-nanos);
		}
		if (nanos >= 10_000_000) {
			return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
		}
		if (nanos >= 1_000_000) {
			return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
		}
		return String.format(Locale.ROOT, "%d µs", Math.round(nanos / 1e3));
	}

	static String rate(double perSecond) {
		return (perSecond >= 10_000) ? String.format(Locale.ROOT, "%.1fk/s", perSecond / 1000)
				: String.format(Locale.ROOT, "%.0f/s", perSecond);
	}

	static String ratio(double ratio) {
		return String.format(Locale.ROOT, (ratio >= 10) ? "%.0fx" : "%.2fx", ratio);
	}

	static String trim(double value) {
		return (value == Math.rint(value)) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value);
	}

	/**
	 * Returns the load averages from {@code /proc/loadavg}, or an empty string where
	 * there is none.
	 * @return the 1, 5 and 15 minute load averages
	 */
	static String loadAverage() {
		try {
			String[] fields = StringUtils.tokenizeToStringArray(Files.readString(Path.of("/proc/loadavg")), " \t\n");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return "";
		}
	}

	/**
	 * Describes the machine: cores, CPU, memory, JDK, OS.
	 * @return one line
	 */
	static String machine() {
		String cpu = "";
		try {
			cpu = Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.map((model) -> " (" + model + ")")
				.orElse("");
		}
		catch (IOException | RuntimeException ex) {
			// Not Linux: the core count is enough.
		}
		return Runtime.getRuntime().availableProcessors() + " cores" + cpu + ", "
				+ Math.round(Runtime.getRuntime().maxMemory() / (1024.0 * 1024 * 1024)) + " GiB max heap; JDK "
				+ System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + "; OS "
				+ System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
				+ System.getProperty("os.arch");
	}

}
