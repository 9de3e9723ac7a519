package dev.handoff.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.handoff.demo.DemoState.ClientState;
import dev.handoff.demo.DemoState.Snapshot;
import dev.handoff.demo.HandoffHistory.Received;

import org.springframework.web.util.HtmlUtils;

/**
 * The page at {@code /}: who this instance is, its state, and where that state came from.
 */
final class StatusPage {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
		.withZone(ZoneId.systemDefault());

	private StatusPage() {
	}

	static String render(Snapshot snapshot, String base) {
		StringBuilder html = new StringBuilder(4096);
		html.append("""
				<!DOCTYPE html>
				<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
				<title>Handoff demo · %1$s</title>
				<style>
				body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
				table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{padding:.25rem .8rem;text-align:left}
				th{border-bottom:2px solid #ccc}td{border-bottom:1px solid #eee}td.n{text-align:right}
				.box{padding:.6rem 1rem;border-radius:6px;background:#e9f6ec;border:1px solid #9c9}
				.empty{background:#f4f4f4;border-color:#ccc}code{background:#f4f4f4;padding:0 .2rem}small{color:#666}
				</style></head><body>
				<h1>Instance <code>%1$s</code>, version <code>%2$s</code></h1>
				""".formatted(escape(snapshot.instance()), escape(snapshot.version())));
		origin(html, snapshot.handoffs());
		clients(html, snapshot);
		handoffs(html, snapshot.handoffs());
		html.append("<p><small>Redis: ")
			.append(escape(snapshot.redis()))
			.append(" · requests in flight: ")
			.append(snapshot.inFlight())
			.append(" · refreshes every 2 s · JSON at <a href=\"api/state\">/api/state</a>")
			.append("</small></p>\n<p><small>Try: <code>curl -X POST ")
			.append(escape(base))
			.append("/api/clients/alice/requests</code>, then stop this instance while another one runs.</small></p>\n")
			.append("</body></html>\n");
		return html.toString();
	}

	private static void origin(StringBuilder html, List<Received> handoffs) {
		if (handoffs.isEmpty()) {
			html.append(
					"<p class=\"box empty\">Started empty: no handed-off state was waiting for this instance.</p>\n");
			return;
		}
		Set<String> origins = handoffs.stream()
			.map(Received::origin)
			.collect(Collectors.toCollection(LinkedHashSet::new));
		Received last = handoffs.get(handoffs.size() - 1);
		long slowest = handoffs.stream().mapToLong(Received::latencyMillis).max().orElse(0);
		html.append("<p class=\"box\">State handed off by <b>")
			.append(escape(String.join(", ", origins)))
			.append("</b>: ")
			.append(handoffs.size())
			.append(handoffs.size() == 1 ? " record" : " records")
			.append(", the last handed off at ")
			.append(TIME.format(last.createdAt()))
			.append(" and merged here ")
			.append(millis(last.latency()))
			.append(" later (slowest: ")
			.append(slowest)
			.append(" ms).</p>\n");
	}

	private static void clients(StringBuilder html, Snapshot snapshot) {
		html.append("<h2>Clients</h2>\n");
		if (snapshot.clients().isEmpty()) {
			html.append("<p>No requests yet.</p>\n");
			return;
		}
		html.append("<table><tr><th>Client</th><th>Allowed</th><th>Refused</th><th>In window (limit ")
			.append(snapshot.limit())
			.append(" per ")
			.append(escape(human(snapshot.window())))
			.append(")</th><th>Served by</th></tr>\n");
		for (ClientState client : snapshot.clients()) {
			String servedBy = client.byInstance()
				.entrySet()
				.stream()
				.map((entry) -> escape(entry.getKey()) + ": " + entry.getValue())
				.collect(Collectors.joining(" · "));
			html.append("<tr><td>")
				.append(escape(client.client()))
				.append("</td><td class=\"n\">")
				.append(client.allowed())
				.append("</td><td class=\"n\">")
				.append(client.rejected())
				.append("</td><td class=\"n\">")
				.append(client.inWindow())
				.append(client.inWindow() >= snapshot.limit() ? " (limited)" : "")
				.append("</td><td>")
				.append(servedBy)
				.append("</td></tr>\n");
		}
		html.append("</table>\n");
	}

	private static void handoffs(StringBuilder html, List<Received> handoffs) {
		if (handoffs.isEmpty()) {
			return;
		}
		html.append("<h2>Handoffs received</h2>\n<table><tr><th>Label</th><th>From</th><th>Handed off</th>")
			.append("<th>Merged here</th><th>Latency</th></tr>\n");
		for (Received received : handoffs) {
			html.append("<tr><td>")
				.append(escape(received.label()))
				.append("</td><td>")
				.append(escape(received.origin()))
				.append("</td><td>")
				.append(time(received.createdAt()))
				.append("</td><td>")
				.append(time(received.receivedAt()))
				.append("</td><td class=\"n\">")
				.append(millis(received.latency()))
				.append("</td></tr>\n");
		}
		html.append("</table>\n");
	}

	private static String time(Instant instant) {
		return TIME.format(instant);
	}

	private static String millis(Duration duration) {
		return duration.toMillis() + " ms";
	}

	private static String human(Duration duration) {
		return (duration.toSeconds() % 60 == 0 && duration.toMinutes() > 0) ? duration.toMinutes() + " min"
				: duration.toMillis() / 1000.0 + " s";
	}

	private static String escape(String text) {
		return HtmlUtils.htmlEscape(text);
	}

}
