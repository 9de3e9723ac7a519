package dev.handoff.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A master and one replica of it, with no Sentinel: the static topology Boot connects to
 * with {@code spring.data.redis.masterreplica.nodes}, where the client finds out by
 * itself which node is the master. Nothing fails over; a test that wants a failover uses
 * the {@link SentinelTopology}.
 */
public final class MasterReplicaTopology implements RedisTopology {

	private final RedisServerProcess master;

	private final RedisServerProcess replica;

	private MasterReplicaTopology(RedisServerProcess master, RedisServerProcess replica) {
		this.master = master;
		this.replica = replica;
	}

	/**
	 * Starts a topology of its own, for a test that stops one of its nodes; others share
	 * {@link RedisTopologies#masterReplica()}.
	 * @return the topology; close it
	 */
	public static MasterReplicaTopology start() {
		List<RedisServerProcess> started = new ArrayList<>();
		try {
			String[] arguments = NodeSupport.REPLICATION_ARGUMENTS.toArray(String[]::new);
			RedisServerProcess master = RedisServerProcess.builder().arguments(arguments).start();
			started.add(master);
			RedisServerProcess replica = RedisServerProcess.builder().arguments(arguments).start();
			started.add(replica);
			NodeSupport.replicate(replica, master);
			return new MasterReplicaTopology(master, replica);
		}
		catch (RuntimeException | Error ex) {
			NodeSupport.killAll(started, ex);
			throw ex;
		}
	}

	/**
	 * Returns the node started as the master.
	 * @return the master
	 */
	public RedisServerProcess master() {
		return this.master;
	}

	/**
	 * Returns the node started as the replica.
	 * @return the replica
	 */
	public RedisServerProcess replica() {
		return this.replica;
	}

	@Override
	public String name() {
		return "master/replica";
	}

	@Override
	public Map<String, String> springProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.masterreplica.nodes",
				NodeSupport.address(this.master) + "," + NodeSupport.address(this.replica));
		return properties;
	}

	@Override
	public List<RedisServerProcess> nodes() {
		return List.of(this.master, this.replica);
	}

	@Override
	public void close() {
		this.replica.close();
		this.master.close();
	}

	@Override
	public String toString() {
		return name() + " " + ports();
	}

}
