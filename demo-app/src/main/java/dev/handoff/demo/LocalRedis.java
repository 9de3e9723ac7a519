package dev.handoff.demo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.model.OsArchitecture;

import org.springframework.util.FileSystemUtils;

/**
 * The Redis the demo uses when none is configured: one already answering on
 * localhost:6379, or else a real {@code redis-server} of its own on a free loopback port,
 * taken from the PATH or from the {@code embedded-redis} jar. A server it started stops
 * with it.
 */
public final class LocalRedis implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LocalRedis.class);

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private final String host;

	private final int port;

	private final @Nullable Process process;

	private final @Nullable Path directory;

	private LocalRedis(String host, int port, @Nullable Process process, @Nullable Path directory) {
		this.host = host;
		this.port = port;
		this.process = process;
		this.directory = directory;
	}

	/**
	 * Uses the Redis on localhost:6379 when it answers, and otherwise starts one.
	 * @return the Redis to use
	 */
	public static LocalRedis findOrStart() {
		if (answersPing("localhost", 6379)) {
			logger.info("No Redis is configured; using the one that answers on localhost:6379");
			return new LocalRedis("localhost", 6379, null, null);
		}
		LocalRedis redis = start();
		logger.info("No Redis is configured or answering on localhost:6379, so this instance started its own "
				+ "redis-server on 127.0.0.1:" + redis.port + "; it stops with this instance. To hand off between "
				+ "instances, give them one Redis (SPRING_DATA_REDIS_HOST/SPRING_DATA_REDIS_PORT), as "
				+ "rolling-deploy.sh does.");
		return redis;
	}

	private static LocalRedis start() {
		Path directory;
		try {
			directory = Files.createTempDirectory("handoff-demo-redis-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Path executable = executable(directory);
		int port = freePort();
		Path log = directory.resolve("redis.log");
		Process process;
		try {
			process = new ProcessBuilder(executable.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no", "--dir", directory.toString())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not run " + executable, ex);
		}
		LocalRedis redis = new LocalRedis("127.0.0.1", port, process, directory);
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (!answersPing(redis.host, port)) {
			if (!process.isAlive() || System.nanoTime() > deadline) {
				String output = read(log);
				redis.close();
				throw new IllegalStateException("redis-server did not start on port " + port + ": " + output);
			}
			sleep(20);
		}
		return redis;
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	/**
	 * Returns whether this instance started the server itself.
	 * @return whether the server stops with this instance
	 */
	public boolean isOwn() {
		return this.process != null;
	}

	@Override
	public void close() {
		if (this.process != null) {
			this.process.destroy();
			try {
				if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
					this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (this.directory != null) {
			FileSystemUtils.deleteRecursively(this.directory.toFile());
		}
	}

	/**
	 * Returns a {@code redis-server} executable: the one on the PATH, or else the one
	 * inside the {@code embedded-redis} jar, copied into the directory.
	 * @param directory where to put the binary from the jar; it is reused when already
	 * there
	 * @return the executable
	 */
	public static Path executable(Path directory) {
		try {
			return ExecutableProvider.newExecutableInPath("redis-server").get().toPath();
		}
		catch (FileNotFoundException ex) {
			// Not on the PATH: use the binary bundled with embedded-redis.
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		String resource = ExecutableProvider.newProvidedVersionsMap().get(OsArchitecture.detectOSandArchitecture());
		if (resource == null) {
			throw new IllegalStateException("embedded-redis has no redis-server for " + System.getProperty("os.name")
					+ "/" + System.getProperty("os.arch") + "; install redis-server or set SPRING_DATA_REDIS_HOST");
		}
		Path target = directory.resolve("redis-server");
		try (InputStream binary = ExecutableProvider.class.getResourceAsStream(resource)) {
			if (binary == null) {
				throw new FileNotFoundException(resource + " is missing from the embedded-redis jar");
			}
			if (!Files.isExecutable(target)) {
				Files.createDirectories(directory);
				// Copied under another name first, so a concurrent reader never runs a
				// half-written file.
				Path partial = Files.createTempFile(directory, "redis-server", ".partial");
				Files.copy(binary, partial, StandardCopyOption.REPLACE_EXISTING);
				if (!partial.toFile().setExecutable(true)) {
					throw new IOException("Could not make " + partial + " executable");
				}
				Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
			return target;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not extract redis-server into " + directory, ex);
		}
	}

	/**
	 * Returns whether a Redis answers {@code PING} at the address within a short timeout.
	 * @param host the host
	 * @param port the port
	 * @return whether it answered
	 */
	public static boolean answersPing(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			byte[] reply = socket.getInputStream().readNBytes(5);
			return new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String read(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(no output)";
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for redis-server", ex);
		}
	}

}
