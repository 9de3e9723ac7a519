package dev.handoff;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore.Policy;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.RedisConnection;

/**
 * The {@link HandoffStore} contract for the {@link RedisHandoffStore}, against a real Redis server. Each store the
 * test creates holds a connection of its own, as separate instances do, so concurrent claims really race in Redis.
 *
 * @see dev.handoff.redis.RedisHandoffStoreProtocolTests
 */
class RedisHandoffStoreTests extends HandoffStoreContractTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final List<RedisHandoffStore> stores = new ArrayList<>();

	private Policy policy;

	@AfterEach
	void destroyStores() {
		this.stores.forEach(RedisHandoffStore::destroy);
	}

	@Override
	protected HandoffStore createStore(Policy policy) {
		if (this.policy == null) {
			this.policy = policy;
		}
		RedisHandoffStore store = new RedisHandoffStore(redis.connectionFactory(), redis.namespace(), this.policy);
		this.stores.add(store);
		return store;
	}

	@Override
	protected void elapse(Duration duration) {
		// The scripts read the time with Redis TIME, so only real time lets a lease lapse or a record expire.
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
		byte[] key = (redis.namespace() + ":handoff:{" + label + "}:dead-reasons").getBytes(StandardCharsets.UTF_8);
		try (RedisConnection connection = redis.connectionFactory().getConnection()) {
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
