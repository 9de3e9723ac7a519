package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.MapOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Runs commands on Lettuce's native connection, the one Spring Data Redis shares (or the
 * dedicated one it gives this store when sharing is off). A pipeline is handed to the
 * connection with one {@code dispatch}, so it is written and flushed at once; on Redis
 * Cluster, Lettuce routes each command to the node that owns its slot and follows
 * {@code MOVED} and {@code ASK} redirects. Nothing here changes the connection's
 * settings: it stays shared.
 */
final class LettuceCommandRunner implements CommandRunner {

	private static final Log logger = LogFactory.getLog(LettuceCommandRunner.class);

	private static final ByteArrayCodec codec = ByteArrayCodec.INSTANCE;

	/** {@code WAITAOF} (Redis 7.2), which not every Lettuce version names. */
	private static final ProtocolKeyword WAITAOF = new ProtocolKeyword() {

		private final byte[] bytes = "WAITAOF".getBytes(StandardCharsets.US_ASCII);

		@Override
		public byte[] getBytes() {
			return this.bytes;
		}

		@Override
		public String toString() {
			return "WAITAOF";
		}

	};

	private final LettuceConnectionFactory connectionFactory;

	private final Object monitor = new Object();

	private volatile @Nullable Connection connection;

	LettuceCommandRunner(LettuceConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public List<Reply> run(List<? extends Command> commands, Duration timeout) {
		return send(commands, timeout).await();
	}

	@Override
	public Sent send(List<? extends Command> commands, Duration timeout) {
		StatefulConnection<byte[], byte[]> shared;
		try {
			shared = connection().stateful();
		}
		catch (RuntimeException ex) {
			List<Reply> failed = commands.stream().map((command) -> (Reply) new Reply.NoAnswer(ex)).toList();
			return () -> failed;
		}
		return dispatch(shared, commands, timeout);
	}

	/** Writes and flushes the commands at once; their replies are awaited later. */
	private static Sent dispatch(StatefulConnection<byte[], byte[]> connection, List<? extends Command> commands,
			Duration timeout) {
		List<AsyncCommand<byte[], byte[], ?>> sent = new ArrayList<>(commands.size());
		for (Command command : commands) {
			sent.add(lettuceCommand(command));
		}
		try {
			connection.dispatch(sent);
		}
		catch (RuntimeException ex) {
			List<Reply> failed = sent.stream().map((command) -> (Reply) new Reply.NoAnswer(ex)).toList();
			return () -> failed;
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		return () -> {
			List<Reply> replies = new ArrayList<>(sent.size());
			for (AsyncCommand<byte[], byte[], ?> command : sent) {
				replies.add(await(command, deadline));
			}
			return replies;
		};
	}

	/**
	 * Runs on the dedicated connection that Spring's {@code LettuceConnection} opens for
	 * a pipeline (it never pipelines on the shared one), released when the pipeline
	 * closes.
	 */
	@Override
	public List<Reply> runDedicated(List<? extends Command> commands, Duration timeout) {
		RedisConnection springConnection;
		try {
			springConnection = this.connectionFactory.getConnection();
		}
		catch (RuntimeException ex) {
			return commands.stream().map((command) -> (Reply) new Reply.NoAnswer(ex)).toList();
		}
		try {
			springConnection.openPipeline();
			return dispatch(stateful(springConnection.getNativeConnection()), commands, timeout).await();
		}
		catch (RuntimeException ex) {
			return commands.stream().map((command) -> (Reply) new Reply.NoAnswer(ex)).toList();
		}
		finally {
			try {
				springConnection.closePipeline();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close the pipeline of a dedicated connection", ex);
			}
			springConnection.close();
		}
	}

	private static Reply await(AsyncCommand<byte[], byte[], ?> command, long deadline) {
		try {
			return new Reply.Value(command.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RedisCommandExecutionException error && error.getMessage() != null) {
				return new Reply.RedisError(error.getMessage());
			}
			return new Reply.NoAnswer(RedisErrors.unchecked(ex.getCause()));
		}
		catch (TimeoutException ex) {
			// Cancelled, Lettuce does not write it if it is still buffered; if it was
			// written, it may yet run.
			command.cancel(false);
			return new Reply.NoAnswer(
					new QueryTimeoutException("Redis did not answer " + command.getType() + " in time", ex));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			command.cancel(false);
			return new Reply.NoAnswer(new IllegalStateException("Interrupted while waiting for Redis", ex));
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static AsyncCommand<byte[], byte[], ?> lettuceCommand(Command command) {
		CommandArgs<byte[], byte[]> args = new CommandArgs<>(codec);
		if (command instanceof Command.Eval eval) {
			if (eval.sendBody()) {
				args.add(eval.script().body());
			}
			else {
				args.add(eval.script().sha1());
			}
			args.add(eval.keys().length).addKeys(eval.keys()).addValues(eval.args());
			CommandOutput<byte[], byte[], ?> output = switch (eval.script().output()) {
				case INTEGER -> new IntegerOutput<>(codec);
				case VALUE -> new ValueOutput<>(codec);
				case MULTI -> new NestedMultiOutput<>(codec);
			};
			return new AsyncCommand<>(new io.lettuce.core.protocol.Command(
					eval.sendBody() ? CommandType.EVAL : CommandType.EVALSHA, output, args));
		}
		if (command instanceof Command.Wait wait) {
			for (byte[] arg : wait.args()) {
				args.add(arg);
			}
			return "WAIT".equals(wait.name())
					? new AsyncCommand<>(
							new io.lettuce.core.protocol.Command(CommandType.WAIT, new IntegerOutput<>(codec), args))
					: new AsyncCommand<>(
							new io.lettuce.core.protocol.Command(WAITAOF, new NestedMultiOutput<>(codec), args));
		}
		Command.HashGetAll hashGetAll = (Command.HashGetAll) command;
		args.addKey(hashGetAll.key());
		return new AsyncCommand<>(
				new io.lettuce.core.protocol.Command(CommandType.HGETALL, new MapOutput<>(codec), args));
	}

	private Connection connection() {
		Connection connection = this.connection;
		if (connection != null && connection.stateful().isOpen()) {
			return connection;
		}
		synchronized (this.monitor) {
			connection = this.connection;
			if (connection != null && connection.stateful().isOpen()) {
				return connection;
			}
			if (connection != null) {
				connection.close();
			}
			RedisConnection springConnection = this.connectionFactory.getConnection();
			try {
				connection = new Connection(springConnection, stateful(springConnection.getNativeConnection()));
			}
			catch (RuntimeException ex) {
				springConnection.close();
				throw ex;
			}
			this.connection = connection;
			return connection;
		}
	}

	/**
	 * The connection behind the commands API that Spring Data Redis hands out. Lettuce
	 * deprecates reaching it from there, and offers no other way from what Spring gives.
	 */
	@SuppressWarnings({ "unchecked", "deprecation" })
	private static StatefulConnection<byte[], byte[]> stateful(Object nativeConnection) {
		if (nativeConnection instanceof RedisAsyncCommands<?, ?> commands) {
			return (StatefulConnection<byte[], byte[]>) commands.getStatefulConnection();
		}
		if (nativeConnection instanceof RedisAdvancedClusterAsyncCommands<?, ?> commands) {
			return (StatefulConnection<byte[], byte[]>) commands.getStatefulConnection();
		}
		throw new IllegalStateException("Unexpected native connection " + nativeConnection.getClass().getName()
				+ " from " + LettuceConnectionFactory.class.getSimpleName());
	}

	@Override
	public String describe() {
		if (this.connectionFactory.isClusterAware()) {
			return "Lettuce, Redis Cluster";
		}
		RedisSentinelConfiguration sentinel = this.connectionFactory.getSentinelConfiguration();
		if (sentinel != null) {
			return "Lettuce, Redis Sentinel (master '" + sentinel.getMaster() + "')";
		}
		// From the configuration, without a connection: describing must not wait for a
		// Redis that does not answer. The store knows master/replica apart: it is the one
		// that names the nodes.
		return "Lettuce, Redis standalone";
	}

	/**
	 * Returns whether the connection is static master/replica, on which Lettuce refuses
	 * pub/sub. Opens it.
	 * @return whether it is
	 */
	boolean isMasterReplica() {
		return connection().stateful() instanceof StatefulRedisMasterReplicaConnection<?, ?>;
	}

	@Override
	public void close() {
		synchronized (this.monitor) {
			Connection connection = this.connection;
			this.connection = null;
			// Stopping the factory (a SmartLifecycle at phase 0, before beans are
			// destroyed) already closed the connection; closing it again only makes
			// Lettuce log "Connection is already closed" as a WARN.
			if (connection != null && this.connectionFactory.isRunning()) {
				connection.close();
			}
		}
	}

	/**
	 * The Spring connection, held so that Spring keeps its native connection for this
	 * store, and that connection.
	 */
	private record Connection(RedisConnection springConnection, StatefulConnection<byte[], byte[]> stateful) {

		void close() {
			try {
				this.springConnection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close the handoff connection", ex);
			}
		}

	}

}
