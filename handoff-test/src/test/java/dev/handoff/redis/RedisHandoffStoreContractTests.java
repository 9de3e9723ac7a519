package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.handoff.HandoffStore;
import dev.handoff.HandoffStore.Policy;
import dev.handoff.test.HandoffStoreContract;
import dev.handoff.test.MasterReplicaTopology;
import dev.handoff.test.RedisClientContext;
import dev.handoff.test.RedisClientType;
import dev.handoff.test.RedisTopologies;
import dev.handoff.test.RedisTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;

/**
 * The {@link HandoffStore} contract for the {@link RedisHandoffStore} on every topology
 * and client that Spring Boot's {@code spring.data.redis.*} configures, each with its
 * connection factory built by Boot's own auto-configuration. The topologies and their
 * connection factories are shared by all tests of the JVM; each test has a namespace of
 * its own. Static master/replica with Jedis is not here because Boot refuses it
 * ({@code 'masterReplicaConfig' is not supported by Jedis}).
 */
class RedisHandoffStoreContractTests {

	private static final Map<String, RedisClientContext> contexts = new ConcurrentHashMap<>();

	static RedisClientContext context(RedisTopology topology, RedisClientType client) {
		return contexts.computeIfAbsent(topology.name() + "/" + client, (key) -> topology.connectionFactory(client));
	}

	abstract static class TopologyContract extends HandoffStoreContract {

		private final List<RedisHandoffStore> stores = new ArrayList<>();

		private String namespace;

		private Policy policy;

		abstract RedisTopology topology();

		abstract RedisClientType client();

		RedisHandoffStore.MasterReplica masterReplica() {
			return RedisHandoffStore.MasterReplica.NONE;
		}

		private RedisConnectionFactory connectionFactory() {
			return context(topology(), client()).connectionFactory();
		}

		@BeforeEach
		void drawNamespace() {
			this.namespace = "contract-" + UUID.randomUUID().toString().substring(0, 8);
		}

		@AfterEach
		void destroyStores() {
			this.stores.forEach(RedisHandoffStore::destroy);
			this.stores.clear();
			this.policy = null;
		}

		@Override
		protected HandoffStore createStore(Policy policy) {
			if (this.policy == null) {
				this.policy = policy;
			}
			RedisHandoffStore store = new RedisHandoffStore(connectionFactory(), this.namespace, this.policy,
					masterReplica());
			this.stores.add(store);
			return store;
		}

		@Override
		protected void elapse(Duration duration) {
			// The scripts read the time with Redis TIME, so only real time lets a lease
			// lapse or a record expire.
			try {
				Thread.sleep(duration.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

		@Override
		protected Map<String, String> deadLetters(String label) {
			byte[] key = new Keys(this.namespace, label).deadReasons();
			try (RedisConnection connection = connectionFactory().getConnection()) {
				Map<String, String> reasons = new LinkedHashMap<>();
				Map<byte[], byte[]> entries = connection.hashCommands().hGetAll(key);
				if (entries != null) {
					entries.forEach((id, reason) -> reasons.put(new String(id, StandardCharsets.UTF_8),
							new String(reason, StandardCharsets.UTF_8)));
				}
				return reasons;
			}
		}

	}

	@Nested
	class StandaloneWithLettuce extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.standalone();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.LETTUCE;
		}

	}

	@Nested
	class StandaloneWithJedis extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.standalone();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.JEDIS;
		}

	}

	@Nested
	class ClusterWithLettuce extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.cluster();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.LETTUCE;
		}

	}

	@Nested
	class ClusterWithJedis extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.cluster();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.JEDIS;
		}

	}

	@Nested
	class SentinelWithLettuce extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.sentinel();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.LETTUCE;
		}

	}

	@Nested
	class SentinelWithJedis extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.sentinel();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.JEDIS;
		}

	}

	@Nested
	class MasterReplicaWithLettuce extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.masterReplica();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.LETTUCE;
		}

		@Override
		RedisHandoffStore.MasterReplica masterReplica() {
			MasterReplicaTopology topology = RedisTopologies.masterReplica();
			return new RedisHandoffStore.MasterReplica(
					topology.nodes().stream().map((node) -> new RedisNode("127.0.0.1", node.port())).toList(), null);
		}

	}

	@Nested
	class TlsWithLettuce extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.tls();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.LETTUCE;
		}

	}

	@Nested
	class TlsWithJedis extends TopologyContract {

		@Override
		RedisTopology topology() {
			return RedisTopologies.tls();
		}

		@Override
		RedisClientType client() {
			return RedisClientType.JEDIS;
		}

	}

}
