package dev.handoff.test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * The topologies shared by every test of a JVM, each started on first use and stopped
 * when the JVM exits, so that the suite starts one cluster, not one per test class. Tests
 * sharing one isolate themselves by key namespace (a random prefix; on the cluster,
 * inside the hash tag when keys must share a slot), must not close it, stop its nodes or
 * change server-wide settings without undoing them, and should fail over only a private
 * {@link RedisTopology#sentinel()}. A test that breaks nodes starts its own through the
 * static methods of {@link RedisTopology} and closes it.
 */
public final class RedisTopologies {

	private static final List<RedisTopology> STARTED = new ArrayList<>();

	private static @Nullable StandaloneTopology standalone;

	private static @Nullable ClusterTopology cluster;

	private static @Nullable SentinelTopology sentinel;

	private static @Nullable MasterReplicaTopology masterReplica;

	private static @Nullable TlsTopology tls;

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(RedisTopologies::closeAll, "redis-topologies-shutdown"));
	}

	private RedisTopologies() {
	}

	/**
	 * Returns the shared standalone server.
	 * @return the running topology
	 */
	public static synchronized StandaloneTopology standalone() {
		standalone = started(standalone, RedisTopology::standalone);
		return standalone;
	}

	/**
	 * Returns the shared cluster: three masters with one replica each.
	 * @return the running topology
	 */
	public static synchronized ClusterTopology cluster() {
		cluster = started(cluster, RedisTopology::cluster);
		return cluster;
	}

	/**
	 * Returns the shared Sentinel topology.
	 * @return the running topology
	 */
	public static synchronized SentinelTopology sentinel() {
		sentinel = started(sentinel, RedisTopology::sentinel);
		return sentinel;
	}

	/**
	 * Returns the shared master and replica.
	 * @return the running topology
	 */
	public static synchronized MasterReplicaTopology masterReplica() {
		masterReplica = started(masterReplica, RedisTopology::masterReplica);
		return masterReplica;
	}

	/**
	 * Returns the shared TLS server, or aborts the test if the binary has no TLS.
	 * @return the running topology
	 */
	public static synchronized TlsTopology tls() {
		tls = started(tls, RedisTopology::tls);
		return tls;
	}

	private static <T extends RedisTopology> T started(@Nullable T topology, Supplier<T> start) {
		if (topology != null) {
			return topology;
		}
		T started = start.get();
		STARTED.add(started);
		return started;
	}

	private static synchronized void closeAll() {
		for (RedisTopology topology : STARTED) {
			try {
				topology.close();
			}
			catch (RuntimeException ex) {
				// RedisServerProcess's own hook kills whatever is left.
			}
		}
	}

}
