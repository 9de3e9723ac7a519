package dev.handoff.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A master, one replica and one Sentinel that watches them as {@value #MASTER_NAME} with
 * a quorum of 1: the topology Boot connects to with
 * {@code spring.data.redis.sentinel.master} and {@code spring.data.redis.sentinel.nodes},
 * where the client asks the Sentinel for the master. {@link #failover()} swaps the roles
 * and waits until the pair is healthy again, so a test can fail over as often as it
 * likes.
 * <p>
 * The Sentinel declares a master down after {@value #DOWN_AFTER_MILLIS} ms without a
 * reply, so a test that kills the master sees an automatic failover within a few seconds
 * ({@link #awaitMaster(RedisServerProcess)}); long enough that a busy machine does not
 * fail over by accident.
 */
public final class SentinelTopology implements RedisTopology {

	/** The name the Sentinel monitors the master under. */
	public static final String MASTER_NAME = "mymaster";

	private static final int DOWN_AFTER_MILLIS = 2000;

	private static final int FAILOVER_TIMEOUT_MILLIS = 10000;

	private final List<RedisServerProcess> dataNodes;

	private final RedisServerProcess sentinel;

	private SentinelTopology(List<RedisServerProcess> dataNodes, RedisServerProcess sentinel) {
		this.dataNodes = dataNodes;
		this.sentinel = sentinel;
	}

	static SentinelTopology start() {
		List<RedisServerProcess> started = new ArrayList<>();
		try {
			String[] arguments = NodeSupport.REPLICATION_ARGUMENTS.toArray(String[]::new);
			RedisServerProcess master = RedisServerProcess.builder().arguments(arguments).start();
			started.add(master);
			RedisServerProcess replica = RedisServerProcess.builder().arguments(arguments).start();
			started.add(replica);
			NodeSupport.replicate(replica, master);
			RedisServerProcess sentinel = RedisServerProcess.builder().sentinel(configuration(master)).start();
			started.add(sentinel);
			SentinelTopology topology = new SentinelTopology(List.of(master, replica), sentinel);
			topology.awaitHealthy(master, replica);
			return topology;
		}
		catch (RuntimeException | Error ex) {
			NodeSupport.killAll(started, ex);
			throw ex;
		}
	}

	private static String configuration(RedisServerProcess master) {
		return String.join("\n", "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 1",
				"sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
				"sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MILLIS,
				"sentinel parallel-syncs " + MASTER_NAME + " 1", "");
	}

	/**
	 * Returns the Sentinel; {@code sentinel().command("SENTINEL", "MASTER", "mymaster")}
	 * asks it what it knows.
	 * @return the Sentinel
	 */
	public RedisServerProcess sentinel() {
		return this.sentinel;
	}

	/**
	 * Returns the data node the Sentinel names as the master now.
	 * @return the master
	 */
	public RedisServerProcess master() {
		int port = sentinelMasterPort();
		return this.dataNodes.stream()
			.filter((node) -> node.port() == port)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("The Sentinel names an unknown master on port " + port));
	}

	/**
	 * Returns the data node that is not {@link #master()}.
	 * @return the replica
	 */
	public RedisServerProcess replica() {
		return other(master());
	}

	/**
	 * Makes the Sentinel fail over ({@code SENTINEL FAILOVER mymaster}) and waits until
	 * the Sentinel has finished (it names the replica as the master and no failover is in
	 * progress), the replica says it is the master and the old master replicates it, so
	 * the next failover can follow at once.
	 * <p>
	 * Left alone, the Sentinel demotes an old master that is still up only some 10 s
	 * after the promotion (it waits 8 s, then for its next INFO of the node). The harness
	 * does the same at once: it sends the old master the Sentinel's own reconfiguration
	 * ({@code REPLICAOF} with {@code CLIENT KILL TYPE normal} and {@code pubsub}, in one
	 * transaction), so its clients are disconnected as they would be. Until then, as in
	 * production, the old master still takes writes. The Sentinel's own record of the old
	 * master's role catches up at its next INFO, within 10 s; it does not need to for a
	 * further failover.
	 * @return the new master
	 */
	public RedisServerProcess failover() {
		RedisServerProcess oldMaster = master();
		RedisServerProcess newMaster = other(oldMaster);
		this.sentinel.command("SENTINEL", "FAILOVER", MASTER_NAME);
		awaitMaster(newMaster);
		if (isMaster(oldMaster)) {
			demote(oldMaster, newMaster);
		}
		NodeSupport.awaitLinkUp(oldMaster, newMaster);
		Conditions.await("the Sentinel to list " + oldMaster + " as a replica", NodeSupport.SETTLE_TIMEOUT,
				() -> replicaProblem(newMaster, oldMaster, false));
		return newMaster;
	}

	/**
	 * Waits until the Sentinel has finished any failover and names {@code node} as the
	 * master, and {@code node} says it is one, such as after a test killed the master and
	 * the Sentinel failed over by itself.
	 * @param node the node expected to be the master
	 */
	public void awaitMaster(RedisServerProcess node) {
		Conditions.await("the Sentinel to name " + node + " as the master", NodeSupport.SETTLE_TIMEOUT,
				() -> masterProblem(node));
	}

	private void demote(RedisServerProcess oldMaster, RedisServerProcess newMaster) {
		try (Resp resp = Resp.connect(oldMaster.port(), null, Resp.DEFAULT_TIMEOUT)) {
			resp.send("MULTI");
			resp.send("REPLICAOF", "127.0.0.1", String.valueOf(newMaster.port()));
			resp.send("CLIENT", "KILL", "TYPE", "normal");
			resp.send("CLIENT", "KILL", "TYPE", "pubsub");
			resp.send("EXEC");
		}
	}

	private void awaitHealthy(RedisServerProcess master, RedisServerProcess replica) {
		NodeSupport.awaitLinkUp(replica, master);
		Conditions.await("the Sentinel to see " + master + " replicated by " + replica, NodeSupport.SETTLE_TIMEOUT,
				() -> {
					String problem = masterProblem(master);
					return (problem != null) ? problem : replicaProblem(master, replica, true);
				});
	}

	/**
	 * Tells what keeps {@code master} from being the master as the Sentinel and the node
	 * see it. During a failover GET-MASTER-ADDR-BY-NAME already names the promoted
	 * replica, so the failover must also be over: SENTINEL MASTER names the node, with no
	 * {@code failover_in_progress} flag.
	 */
	private @Nullable String masterProblem(RedisServerProcess master) {
		Map<String, String> masterState = fields(this.sentinel.command("SENTINEL", "MASTER", MASTER_NAME));
		if (sentinelMasterPort() != master.port() || !String.valueOf(master.port()).equals(masterState.get("port"))
				|| !"master".equals(masterState.get("flags"))) {
			return "SENTINEL MASTER says " + masterState;
		}
		return isMaster(master) ? null : master + " says " + master.info("replication");
	}

	/**
	 * Tells what keeps the Sentinel from listing {@code replica} as a promotable replica
	 * of {@code master}: connected, not down, and, if {@code inSync} is asked for, with
	 * an up link to this master as the replica's last INFO said.
	 */
	private @Nullable String replicaProblem(RedisServerProcess master, RedisServerProcess replica, boolean inSync) {
		Object replicas = this.sentinel.command("SENTINEL", "REPLICAS", MASTER_NAME);
		for (Object entry : (List<?>) replicas) {
			Map<String, String> replicaState = fields(entry);
			if (String.valueOf(replica.port()).equals(replicaState.get("port"))) {
				boolean ready = "slave".equals(replicaState.get("flags"))
						&& (!inSync || ("ok".equals(replicaState.get("master-link-status"))
								&& String.valueOf(master.port()).equals(replicaState.get("master-port"))));
				return ready ? null : "SENTINEL REPLICAS says " + replicaState;
			}
		}
		return "SENTINEL REPLICAS does not list port " + replica.port() + " yet: " + replicas;
	}

	private int sentinelMasterPort() {
		Object address = this.sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
		return Integer.parseInt(String.valueOf(((List<?>) address).get(1)));
	}

	private RedisServerProcess other(RedisServerProcess node) {
		return (this.dataNodes.get(0) == node) ? this.dataNodes.get(1) : this.dataNodes.get(0);
	}

	private static boolean isMaster(RedisServerProcess node) {
		return node.isRunning() && "master".equals(node.info("replication").get("role"));
	}

	/** Reads Sentinel's flat {@code [name, value, name, value, ...]} replies. */
	private static Map<String, String> fields(@Nullable Object reply) {
		Map<String, String> fields = new LinkedHashMap<>();
		List<?> list = (List<?>) reply;
		for (int i = 0; list != null && i + 1 < list.size(); i += 2) {
			fields.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
		}
		return fields;
	}

	@Override
	public String name() {
		return "sentinel";
	}

	@Override
	public Map<String, String> springProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.sentinel.master", MASTER_NAME);
		properties.put("spring.data.redis.sentinel.nodes", NodeSupport.address(this.sentinel));
		return properties;
	}

	/**
	 * Returns both data nodes, in the order they were started (the first started as the
	 * master), whatever their roles are now.
	 * @return the data nodes
	 */
	@Override
	public List<RedisServerProcess> nodes() {
		return this.dataNodes;
	}

	@Override
	public void close() {
		List<AutoCloseable> processes = List.of(this.sentinel, this.dataNodes.get(1), this.dataNodes.get(0));
		RuntimeException failure = new IllegalStateException("Cannot stop " + this);
		NodeSupport.killAll(processes, failure);
		if (failure.getSuppressed().length > 0) {
			throw failure;
		}
	}

	@Override
	public String toString() {
		return name() + " " + ports() + ", Sentinel on " + this.sentinel.port();
	}

}
