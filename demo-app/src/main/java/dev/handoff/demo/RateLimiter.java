package dev.handoff.demo;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.core.HandoffTemplate;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * A per-client sliding-window rate limiter: at most {@code demo.rate-limit.requests}
 * requests per client within {@code demo.rate-limit.window}. Without Handoff every deploy
 * would give each client a fresh window.
 * <p>
 * Grants are kept per instance that granted them. A slice stops changing once its
 * instance has handed it off, so two copies of a slice differ only in how much of their
 * oldest part has expired: merging keeps the longer copy, and a record that arrives
 * twice, or once directly and once inside the state of another stopping instance, counts
 * once.
 */
@Component
@Handoff("rate-limiter")
public class RateLimiter implements HandoffParticipant<RateLimiter.Grants> {

	private final String instanceId;

	private final int limit;

	private final long windowMillis;

	private final HandoffHistory history;

	private final Clock clock;

	/** client → instance that granted → grant times in epoch ms, oldest first. */
	private final Map<String, Map<String, Deque<Long>>> grants = new HashMap<>();

	@Autowired
	public RateLimiter(HandoffTemplate handoffTemplate, DemoProperties properties, HandoffHistory history) {
		this(handoffTemplate.getInstanceId(), properties.getRateLimit().getRequests(),
				properties.getRateLimit().getWindow(), history, Clock.systemUTC());
	}

	RateLimiter(String instanceId, int limit, Duration window, HandoffHistory history, Clock clock) {
		this.instanceId = instanceId;
		this.limit = limit;
		this.windowMillis = window.toMillis();
		this.history = history;
		this.clock = clock;
	}

	/**
	 * Grants a request of the client if its window has room.
	 * @param client the client
	 * @return the decision
	 */
	public synchronized Decision tryAcquire(String client) {
		long now = this.clock.millis();
		Map<String, Deque<Long>> slices = this.grants.computeIfAbsent(client, (key) -> new HashMap<>());
		int used = prune(slices, now);
		if (used >= this.limit) {
			long oldest = slices.values().stream().mapToLong(Deque::getFirst).min().orElse(now);
			return new Decision(false, used, this.limit, Duration.ofMillis(oldest + this.windowMillis - now));
		}
		slices.computeIfAbsent(this.instanceId, (key) -> new ArrayDeque<>()).addLast(now);
		return new Decision(true, used + 1, this.limit, Duration.ZERO);
	}

	/**
	 * Returns each client's use of its window, by the instance that granted it.
	 * @return client → instance → requests granted in the current window
	 */
	public synchronized Map<String, Map<String, Integer>> usage() {
		long now = this.clock.millis();
		Map<String, Map<String, Integer>> usage = new TreeMap<>();
		this.grants.forEach((client, slices) -> {
			prune(slices, now);
			if (!slices.isEmpty()) {
				Map<String, Integer> byOrigin = new TreeMap<>();
				slices.forEach((origin, times) -> byOrigin.put(origin, times.size()));
				usage.put(client, byOrigin);
			}
		});
		this.grants.values().removeIf(Map::isEmpty);
		return usage;
	}

	public int limit() {
		return this.limit;
	}

	@Override
	public synchronized @Nullable Grants handoffState() {
		long now = this.clock.millis();
		Map<String, Map<String, List<Long>>> state = new TreeMap<>();
		this.grants.forEach((client, slices) -> {
			prune(slices, now);
			if (!slices.isEmpty()) {
				Map<String, List<Long>> copy = new TreeMap<>();
				slices.forEach((origin, times) -> copy.put(origin, new ArrayList<>(times)));
				state.put(client, copy);
			}
		});
		return state.isEmpty() ? null : new Grants(state);
	}

	@Override
	public void receiveHandoff(List<HandoffRecord<Grants>> handoffs) {
		synchronized (this) {
			for (HandoffRecord<Grants> handoff : handoffs) {
				handoff.data().byClient().forEach((client, incoming) -> {
					Map<String, Deque<Long>> slices = this.grants.computeIfAbsent(client, (key) -> new HashMap<>());
					incoming.forEach((origin, times) -> {
						Deque<Long> existing = slices.get(origin);
						if (existing == null || existing.size() < times.size()) {
							slices.put(origin, new ArrayDeque<>(times));
						}
					});
				});
			}
		}
		this.history.received(handoffs);
	}

	/** Drops grants that left the window; returns how many remain. */
	private int prune(Map<String, Deque<Long>> slices, long now) {
		long horizon = now - this.windowMillis;
		int used = 0;
		for (Iterator<Deque<Long>> iterator = slices.values().iterator(); iterator.hasNext();) {
			Deque<Long> times = iterator.next();
			while (!times.isEmpty() && times.getFirst() <= horizon) {
				times.removeFirst();
			}
			if (times.isEmpty()) {
				iterator.remove();
			}
			used += times.size();
		}
		return used;
	}

	/**
	 * The state handed off: the grants still inside the window.
	 *
	 * @param byClient client → instance that granted → grant times in epoch ms, oldest
	 * first
	 */
	public record Grants(Map<String, Map<String, List<Long>>> byClient) {
	}

	/**
	 * What the limiter decided about one request.
	 *
	 * @param allowed whether the request may go ahead
	 * @param used requests of the client in the window, this one included when allowed
	 * @param limit requests allowed per window
	 * @param retryAfter when a refused client may try again
	 */
	public record Decision(boolean allowed, int used, int limit, Duration retryAfter) {
	}

}
