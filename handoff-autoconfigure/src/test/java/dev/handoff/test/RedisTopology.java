package dev.handoff.test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A running Redis deployment on loopback (one server, a cluster, a Sentinel-watched pair,
 * a static master/replica pair, or a TLS server), made of real {@link RedisServerProcess
 * processes}, for tests to run the same code against each. A topology says how a Spring
 * Boot user would connect to it ({@link #springProperties()}), gives Boot's connection
 * factory for it ({@link #connectionFactory(RedisClientType, String...)}), and gives the
 * harness's own way to its data nodes ({@link #nodes()},
 * {@link #commandOnEveryNode(String...)}), for what the clients under test should not do
 * for the test: setting ACL users, reading INFO commandstats, killing a node.
 * <p>
 * The static methods start a private topology, which its test closes and may break;
 * {@link RedisTopologies} holds the shared ones, which many test classes use at once,
 * each in a key namespace of its own. Closing a topology kills all its processes; a
 * topology that fails to start kills what it had started before it throws.
 */
public sealed interface RedisTopology extends AutoCloseable
		permits StandaloneTopology, ClusterTopology, SentinelTopology, MasterReplicaTopology, TlsTopology {

	/**
	 * Returns a short name for test display names, such as {@code cluster}.
	 * @return the name
	 */
	String name();

	/**
	 * Returns exactly the properties a Spring Boot user would set to connect to this
	 * topology: {@code
	 * spring.data.redis.*}, and {@code spring.ssl.*} for TLS. They say nothing about the
	 * client type or timeouts.
	 * @return the properties, in a stable order
	 */
	Map<String, String> springProperties();

	/**
	 * Returns the data nodes: every master and replica, not Sentinels, whether running or
	 * not.
	 * @return the data nodes
	 */
	List<RedisServerProcess> nodes();

	/**
	 * Returns the ports of the {@link #nodes() data nodes}.
	 * @return the ports
	 */
	default List<Integer> ports() {
		return nodes().stream().map(RedisServerProcess::port).toList();
	}

	/**
	 * Returns the running data nodes that are masters now, as each node reports its own
	 * role; after a failover this is the promoted replica.
	 * @return the masters
	 */
	default List<RedisServerProcess> masters() {
		return nodes().stream().filter(RedisServerProcess::isRunning).filter(RedisTopology::isMaster).toList();
	}

	/**
	 * Sends a command to every running data node, such as {@code ACL SETUSER} (which does
	 * not replicate) or {@code CONFIG RESETSTAT}.
	 * @param args the command and its arguments
	 * @return the reply of each node, by port
	 * @throws Resp.ErrorReply if a node answers with an error
	 */
	default Map<Integer, @Nullable Object> commandOnEveryNode(String... args) {
		Map<Integer, @Nullable Object> replies = new LinkedHashMap<>();
		for (RedisServerProcess node : nodes()) {
			if (node.isRunning()) {
				replies.put(node.port(), node.command(args));
			}
		}
		return replies;
	}

	/**
	 * Starts an application context with Boot's Redis auto-configuration for this
	 * topology and the client type, configured by {@link #springProperties()} plus a 10 s
	 * command timeout and the client type.
	 * @param clientType the client Boot should use
	 * @param extraProperties more {@code key=value} properties, such as a username and
	 * password; they win
	 * @return the running context; close it when done
	 * @throws IllegalStateException if the context does not start, with Boot's failure as
	 * the cause
	 */
	default RedisClientContext connectionFactory(RedisClientType clientType, String... extraProperties) {
		return RedisClientContext.start(this, clientType, extraProperties);
	}

	/** Kills every process of the topology. */
	@Override
	void close();

	/**
	 * Starts a private standalone server.
	 * @return the running topology
	 */
	static StandaloneTopology standalone() {
		return StandaloneTopology.start();
	}

	/**
	 * Starts a private cluster of three masters, each with one replica.
	 * @return the running topology
	 */
	static ClusterTopology cluster() {
		return ClusterTopology.start(3, 1);
	}

	/**
	 * Starts a private master, a replica and a Sentinel that watches them.
	 * @return the running topology
	 */
	static SentinelTopology sentinel() {
		return SentinelTopology.start();
	}

	/**
	 * Starts a private master and replica with no Sentinel.
	 * @return the running topology
	 */
	static MasterReplicaTopology masterReplica() {
		return MasterReplicaTopology.start();
	}

	/**
	 * Starts a private standalone server that serves TLS only, or aborts the test with a
	 * reason if the {@code redis-server} binary was built without TLS.
	 * @return the running topology
	 */
	static TlsTopology tls() {
		return TlsTopology.start();
	}

	private static boolean isMaster(RedisServerProcess node) {
		try {
			return node.command("ROLE") instanceof List<?> role && !role.isEmpty() && "master".equals(role.get(0));
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
