package dev.handoff.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisPipelineException;
import org.springframework.data.redis.connection.ReturnType;

/**
 * Runs commands through Spring Data Redis' {@link RedisConnection}, for clients other
 * than Lettuce (Jedis). Each call borrows a connection from the factory (Jedis' pool) and
 * returns it. Where the connection can pipeline (standalone and Sentinel) the commands go
 * in one pipeline; where it cannot (Jedis on Redis Cluster) they go one after the other,
 * so an operation of two commands costs two round trips. The timeout is the client's own.
 */
final class SpringDataCommandRunner implements CommandRunner {

	private final RedisConnectionFactory connectionFactory;

	SpringDataCommandRunner(RedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public List<Reply> run(List<? extends Command> commands, Duration timeout) {
		return withConnection(commands, (connection) -> {
			// Jedis cannot pipeline on Redis Cluster: "Pipeline is not supported for
			// JedisClusterConnection".
			if (commands.size() > 1 && !(connection instanceof RedisClusterConnection)) {
				return pipelined(connection, commands);
			}
			List<Reply> replies = new ArrayList<>(commands.size());
			for (Command command : commands) {
				replies.add(reply(() -> send(connection, command)));
			}
			return replies;
		});
	}

	/**
	 * Each run borrows a connection of its own from the pool already, and pipelines even
	 * one command on it.
	 */
	@Override
	public List<Reply> runDedicated(List<? extends Command> commands, Duration timeout) {
		return withConnection(commands, (connection) -> pipelined(connection, commands));
	}

	private List<Reply> withConnection(List<? extends Command> commands, Function<RedisConnection, List<Reply>> run) {
		RedisConnection connection;
		try {
			connection = this.connectionFactory.getConnection();
		}
		catch (RuntimeException ex) {
			return commands.stream().map((command) -> (Reply) new Reply.NoAnswer(ex)).toList();
		}
		try {
			return run.apply(connection);
		}
		finally {
			connection.close();
		}
	}

	private static List<Reply> pipelined(RedisConnection connection, List<? extends Command> commands) {
		List<Object> results;
		try {
			connection.openPipeline();
			commands.forEach((command) -> send(connection, command));
			results = connection.closePipeline();
		}
		catch (RedisPipelineException ex) {
			results = ex.getPipelineResult();
		}
		catch (RuntimeException ex) {
			return commands.stream().map((command) -> toReply(ex)).toList();
		}
		List<Reply> replies = new ArrayList<>(commands.size());
		for (int i = 0; i < commands.size(); i++) {
			Object result = (i < results.size()) ? results.get(i) : null;
			replies.add((result instanceof Exception ex) ? toReply(ex) : new Reply.Value(result));
		}
		return replies;
	}

	private static @Nullable Object send(RedisConnection connection, Command command) {
		if (command instanceof Command.Eval eval) {
			byte[][] keysAndArgs = new byte[eval.keys().length + eval.args().length][];
			System.arraycopy(eval.keys(), 0, keysAndArgs, 0, eval.keys().length);
			System.arraycopy(eval.args(), 0, keysAndArgs, eval.keys().length, eval.args().length);
			ReturnType type = switch (eval.script().output()) {
				case INTEGER -> ReturnType.INTEGER;
				case VALUE -> ReturnType.VALUE;
				case MULTI -> ReturnType.MULTI;
			};
			return eval.sendBody()
					? connection.scriptingCommands().eval(eval.script().body(), type, eval.keys().length, keysAndArgs)
					: connection.scriptingCommands()
						.evalSha(eval.script().sha1(), type, eval.keys().length, keysAndArgs);
		}
		if (command instanceof Command.Wait wait) {
			return connection.execute(wait.name(), wait.args());
		}
		return connection.hashCommands().hGetAll(((Command.HashGetAll) command).key());
	}

	private static Reply reply(Supplier<@Nullable Object> call) {
		try {
			return new Reply.Value(call.get());
		}
		catch (RuntimeException ex) {
			return toReply(ex);
		}
	}

	private static Reply toReply(Exception ex) {
		String error = RedisErrors.errorReply(ex);
		return (error != null) ? new Reply.RedisError(error) : new Reply.NoAnswer(RedisErrors.unchecked(ex));
	}

	/**
	 * Describes the client and topology from the factory's configuration, without a
	 * connection: describing must not wait for a Redis that does not answer.
	 */
	@Override
	public String describe() {
		String jedis = ConnectionSettings.describeJedis(this.connectionFactory);
		return (jedis != null) ? jedis : this.connectionFactory.getClass().getSimpleName();
	}

	@Override
	public void close() {
	}

}
