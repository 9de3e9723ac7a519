package dev.handoff.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * What a connection factory is configured with, read without a connection (and without
 * DNS): the hosts it reaches, to tell a Redis on this machine from one on the network;
 * whether it is for Redis Cluster; how long its client waits for a reply; how Jedis'
 * topology is described. Jedis' types are touched only where Jedis is present.
 */
final class ConnectionSettings {

	private ConnectionSettings() {
	}

	static List<String> hosts(RedisConnectionFactory connectionFactory, List<RedisNode> masterReplicaNodes) {
		List<String> hosts = new ArrayList<>();
		masterReplicaNodes.forEach((node) -> hosts.add(node.getHost()));
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			add(hosts, lettuce.getClusterConfiguration(), lettuce.getSentinelConfiguration());
			if (hosts.isEmpty() && lettuce.getSocketConfiguration() == null) {
				hosts.add(lettuce.getHostName());
			}
		}
		else if (isJedis(connectionFactory)) {
			Jedis.add(hosts, connectionFactory);
		}
		else {
			hosts.add("(unknown: " + connectionFactory.getClass().getSimpleName() + ")");
		}
		return hosts;
	}

	private static void add(List<String> hosts, @Nullable RedisClusterConfiguration cluster,
			@Nullable RedisSentinelConfiguration sentinel) {
		if (cluster != null) {
			cluster.getClusterNodes().forEach((node) -> hosts.add(node.getHost()));
		}
		else if (sentinel != null) {
			sentinel.getSentinels().forEach((node) -> hosts.add(node.getHost()));
		}
	}

	/**
	 * Whether the connection factory is configured for Redis Cluster, without a
	 * connection.
	 * @param connectionFactory the connection factory
	 * @return whether it is
	 */
	static boolean isCluster(RedisConnectionFactory connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			return lettuce.isClusterAware();
		}
		return isJedis(connectionFactory) && Jedis.isCluster(connectionFactory);
	}

	/**
	 * How long the client waits for a reply: Lettuce's command timeout, Jedis' read
	 * timeout.
	 * @param connectionFactory the connection factory
	 * @return the timeout, or null when the client is neither
	 */
	static @Nullable Duration replyTimeout(RedisConnectionFactory connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			return lettuce.getClientConfiguration().getCommandTimeout();
		}
		if (isJedis(connectionFactory)) {
			return Jedis.readTimeout(connectionFactory);
		}
		return null;
	}

	/**
	 * Describes a Jedis factory's topology, for log lines, from its configuration.
	 * @param connectionFactory the connection factory
	 * @return for example {@code "Jedis, Redis Sentinel"}, or null when the factory is
	 * not Jedis'
	 */
	static @Nullable String describeJedis(RedisConnectionFactory connectionFactory) {
		return isJedis(connectionFactory) ? Jedis.describe(connectionFactory) : null;
	}

	private static boolean isJedis(RedisConnectionFactory connectionFactory) {
		return ClassUtils.isPresent("redis.clients.jedis.Jedis", ConnectionSettings.class.getClassLoader())
				&& Jedis.isJedis(connectionFactory);
	}

	/** Touches Jedis' types only where Jedis is on the classpath. */
	private static final class Jedis {

		static boolean isJedis(RedisConnectionFactory connectionFactory) {
			return connectionFactory instanceof JedisConnectionFactory;
		}

		static boolean isCluster(RedisConnectionFactory connectionFactory) {
			return ((JedisConnectionFactory) connectionFactory).isRedisClusterAware();
		}

		static String describe(RedisConnectionFactory connectionFactory) {
			JedisConnectionFactory jedis = (JedisConnectionFactory) connectionFactory;
			return "Jedis, " + (jedis.isRedisClusterAware() ? "Redis Cluster"
					: jedis.isRedisSentinelAware() ? "Redis Sentinel" : "Redis standalone");
		}

		static Duration readTimeout(RedisConnectionFactory connectionFactory) {
			return ((JedisConnectionFactory) connectionFactory).getClientConfiguration().getReadTimeout();
		}

		static void add(List<String> hosts, RedisConnectionFactory connectionFactory) {
			JedisConnectionFactory jedis = (JedisConnectionFactory) connectionFactory;
			ConnectionSettings.add(hosts, jedis.getClusterConfiguration(), jedis.getSentinelConfiguration());
			if (hosts.isEmpty()) {
				hosts.add(jedis.getHostName());
			}
		}

	}

	static boolean isLoopback(String host) {
		String name = host.toLowerCase(Locale.ROOT);
		return name.equals("localhost") || name.startsWith("127.") || name.equals("::1") || name.equals("[::1]");
	}

}
