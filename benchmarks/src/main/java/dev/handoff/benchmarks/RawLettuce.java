package dev.handoff.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * The baseline: what a handoff costs with plain Lettuce and nothing else, on connections
 * of its own.
 * <ul>
 * <li>initiate: {@code EVALSHA} of {@value #INITIATE_SCRIPT}, with {@code KEYS[1]} the
 * hash, {@code ARGV} the field (record id), the payload, the ttl in ms and the
 * channel;</li>
 * <li>take: {@code MULTI; HGETALL key; DEL key; EXEC}, pipelined, so one round trip.</li>
 * </ul>
 * Pipelines go over a connection with auto-flush off and one {@code flushCommands()};
 * single commands over a connection of their own, so the two never mix.
 */
final class RawLettuce implements AutoCloseable {

	static final String INITIATE_SCRIPT = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]); "
			+ "redis.call('PEXPIRE', KEYS[1], ARGV[3]); return redis.call('PUBLISH', ARGV[4], ARGV[1])";

	static final byte[] TTL = bytes("3600000");

	private static final long TIMEOUT_SECONDS = 60;

	private final RedisClient client;

	private final StatefulRedisConnection<byte[], byte[]> single;

	private final StatefulRedisConnection<byte[], byte[]> pipeline;

	private final StatefulRedisConnection<byte[], byte[]> shared;

	final String sha;

	RawLettuce(int port) {
		this.client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		this.single = this.client.connect(ByteArrayCodec.INSTANCE);
		this.pipeline = this.client.connect(ByteArrayCodec.INSTANCE);
		this.pipeline.setAutoFlushCommands(false);
		this.shared = this.client.connect(ByteArrayCodec.INSTANCE);
		this.sha = this.single.sync().scriptLoad(bytes(INITIATE_SCRIPT));
	}

	RedisClient client() {
		return this.client;
	}

	/** Sync {@code EVALSHA} of the minimal initiate. */
	long initiate(byte[] key, byte[] field, byte[] payload, byte[] channel) {
		return this.single.sync()
			.evalsha(this.sha, ScriptOutputType.INTEGER, new byte[][] { key }, field, payload, TTL, channel);
	}

	/**
	 * Async {@code EVALSHA} of the minimal initiate on the connection the caller passes.
	 */
	RedisFuture<Long> initiateAsync(RedisAsyncCommands<byte[], byte[]> commands, byte[] key, byte[] field,
			byte[] payload, byte[] channel) {
		return commands.evalsha(this.sha, ScriptOutputType.INTEGER, new byte[][] { key }, field, payload, TTL, channel);
	}

	/** A connection with auto-flush on, for several threads to share. */
	RedisAsyncCommands<byte[], byte[]> sharedAsync() {
		return this.shared.async();
	}

	RedisCommands<byte[], byte[]> sync() {
		return this.single.sync();
	}

	/** The pipelining connection's commands; they go out at {@link #flushPipeline()}. */
	RedisAsyncCommands<byte[], byte[]> pipelineAsync() {
		return this.pipeline.async();
	}

	void flushPipeline() {
		this.pipeline.flushCommands();
	}

	/** {@code MULTI; HGETALL; DEL; EXEC} in one flush. */
	Map<byte[], byte[]> take(byte[] key) {
		return takeAll(List.of(key)).get(0);
	}

	/** Initiates in one flush, awaiting every reply. */
	void initiateAll(List<byte[][]> keyFieldPayloadChannel) {
		RedisAsyncCommands<byte[], byte[]> async = this.pipeline.async();
		List<RedisFuture<Long>> futures = new ArrayList<>(keyFieldPayloadChannel.size());
		for (byte[][] args : keyFieldPayloadChannel) {
			futures.add(initiateAsync(async, args[0], args[1], args[2], args[3]));
		}
		this.pipeline.flushCommands();
		for (RedisFuture<Long> future : futures) {
			await(future);
		}
	}

	/** Takes several hashes, each in its own {@code MULTI}, all in one flush. */
	@SuppressWarnings("FutureReturnValueIgnored") // each EXEC's future carries its
													// transaction's replies
	List<Map<byte[], byte[]>> takeAll(List<byte[]> keys) {
		RedisAsyncCommands<byte[], byte[]> async = this.pipeline.async();
		List<RedisFuture<TransactionResult>> results = new ArrayList<>(keys.size());
		for (byte[] key : keys) {
			async.multi();
			async.hgetall(key);
			async.del(key);
			results.add(async.exec());
		}
		this.pipeline.flushCommands();
		List<Map<byte[], byte[]>> taken = new ArrayList<>(keys.size());
		for (RedisFuture<TransactionResult> result : results) {
			taken.add(await(result).get(0));
		}
		return taken;
	}

	static <T> T await(RedisFuture<T> future) {
		try {
			return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public void close() {
		this.single.close();
		this.pipeline.close();
		this.shared.close();
		this.client.shutdown();
	}

}
