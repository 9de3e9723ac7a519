package dev.handoff.test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the topologies share: the arguments of replicated data nodes, making a node a
 * replica, and killing what a failed start had started.
 */
final class NodeSupport {

	/**
	 * How long the harness waits for a topology to settle: replication, gossip, a
	 * failover.
	 */
	static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Arguments for nodes that replicate: the master streams the snapshot straight to the
	 * socket, at once (the default waits 5 s for more replicas), so a replica is in sync
	 * in milliseconds and the master writes no {@code dump.rdb}.
	 */
	static final List<String> REPLICATION_ARGUMENTS = List.of("--repl-diskless-sync", "yes",
			"--repl-diskless-sync-delay", "0");

	private NodeSupport() {
	}

	/**
	 * Makes {@code replica} a replica of {@code master} with REPLICAOF and waits until
	 * its link is up.
	 * @param replica the node to make a replica
	 * @param master its master
	 */
	static void replicate(RedisServerProcess replica, RedisServerProcess master) {
		replica.command("REPLICAOF", "127.0.0.1", String.valueOf(master.port()));
		awaitLinkUp(replica, master);
	}

	/**
	 * Waits until {@code replica} reports an up link to {@code master}.
	 * @param replica the replica
	 * @param master its master
	 */
	static void awaitLinkUp(RedisServerProcess replica, RedisServerProcess master) {
		Conditions.await(replica + " to replicate " + master, SETTLE_TIMEOUT, () -> {
			Map<String, String> replication = replica.info("replication");
			boolean up = "slave".equals(replication.get("role"))
					&& String.valueOf(master.port()).equals(replication.get("master_port"))
					&& "up".equals(replication.get("master_link_status"));
			return up ? null : "INFO replication says " + replication;
		});
	}

	/**
	 * Kills the processes a failed start had started, keeping what goes wrong doing so as
	 * suppressed exceptions of the failure, which the caller rethrows.
	 * @param started the processes started so far
	 * @param failure why the start failed
	 */
	static void killAll(List<? extends AutoCloseable> started, Throwable failure) {
		for (AutoCloseable process : started) {
			try {
				process.close();
			}
			catch (Exception ex) {
				failure.addSuppressed(ex);
			}
		}
	}

	/**
	 * Returns the {@code host:port} of a node, as Boot's node-list properties take it.
	 * @param node the node
	 * @return {@code 127.0.0.1:port}
	 */
	static String address(RedisServerProcess node) {
		return "127.0.0.1:" + node.port();
	}

}
