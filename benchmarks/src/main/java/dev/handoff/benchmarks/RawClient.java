package dev.handoff.benchmarks;

import java.util.Map;

/**
 * The two raw operations of a handoff, by one client library.
 */
interface RawClient {

	/**
	 * {@code EVALSHA} of the minimal initiate script: {@code HSET}, {@code PEXPIRE},
	 * {@code PUBLISH}.
	 */
	void initiate(byte[] key, byte[] field, byte[] payload, byte[] channel);

	/** {@code MULTI; HGETALL; DEL; EXEC} in one round trip. */
	Map<byte[], byte[]> take(byte[] key);

	static RawClient of(RawLettuce lettuce) {
		return new RawClient() {

			@Override
			public void initiate(byte[] key, byte[] field, byte[] payload, byte[] channel) {
				lettuce.initiate(key, field, payload, channel);
			}

			@Override
			public Map<byte[], byte[]> take(byte[] key) {
				return lettuce.take(key);
			}

		};
	}

	static RawClient of(RawJedis jedis) {
		return new RawClient() {

			@Override
			public void initiate(byte[] key, byte[] field, byte[] payload, byte[] channel) {
				jedis.initiate(key, field, payload, channel);
			}

			@Override
			public Map<byte[], byte[]> take(byte[] key) {
				return jedis.take(key);
			}

		};
	}

}
