package dev.handoff.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * A Redis Cluster on loopback: masters that split the 16384 slots evenly, in order (the
 * first master owns the lowest slots), each with the same number of replicas, every node
 * in a directory of its own with its own {@code nodes.conf}. Boot connects to it with
 * {@code spring.data.redis.cluster.nodes}.
 * <p>
 * It is built as {@code redis-cli --cluster create} would build it, with the harness's
 * own client: each master takes its slots (CLUSTER ADDSLOTS, in batches, since 6.2 has no
 * ADDSLOTSRANGE) and a distinct config epoch, the first node meets the others, each
 * replica follows its master (CLUSTER REPLICATE), and the start returns only once every
 * node says {@code cluster_state:ok}, all nodes report the same nodes, roles and slot
 * owners (CLUSTER NODES), and every replica's link is up, so a client's first topology
 * read is the final one.
 * <p>
 * Redis 6.2 has no {@code cluster-port}: a node's bus port is its port + 10000, so the
 * harness picks ports whose bus port is free too. Nodes time out after
 * {@value #NODE_TIMEOUT_MILLIS} ms, so a test that kills a master sees its replica take
 * over within seconds.
 */
public final class ClusterTopology implements RedisTopology {

	/** The number of hash slots of a Redis Cluster. */
	public static final int SLOTS = 16384;

	private static final int BUS_PORT_OFFSET = 10000;

	private static final int NODE_TIMEOUT_MILLIS = 3000;

	private static final int SLOTS_PER_COMMAND = 1000;

	private final List<RedisServerProcess> masters;

	private final List<RedisServerProcess> replicas;

	private final List<RedisServerProcess> nodes;

	private ClusterTopology(List<RedisServerProcess> masters, List<RedisServerProcess> replicas) {
		this.masters = List.copyOf(masters);
		this.replicas = List.copyOf(replicas);
		List<RedisServerProcess> nodes = new ArrayList<>(masters);
		nodes.addAll(replicas);
		this.nodes = List.copyOf(nodes);
	}

	/**
	 * Starts a cluster.
	 * @param masterCount the number of masters, at least 1
	 * @param replicasPerMaster the number of replicas of each master
	 * @return the running cluster
	 */
	static ClusterTopology start(int masterCount, int replicasPerMaster) {
		int nodeCount = masterCount * (1 + replicasPerMaster);
		List<Integer> ports = portsWithFreeBusPorts(nodeCount);
		List<RedisServerProcess> started = new ArrayList<>();
		try {
			for (int port : ports) {
				started.add(RedisServerProcess.builder()
					.port(port)
					.arguments("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
							"--cluster-node-timeout", String.valueOf(NODE_TIMEOUT_MILLIS))
					.arguments(NodeSupport.REPLICATION_ARGUMENTS.toArray(String[]::new))
					.start());
			}
			List<RedisServerProcess> masters = started.subList(0, masterCount);
			List<RedisServerProcess> replicas = started.subList(masterCount, nodeCount);
			for (int i = 0; i < masterCount; i++) {
				RedisServerProcess master = masters.get(i);
				addSlots(master, SLOTS * i / masterCount, SLOTS * (i + 1) / masterCount);
				// Distinct epochs up front spare the cluster resolving a collision
				// between masters all at epoch 0.
				master.command("CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(i + 1));
			}
			for (RedisServerProcess node : started.subList(1, nodeCount)) {
				started.get(0).command("CLUSTER", "MEET", "127.0.0.1", String.valueOf(node.port()));
			}
			ClusterTopology cluster = new ClusterTopology(masters, replicas);
			// A replica can follow only a master it knows, so everyone must have met
			// everyone first.
			Conditions.await("every node to know the other " + (nodeCount - 1), NodeSupport.SETTLE_TIMEOUT,
					cluster::unknownNodesProblem);
			for (int i = 0; i < replicas.size(); i++) {
				RedisServerProcess master = masters.get(i % masterCount);
				replicas.get(i).command("CLUSTER", "REPLICATE", nodeId(master));
			}
			cluster.awaitConsistent();
			return cluster;
		}
		catch (RuntimeException | Error ex) {
			NodeSupport.killAll(started, ex);
			throw ex;
		}
	}

	private static void addSlots(RedisServerProcess master, int from, int to) {
		for (int batchStart = from; batchStart < to; batchStart += SLOTS_PER_COMMAND) {
			List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
			for (int slot = batchStart; slot < Math.min(to, batchStart + SLOTS_PER_COMMAND); slot++) {
				command.add(String.valueOf(slot));
			}
			master.command(command.toArray(String[]::new));
		}
	}

	/**
	 * Waits until every node is running, says {@code cluster_state:ok}, and all report
	 * the same nodes, roles and slot owners, with every replica's link up: after a start,
	 * or after a test restarted a node or failed over.
	 * @throws IllegalStateException if the cluster does not settle within 30 s, with what
	 * was still wrong
	 */
	public void awaitConsistent() {
		Conditions.await("the cluster " + ports() + " to agree on its nodes and slots", NodeSupport.SETTLE_TIMEOUT,
				this::consistencyProblem);
	}

	/**
	 * Returns the master that owns the slot of {@code key} now, as the nodes report it.
	 * @param key the key, with or without a hash tag
	 * @return the master of its slot
	 */
	public RedisServerProcess masterFor(String key) {
		RedisServerProcess any = this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No node of " + this + " is running"));
		int slot = ((Long) any.command("CLUSTER", "KEYSLOT", key)).intValue();
		for (ClusterNode node : clusterNodes(any)) {
			if (node.master() && node.owns(slot)) {
				return this.nodes.stream()
					.filter((candidate) -> candidate.port() == node.port())
					.findFirst()
					.orElseThrow(() -> new IllegalStateException("Slot " + slot + " is on unknown " + node));
			}
		}
		throw new IllegalStateException("No master owns slot " + slot);
	}

	/**
	 * Returns the node's cluster id (CLUSTER MYID).
	 * @param node a running node
	 * @return its id
	 */
	public static String nodeId(RedisServerProcess node) {
		return String.valueOf(node.command("CLUSTER", "MYID"));
	}

	/**
	 * Returns the nodes started as masters, in slot order; after a failover a replica may
	 * be master instead, which {@link #masters()} tells.
	 * @return the nodes started as masters
	 */
	public List<RedisServerProcess> startedMasters() {
		return this.masters;
	}

	/**
	 * Returns the nodes started as replicas: the i-th follows started master i modulo the
	 * number of masters.
	 * @return the nodes started as replicas
	 */
	public List<RedisServerProcess> startedReplicas() {
		return this.replicas;
	}

	private @Nullable String unknownNodesProblem() {
		for (RedisServerProcess node : this.nodes) {
			List<ClusterNode> known = clusterNodes(node);
			if (known.size() != this.nodes.size() || known.stream().anyMatch(ClusterNode::inHandshake)) {
				return node + " knows " + known;
			}
		}
		return null;
	}

	private @Nullable String consistencyProblem() {
		Set<String> views = new TreeSet<>();
		for (RedisServerProcess node : this.nodes) {
			if (!node.isRunning()) {
				return node + " is not running";
			}
			Map<String, String> info = Resp.parseInfo(node.command("CLUSTER", "INFO"));
			if (!"ok".equals(info.get("cluster_state"))
					|| !String.valueOf(this.nodes.size()).equals(info.get("cluster_known_nodes"))) {
				return node + " says " + info;
			}
			List<ClusterNode> known = clusterNodes(node);
			for (ClusterNode other : known) {
				if (!other.healthy()) {
					return node + " sees " + other;
				}
			}
			views.add(known.stream().map(ClusterNode::view).sorted().collect(Collectors.joining("\n")));
			Map<String, String> replication = node.info("replication");
			if ("slave".equals(replication.get("role")) && !"up".equals(replication.get("master_link_status"))) {
				return node + " has its master link " + replication.get("master_link_status");
			}
		}
		return (views.size() == 1) ? null : "the nodes disagree:\n" + String.join("\n--\n", views);
	}

	private static List<ClusterNode> clusterNodes(RedisServerProcess node) {
		List<ClusterNode> nodes = new ArrayList<>();
		for (String line : String.valueOf(node.command("CLUSTER", "NODES")).split("\n")) {
			if (!line.isBlank()) {
				nodes.add(ClusterNode.parse(line.trim()));
			}
		}
		return nodes;
	}

	@Override
	public String name() {
		return "cluster";
	}

	@Override
	public Map<String, String> springProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.cluster.nodes",
				this.nodes.stream().map(NodeSupport::address).collect(Collectors.joining(",")));
		return properties;
	}

	/**
	 * Returns every node: the masters as started, then the replicas.
	 * @return the nodes
	 */
	@Override
	public List<RedisServerProcess> nodes() {
		return this.nodes;
	}

	@Override
	public void close() {
		RuntimeException failure = new IllegalStateException("Cannot stop " + this);
		NodeSupport.killAll(this.nodes, failure);
		if (failure.getSuppressed().length > 0) {
			throw failure;
		}
	}

	@Override
	public String toString() {
		return name() + " " + ports() + " (" + this.masters.size() + " masters, " + this.replicas.size() + " replicas)";
	}

	/**
	 * Returns free loopback ports whose port + 10000 is free too, holding each until all
	 * are chosen so that none is picked twice.
	 */
	private static List<Integer> portsWithFreeBusPorts(int count) {
		List<ServerSocket> held = new ArrayList<>();
		List<Integer> ports = new ArrayList<>();
		try {
			for (int attempt = 0; ports.size() < count; attempt++) {
				if (attempt > 1000) {
					throw new IllegalStateException("Found only " + ports.size() + " ports with a free bus port");
				}
				ServerSocket socket = bind(0);
				held.add(socket);
				int port = socket.getLocalPort();
				if (port + BUS_PORT_OFFSET <= 65535) {
					ServerSocket bus = tryBind(port + BUS_PORT_OFFSET);
					if (bus != null) {
						held.add(bus);
						ports.add(port);
					}
				}
			}
			return ports;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			for (ServerSocket socket : held) {
				try {
					socket.close();
				}
				catch (IOException ex) {
					// Closing a listening socket does not fail in a way worth reporting.
				}
			}
		}
	}

	private static ServerSocket bind(int port) throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
		return socket;
	}

	private static @Nullable ServerSocket tryBind(int port) {
		try {
			return bind(port);
		}
		catch (IOException ex) {
			return null;
		}
	}

	/**
	 * One line of CLUSTER NODES:
	 * {@code <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch>
	 * <link-state> <slot> ...}.
	 */
	private record ClusterNode(String id, String address, Set<String> flags, String masterId, String linkState,
			List<String> slots) {

		static ClusterNode parse(String line) {
			String[] fields = line.split(" ");
			Set<String> flags = new TreeSet<>(List.of(fields[2].split(",")));
			List<String> slots = List.of(fields).subList(8, fields.length);
			return new ClusterNode(fields[0], fields[1], flags, fields[3], fields[7], slots);
		}

		int port() {
			String hostPort = this.address.split("@")[0];
			return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
		}

		boolean master() {
			return this.flags.contains("master");
		}

		boolean inHandshake() {
			return this.flags.contains("handshake") || this.flags.contains("noaddr");
		}

		boolean healthy() {
			return !inHandshake() && !this.flags.contains("fail") && !this.flags.contains("fail?")
					&& "connected".equals(this.linkState);
		}

		boolean owns(int slot) {
			for (String range : this.slots) {
				if (range.startsWith("[")) {
					continue; // a slot being imported or migrated, not owned
				}
				int dash = range.indexOf('-');
				int from = Integer.parseInt((dash < 0) ? range : range.substring(0, dash));
				int to = (dash < 0) ? from : Integer.parseInt(range.substring(dash + 1));
				if (slot >= from && slot <= to) {
					return true;
				}
			}
			return false;
		}

		/**
		 * What every node must agree on: who is where, in which role, following whom,
		 * owning which slots.
		 */
		String view() {
			return this.id + " " + this.address + " " + (master() ? "master" : "replica of " + this.masterId) + " "
					+ String.join(" ", this.slots);
		}

	}

}
