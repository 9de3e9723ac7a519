package dev.handoff.test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One plain {@code redis-server}, the topology Boot connects to with
 * {@code spring.data.redis.host} and {@code spring.data.redis.port}.
 */
public final class StandaloneTopology implements RedisTopology {

	private final RedisServerProcess server;

	private StandaloneTopology(RedisServerProcess server) {
		this.server = server;
	}

	static StandaloneTopology start() {
		return new StandaloneTopology(RedisServerProcess.start());
	}

	/**
	 * Returns the server.
	 * @return the server
	 */
	public RedisServerProcess server() {
		return this.server;
	}

	@Override
	public String name() {
		return "standalone";
	}

	@Override
	public Map<String, String> springProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.host", "127.0.0.1");
		properties.put("spring.data.redis.port", String.valueOf(this.server.port()));
		return properties;
	}

	@Override
	public List<RedisServerProcess> nodes() {
		return List.of(this.server);
	}

	@Override
	public void close() {
		this.server.close();
	}

	@Override
	public String toString() {
		return name() + " " + ports();
	}

}
