package dev.handoff.demo;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import dev.handoff.demo.DemoState.Snapshot;
import dev.handoff.demo.RateLimiter.Decision;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The demo's HTTP API: requests of clients go through the rate limiter and are counted;
 * the state can be read as JSON, as plain text for scripts, and as a page at {@code /}.
 */
@RestController
class DemoController {

	private static final Pattern CLIENT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	private static final long MAX_WORK_MILLIS = 10_000;

	private final RateLimiter rateLimiter;

	private final LiveCounters liveCounters;

	private final DemoState state;

	private final AtomicInteger inFlight = new AtomicInteger();

	DemoController(RateLimiter rateLimiter, LiveCounters liveCounters, DemoState state) {
		this.rateLimiter = rateLimiter;
		this.liveCounters = liveCounters;
		this.state = state;
	}

	/**
	 * One request of a client. The rate limiter decides at once; an allowed request then
	 * does {@code work} milliseconds of work and is counted when it is done, so a request
	 * caught by shutdown changes the state while the instance drains.
	 */
	@PostMapping("/api/clients/{client}/requests")
	ResponseEntity<Map<String, Object>> request(@PathVariable String client,
			@RequestParam(defaultValue = "0") long work) throws InterruptedException {
		if (!CLIENT.matcher(client).matches() || work < 0 || work > MAX_WORK_MILLIS) {
			return ResponseEntity.badRequest()
				.body(Map.of("error",
						"client: 1 to 64 letters, digits, '.', '_' or '-'; work: 0 to " + MAX_WORK_MILLIS + " ms"));
		}
		this.inFlight.incrementAndGet();
		try {
			Decision decision = this.rateLimiter.tryAcquire(client);
			if (decision.allowed()) {
				Thread.sleep(work);
			}
			this.liveCounters.record(client, decision.allowed());
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("client", client);
			body.put("allowed", decision.allowed());
			body.put("used", decision.used());
			body.put("limit", decision.limit());
			body.put("instance", this.state.instanceId());
			if (decision.allowed()) {
				return ResponseEntity.ok(body);
			}
			long retryAfter = Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000);
			return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
				.header(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfter))
				.body(body);
		}
		catch (IllegalStateException ex) {
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", ex.getMessage()));
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	@GetMapping(path = "/api/state", produces = MediaType.APPLICATION_JSON_VALUE)
	Snapshot state() {
		return this.state.snapshot(this.inFlight.get());
	}

	/**
	 * The state as one fact per line, for rolling-deploy.sh:
	 * {@code counter <served-by> <client> <allowed>
	 * <rejected>}, {@code window <granted-by> <client> <requests>} and
	 * {@code handoff <label> <origin> <latency-ms>
	 * <record-id>}, the latency to a tenth of a millisecond.
	 */
	@GetMapping(path = "/api/state.txt", produces = MediaType.TEXT_PLAIN_VALUE)
	String stateText() {
		Snapshot snapshot = this.state.snapshot(this.inFlight.get());
		StringBuilder text = new StringBuilder();
		text.append("instance ").append(snapshot.instance()).append('\n');
		text.append("version ").append(snapshot.version()).append('\n');
		text.append("inflight ").append(snapshot.inFlight()).append('\n');
		snapshot.servedBy()
			.forEach((origin,
					clients) -> clients.forEach((client, tally) -> text.append("counter ")
						.append(origin)
						.append(' ')
						.append(client)
						.append(' ')
						.append(tally.allowed())
						.append(' ')
						.append(tally.rejected())
						.append('\n')));
		snapshot.inWindow()
			.forEach((client,
					origins) -> origins.forEach((origin, used) -> text.append("window ")
						.append(origin)
						.append(' ')
						.append(client)
						.append(' ')
						.append(used)
						.append('\n')));
		snapshot.handoffs()
			.forEach((received) -> text.append("handoff ")
				.append(received.label())
				.append(' ')
				.append(received.origin())
				.append(' ')
				.append(String.format(Locale.ROOT, "%.1f", received.latency().toNanos() / 1e6))
				.append(' ')
				.append(received.id())
				.append('\n'));
		return text.toString();
	}

	@GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
	String page() {
		String base = ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
		return StatusPage.render(this.state.snapshot(this.inFlight.get()), base);
	}

}
