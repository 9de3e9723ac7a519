package dev.handoff.redis;

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
 * The hosts a connection factory reaches, read from its configuration (no connection, no DNS), to tell a Redis on
 * this machine from one on the network.
 */
final class RedisHosts {

	private RedisHosts() {
	}

	static List<String> of(RedisConnectionFactory connectionFactory, List<RedisNode> masterReplicaNodes) {
		List<String> hosts = new ArrayList<>();
		masterReplicaNodes.forEach((node) -> hosts.add(node.getHost()));
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			add(hosts, lettuce.getClusterConfiguration(), lettuce.getSentinelConfiguration());
			if (hosts.isEmpty() && lettuce.getSocketConfiguration() == null) {
				hosts.add(lettuce.getHostName());
			}
		}
		else if (ClassUtils.isPresent("redis.clients.jedis.Jedis", RedisHosts.class.getClassLoader())
				&& Jedis.isJedis(connectionFactory)) {
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

	/** Touches Jedis' types only where Jedis is on the classpath. */
	private static final class Jedis {

		static boolean isJedis(RedisConnectionFactory connectionFactory) {
			return connectionFactory instanceof JedisConnectionFactory;
		}

		static void add(List<String> hosts, RedisConnectionFactory connectionFactory) {
			JedisConnectionFactory jedis = (JedisConnectionFactory) connectionFactory;
			RedisHosts.add(hosts, jedis.getClusterConfiguration(), jedis.getSentinelConfiguration());
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
