package dev.handoff.benchmarks;

import java.util.List;
import java.util.Map;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;

/**
 * The Jedis baseline, the same commands as {@link RawLettuce}, each call borrowing a
 * connection from a {@link JedisPool} as Spring Data Redis'
 * {@code JedisConnectionFactory} does for the store: initiate is one {@code EVALSHA},
 * take is {@code MULTI; HGETALL; DEL; EXEC}, which Jedis' {@link Transaction} sends as
 * one pipeline. Jedis 7 deprecates {@link JedisPool}, but it is the pool Spring Data
 * Redis 4.1 keeps, so the comparison is like for like.
 */
@SuppressWarnings("deprecation")
final class RawJedis implements AutoCloseable {

	private final JedisPool pool;

	private final byte[] sha;

	RawJedis(int port) {
		JedisPoolConfig config = new JedisPoolConfig();
		config.setMaxTotal(8);
		this.pool = new JedisPool(config, "127.0.0.1", port);
		try (Jedis jedis = this.pool.getResource()) {
			this.sha = jedis.scriptLoad(RawLettuce.bytes(RawLettuce.INITIATE_SCRIPT));
		}
	}

	Object initiate(byte[] key, byte[] field, byte[] payload, byte[] channel) {
		try (Jedis jedis = this.pool.getResource()) {
			return jedis.evalsha(this.sha, List.of(key), List.of(field, payload, RawLettuce.TTL, channel));
		}
	}

	Map<byte[], byte[]> take(byte[] key) {
		try (Jedis jedis = this.pool.getResource()) {
			Transaction transaction = jedis.multi();
			Response<Map<byte[], byte[]>> entries = transaction.hgetAll(key);
			transaction.del(key);
			transaction.exec();
			return entries.get();
		}
	}

	@Override
	public void close() {
		this.pool.close();
	}

}
