package dev.handoff.redis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Reads, once after startup, the settings of the Redis server (every Cluster master) that
 * decide whether it keeps what it acknowledged: {@code CONFIG GET *} for
 * {@code appendonly}, {@code save}, {@code appendfsync} and {@code maxmemory-policy},
 * and, when handoffs wait for replicas, {@code INFO replication} for the replicas
 * connected; it says in a sentence each what can lose handed-off state.
 */
final class ServerSettings {

	private ServerSettings() {
	}

	/**
	 * Reads the settings and explains the risky ones.
	 * @param connectionFactory the connection factory
	 * @param replicas how many replicas each handoff waits for
	 * ({@code handoff.durability.replicas})
	 * @return one sentence per setting that can lose handed-off state; empty when none
	 * can
	 * @throws RuntimeException when Redis refuses {@code CONFIG GET} (an ACL, or a
	 * managed Redis)
	 */
	static List<String> risks(RedisConnectionFactory connectionFactory, int replicas) {
		Set<String> risks = new LinkedHashSet<>();
		try (RedisConnection connection = connectionFactory.getConnection()) {
			if (replicas > 0 && !(connection instanceof RedisClusterConnection)) {
				String connected = connection.serverCommands().info("replication").getProperty("connected_slaves", "0");
				if (Integer.parseInt(connected.trim()) < replicas) {
					risks.add("Redis has " + connected.trim()
							+ " replica(s) connected, and handoff.durability.replicas " + "is " + replicas
							+ ": every handoff will be reported not durable until enough replicas " + "connect.");
				}
			}
			if (connection instanceof RedisClusterConnection cluster) {
				for (RedisClusterNode node : cluster.clusterGetNodes()) {
					if (node.isMaster()) {
						risks.addAll(risks(cluster.serverCommands().getConfig(node, "*"), node.asString()));
					}
				}
			}
			else {
				risks.addAll(risks(connection.serverCommands().getConfig("*"), null));
			}
		}
		return new ArrayList<>(risks);
	}

	private static List<String> risks(Properties config, @Nullable String node) {
		String where = (node != null) ? "Redis " + node : "Redis";
		List<String> risks = new ArrayList<>();
		String appendonly = value(config, "appendonly");
		String save = value(config, "save");
		if ("no".equals(appendonly)) {
			risks.add(where + " has appendonly no" + (save.isBlank()
					? " and no RDB snapshots (save \"\"): a restart " + "loses every handoff record waiting in it"
					: ": a restart loses the handoff records written " + "since its last RDB snapshot (save " + save
							+ ")")
					+ ". Set appendonly yes (appendfsync everysec or always) where handoffs must survive a restart.");
		}
		else if ("no".equals(value(config, "appendfsync"))) {
			risks.add(where + " has appendfsync no: the operating system decides when handoff records reach disk, "
					+ "so a crash of the machine can lose them. Set appendfsync everysec or always.");
		}
		String policy = value(config, "maxmemory-policy");
		if (policy.startsWith("allkeys-") || policy.startsWith("volatile-")) {
			risks.add(where + " has maxmemory-policy " + policy + ": when it fills up it may evict handoff keys (each "
					+ "has a TTL), and with them waiting records. Use noeviction, or a Redis of its own for Handoff.");
		}
		return risks;
	}

	/** A setting's value; the key may carry a node prefix. */
	private static String value(Properties config, String name) {
		for (String key : config.stringPropertyNames()) {
			if (key.equals(name) || key.endsWith("." + name)) {
				return config.getProperty(key).toLowerCase(Locale.ROOT).trim();
			}
		}
		return "";
	}

}
