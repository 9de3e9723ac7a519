package dev.handoff.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.handoff.core.HandoffTemplate;
import dev.handoff.demo.HandoffHistory.Received;
import dev.handoff.demo.LiveCounters.Tally;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.stereotype.Component;

/**
 * Reads everything the demo shows into one {@link Snapshot}.
 */
@Component
class DemoState {

	private final String instanceId;

	private final DemoProperties properties;

	private final RateLimiter rateLimiter;

	private final LiveCounters liveCounters;

	private final HandoffHistory history;

	private final String redis;

	DemoState(HandoffTemplate handoffTemplate, DemoProperties properties, RateLimiter rateLimiter,
			LiveCounters liveCounters, HandoffHistory history, DataRedisConnectionDetails redisConnectionDetails,
			ObjectProvider<LocalRedis> localRedis) {
		this.instanceId = handoffTemplate.getInstanceId();
		this.properties = properties;
		this.rateLimiter = rateLimiter;
		this.liveCounters = liveCounters;
		this.history = history;
		this.redis = describe(redisConnectionDetails, localRedis.getIfAvailable());
	}

	String instanceId() {
		return this.instanceId;
	}

	Snapshot snapshot(int inFlight) {
		Map<String, Map<String, Tally>> servedBy = this.liveCounters.snapshot();
		Map<String, Map<String, Integer>> inWindow = this.rateLimiter.usage();
		TreeSet<String> names = new TreeSet<>(inWindow.keySet());
		servedBy.values().forEach((clients) -> names.addAll(clients.keySet()));
		List<ClientState> clients = new ArrayList<>();
		for (String client : names) {
			long allowed = 0;
			long rejected = 0;
			Map<String, Long> byInstance = new TreeMap<>();
			for (Map.Entry<String, Map<String, Tally>> entry : servedBy.entrySet()) {
				Tally tally = entry.getValue().get(client);
				if (tally != null) {
					allowed += tally.allowed();
					rejected += tally.rejected();
					byInstance.put(entry.getKey(), tally.total());
				}
			}
			int used = inWindow.getOrDefault(client, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
			clients.add(new ClientState(client, allowed, rejected, used, byInstance));
		}
		return new Snapshot(this.instanceId, this.properties.getVersion(), this.redis, inFlight,
				this.rateLimiter.limit(), this.properties.getRateLimit().getWindow(), clients, servedBy, inWindow,
				this.history.all());
	}

	private static String describe(DataRedisConnectionDetails details, @Nullable LocalRedis localRedis) {
		if (localRedis != null) {
			return localRedis.host() + ":" + localRedis.port() + (localRedis.isOwn()
					? " (redis-server started by this instance)" : " (found on the default port)");
		}
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		if (details.getSentinel() != null) {
			return "Sentinel master " + details.getSentinel().getMaster();
		}
		if (details.getCluster() != null) {
			return "Cluster " + details.getCluster().getNodes();
		}
		return (standalone != null) ? standalone.getHost() + ":" + standalone.getPort() + " (configured)"
				: "configured";
	}

	/**
	 * Everything the demo shows.
	 *
	 * @param instance this instance's id
	 * @param version the deployed version
	 * @param redis where the state goes on shutdown
	 * @param inFlight requests being served right now
	 * @param limit requests per client and window
	 * @param window the rate limiter's window
	 * @param clients per client totals
	 * @param servedBy instance that served → client → tally
	 * @param inWindow client → instance that granted → requests in the current window
	 * @param handoffs records this instance received, oldest first
	 */
	record Snapshot(String instance, String version, String redis, int inFlight, int limit, Duration window,
			List<ClientState> clients, Map<String, Map<String, Tally>> servedBy,
			Map<String, Map<String, Integer>> inWindow, List<Received> handoffs) {
	}

	/**
	 * One client's totals.
	 *
	 * @param client the client
	 * @param allowed requests let through, by any instance
	 * @param rejected requests refused, by any instance
	 * @param inWindow requests in the current window
	 * @param byInstance requests by the instance that served them
	 */
	record ClientState(String client, long allowed, long rejected, int inWindow, Map<String, Long> byInstance) {
	}

}
