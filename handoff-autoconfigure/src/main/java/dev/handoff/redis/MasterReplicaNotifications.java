package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.handoff.HandoffException;
import dev.handoff.HandoffSubscription;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Subscriptions for static master/replica, where Lettuce refuses pub/sub on the
 * master/replica connection
 * ({@code Pub/Sub connections not supported with Master/Replica configurations}): a
 * pub/sub connection of its own, made with the factory's Lettuce client (and so its TLS
 * and client options), to the node that answers {@code ROLE} as master, or to the first
 * that answers at all, since replicas receive the master's {@code PUBLISH}es too. Lettuce
 * reconnects it and subscribes again after a lost connection.
 */
final class MasterReplicaNotifications implements Subscriptions {

	private static final Log logger = LogFactory.getLog(MasterReplicaNotifications.class);

	private final LettuceConnectionFactory connectionFactory;

	private final List<RedisNode> nodes;

	private final @Nullable String username;

	MasterReplicaNotifications(LettuceConnectionFactory connectionFactory, List<RedisNode> nodes,
			@Nullable String username) {
		this.connectionFactory = connectionFactory;
		this.nodes = List.copyOf(nodes);
		this.username = username;
	}

	@Override
	public HandoffSubscription subscribe(Map<String, String> labelsByChannel, Consumer<List<String>> onAvailable) {
		StatefulRedisPubSubConnection<byte[], byte[]> connection = connect();
		ChannelEvents events = new ChannelEvents(labelsByChannel, onAvailable);
		connection.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void message(byte[] channel, byte[] message) {
				events.message(channel);
			}

			@Override
			public void subscribed(byte[] channel, long count) {
				events.subscribed(channel);
			}

		});
		try {
			connection.sync()
				.subscribe(labelsByChannel.keySet()
					.stream()
					.map((channel) -> channel.getBytes(StandardCharsets.UTF_8))
					.toArray(byte[][]::new));
		}
		catch (RuntimeException ex) {
			connection.close();
			throw ex;
		}
		return new HandoffSubscription() {

			@Override
			public void close() {
				events.close();
				connection.close();
			}

			@Override
			public boolean isActive() {
				return connection.isOpen();
			}

		};
	}

	private StatefulRedisPubSubConnection<byte[], byte[]> connect() {
		RedisClient client = (RedisClient) this.connectionFactory.getRequiredNativeClient();
		StatefulRedisPubSubConnection<byte[], byte[]> fallback = null;
		List<String> failures = new ArrayList<>();
		for (RedisNode node : this.nodes) {
			StatefulRedisPubSubConnection<byte[], byte[]> connection;
			try {
				connection = client.connectPubSub(ByteArrayCodec.INSTANCE, uri(node));
			}
			catch (RuntimeException ex) {
				failures.add(node + ": " + RedisErrors.describe(ex));
				continue;
			}
			if (isMaster(connection)) {
				if (fallback != null) {
					fallback.close();
				}
				return connection;
			}
			if (fallback == null) {
				fallback = connection;
			}
			else {
				connection.close();
			}
		}
		if (fallback != null) {
			return fallback;
		}
		throw new HandoffException(
				"Could not connect to any master/replica node for handoff notifications: " + failures);
	}

	private static boolean isMaster(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
		try {
			List<Object> role = connection.sync().role();
			return !role.isEmpty() && "master".equals(String.valueOf(role.get(0)));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not ask a master/replica node for its role", ex);
			return false;
		}
	}

	private RedisURI uri(RedisNode node) {
		LettuceClientConfiguration client = this.connectionFactory.getClientConfiguration();
		RedisURI.Builder builder = RedisURI.builder()
			.withHost(node.getHost())
			.withPort((node.getPort() != null) ? node.getPort() : RedisURI.DEFAULT_REDIS_PORT)
			.withSsl(client.isUseSsl())
			.withStartTls(client.isStartTls())
			.withVerifyPeer(client.getVerifyMode())
			.withTimeout(client.getCommandTimeout());
		String password = this.connectionFactory.getPassword();
		if (password != null) {
			if (this.username != null) {
				builder.withAuthentication(this.username, password);
			}
			else {
				builder.withPassword(password.toCharArray());
			}
		}
		client.getClientName().ifPresent(builder::withClientName);
		return builder.build();
	}

}
