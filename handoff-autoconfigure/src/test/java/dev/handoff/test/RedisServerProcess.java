package dev.handoff.test;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import org.jspecify.annotations.Nullable;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port: the one on the PATH when
 * there is one, otherwise the binary inside the {@code embedded-redis} jar, so a machine
 * with only a JDK runs the suite. It can be stopped, killed and started again on the same
 * port, to test what happens while Redis is away.
 * <p>
 * {@link #start()} starts a plain server. {@link #builder()} starts the nodes of the
 * {@link RedisTopology topologies}: with extra arguments (cluster mode, replication
 * settings), with TLS, or as a Sentinel. Each process has a directory of its own, so
 * cluster nodes keep their own {@code nodes.conf}. Processes still running when the JVM
 * exits are killed by a shutdown hook, and their directories deleted, even when a test
 * forgot to close them.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration PING_TIMEOUT = Duration.ofMillis(500);

	private static final Set<Process> LIVE_PROCESSES = ConcurrentHashMap.newKeySet();

	private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(RedisServerProcess::cleanUp, "redis-server-cleanup"));
	}

	private final int port;

	private final Path directory;

	private final List<String> arguments;

	private final @Nullable RedisTlsMaterial tls;

	private final boolean sentinel;

	private @Nullable Process process;

	private RedisServerProcess(Builder builder) {
		this.port = (builder.port != 0) ? builder.port : freePort();
		this.tls = builder.tls;
		this.sentinel = builder.sentinelConfiguration != null;
		try {
			this.directory = Files.createTempDirectory("handoff-redis-");
			deleteOnExit(this.directory);
			this.arguments = arguments(builder);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private List<String> arguments(Builder builder) throws IOException {
		List<String> arguments = new ArrayList<>();
		if (builder.sentinelConfiguration != null) {
			// Sentinel rewrites its configuration file with what it learns, so it must be
			// a writable file.
			Path configuration = this.directory.resolve("sentinel.conf");
			Files.writeString(configuration, builder.sentinelConfiguration);
			arguments.add(configuration.toString());
			arguments.add("--sentinel");
		}
		if (this.tls != null) {
			arguments.addAll(this.tls.serverArguments(this.port));
		}
		else {
			arguments.addAll(List.of("--port", String.valueOf(this.port)));
		}
		arguments.addAll(List.of("--bind", "127.0.0.1", "--dir", this.directory.toString()));
		if (!this.sentinel) {
			arguments.addAll(List.of("--save", "", "--appendonly", "no"));
		}
		arguments.addAll(builder.arguments);
		return List.copyOf(arguments);
	}

	/**
	 * Starts a server on a free port.
	 * @return the running server
	 */
	public static RedisServerProcess start() {
		return builder().start();
	}

	/**
	 * Returns a builder for a server with more than the defaults.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Returns the port: the TLS port for a TLS server, which has no plain port.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Returns the TLS material the server uses, when it serves TLS.
	 * @return the TLS material, or {@code null} for a plain server
	 */
	public @Nullable RedisTlsMaterial tls() {
		return this.tls;
	}

	/**
	 * Returns the directory the server runs in: its log is {@code redis.log} there.
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	public boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * Sends one command to this server with {@link Resp}, over TLS if the server serves
	 * TLS.
	 * @param args the command and its arguments
	 * @return the reply, mapped as {@link Resp} describes
	 * @throws Resp.ErrorReply if Redis answers with an error
	 * @throws UncheckedIOException if the server cannot be reached
	 */
	public @Nullable Object command(String... args) {
		return Resp.command(this.port, sslContext(), args);
	}

	/**
	 * Returns the fields of one section of INFO.
	 * @param section the section, such as {@code replication} or {@code commandstats}
	 * @return the fields, in order
	 */
	public Map<String, String> info(String section) {
		return Resp.parseInfo(command("INFO", section));
	}

	/**
	 * Starts the server again on the same port, empty, after {@link #stop()} or
	 * {@link #kill()}. A cluster node keeps its {@code nodes.conf}, so it rejoins its
	 * cluster as the same node; a Sentinel keeps the configuration it rewrote. A
	 * {@code dump.rdb} that a replica's full sync left behind is deleted first, so no
	 * data survives.
	 */
	public synchronized void startAgain() {
		if (isRunning()) {
			return;
		}
		List<String> command = new ArrayList<>();
		command.add(executable().getAbsolutePath());
		command.addAll(this.arguments);
		Process started;
		try {
			Files.deleteIfExists(this.directory.resolve("dump.rdb"));
			started = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("redis.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.process = started;
		LIVE_PROCESSES.add(started);
		try {
			Conditions.await("redis-server to answer PING on port " + this.port, START_TIMEOUT, () -> {
				if (!started.isAlive()) {
					throw new IllegalStateException("exited with " + started.exitValue());
				}
				return answersPing() ? null : "no PONG yet";
			});
		}
		catch (RuntimeException ex) {
			kill();
			throw new IllegalStateException("redis-server did not start on port " + this.port + " (" + ex.getMessage()
					+ "), with arguments " + this.arguments + ": " + log(), ex);
		}
	}

	/** Stops the server (SIGTERM) and waits for it to exit. */
	public synchronized void stop() {
		if (this.process != null) {
			this.process.destroy();
			await(this.process);
			LIVE_PROCESSES.remove(this.process);
		}
	}

	/** Kills the server (SIGKILL) and waits for it to exit. */
	public synchronized void kill() {
		if (this.process != null) {
			this.process.destroyForcibly();
			await(this.process);
			LIVE_PROCESSES.remove(this.process);
		}
	}

	@Override
	public void close() {
		kill();
	}

	private boolean answersPing() {
		try (Resp resp = Resp.connect(this.port, sslContext(), PING_TIMEOUT)) {
			return "PONG".equals(resp.send("PING"));
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private @Nullable SSLContext sslContext() {
		return (this.tls != null) ? this.tls.sslContext() : null;
	}

	String log() {
		try {
			return Files.readString(this.directory.resolve("redis.log"));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

	/**
	 * Returns the redis-server binary: the one on the PATH, or the one inside the
	 * embedded-redis jar.
	 * @return the executable
	 */
	public static synchronized File executable() {
		try {
			try {
				return ExecutableProvider.newExecutableInPath("redis-server").get();
			}
			catch (FileNotFoundException ex) {
				return ExecutableProvider.newJarResourceProvider().get();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Returns a loopback port that nothing listens on right now.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Deletes a directory the harness made, with what is in it, when the JVM exits. */
	static void deleteOnExit(Path directory) {
		DIRECTORIES.add(directory);
	}

	private static void cleanUp() {
		LIVE_PROCESSES.forEach(Process::destroyForcibly);
		LIVE_PROCESSES.forEach(RedisServerProcess::await);
		for (Path directory : DIRECTORIES) {
			try (Stream<Path> paths = Files.walk(directory)) {
				paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
			}
			catch (IOException | UncheckedIOException ex) {
				// Best effort: a leftover temporary directory harms nothing.
			}
		}
	}

	private static void await(Process process) {
		try {
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public String toString() {
		return (this.sentinel ? "redis-server --sentinel" : "redis-server") + " on 127.0.0.1:" + this.port
				+ ((this.tls != null) ? " (TLS)" : "");
	}

	/**
	 * Builds a {@link RedisServerProcess}. Every server binds 127.0.0.1 and runs in a
	 * directory of its own; a data node also gets {@code --save "" --appendonly no}.
	 */
	public static final class Builder {

		private int port;

		private final List<String> arguments = new ArrayList<>();

		private @Nullable RedisTlsMaterial tls;

		private @Nullable String sentinelConfiguration;

		private Builder() {
		}

		/**
		 * Sets the port, for nodes whose port must meet a condition (a cluster node's bus
		 * port is port + 10000); without it the server takes a free one.
		 * @param port the port
		 * @return this builder
		 */
		public Builder port(int port) {
			this.port = port;
			return this;
		}

		/**
		 * Adds arguments after the defaults, such as {@code "--cluster-enabled", "yes"};
		 * a later argument wins.
		 * @param arguments the arguments
		 * @return this builder
		 */
		public Builder arguments(String... arguments) {
			this.arguments.addAll(List.of(arguments));
			return this;
		}

		/**
		 * Serves TLS only, on the port, with the given certificates and without asking
		 * for client certificates.
		 * @param tls the certificates
		 * @return this builder
		 */
		public Builder tls(RedisTlsMaterial tls) {
			this.tls = tls;
			return this;
		}

		/**
		 * Runs a Sentinel ({@code redis-server sentinel.conf --sentinel}) instead of a
		 * data node.
		 * @param configuration the content of its configuration file, such as its
		 * {@code sentinel monitor} lines
		 * @return this builder
		 */
		public Builder sentinel(String configuration) {
			this.sentinelConfiguration = configuration;
			return this;
		}

		/**
		 * Starts the server and waits until it answers PING.
		 * @return the running server
		 * @throws IllegalStateException if it does not answer within 10 s, with its log;
		 * the process is killed
		 */
		public RedisServerProcess start() {
			RedisServerProcess server = new RedisServerProcess(this);
			server.startAgain();
			return server;
		}

	}

}
