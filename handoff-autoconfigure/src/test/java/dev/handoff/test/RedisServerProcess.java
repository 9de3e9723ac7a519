package dev.handoff.test;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port: the one on the PATH when there is one, otherwise the
 * binary inside the {@code embedded-redis} jar, so a machine with only a JDK runs the suite. It can be stopped,
 * killed and started again on the same port, to test what happens while Redis is away.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private final int port;

	private final Path directory;

	private Process process;

	private RedisServerProcess(int port) {
		this.port = port;
		try {
			this.directory = Files.createTempDirectory("handoff-redis-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts a server on a free port.
	 * @return the running server
	 */
	public static RedisServerProcess start() {
		RedisServerProcess server = new RedisServerProcess(freePort());
		server.startAgain();
		return server;
	}

	public int port() {
		return this.port;
	}

	public boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * Starts the server again on the same port, empty, after {@link #stop()} or {@link #kill()}.
	 */
	public synchronized void startAgain() {
		if (isRunning()) {
			return;
		}
		try {
			this.process = new ProcessBuilder(executable().getAbsolutePath(), "--port", String.valueOf(this.port),
					"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.directory.toString())
				.redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("redis.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (!answersPing()) {
			if (!this.process.isAlive() || System.nanoTime() > deadline) {
				throw new IllegalStateException("redis-server did not start on port " + this.port + ": " + log());
			}
			sleep(10);
		}
	}

	/** Stops the server (SIGTERM) and waits for it to exit. */
	public synchronized void stop() {
		if (this.process != null) {
			this.process.destroy();
			await(this.process);
		}
	}

	/** Kills the server (SIGKILL) and waits for it to exit. */
	public synchronized void kill() {
		if (this.process != null) {
			this.process.destroyForcibly();
			await(this.process);
		}
	}

	@Override
	public void close() {
		kill();
	}

	private boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.readNBytes(reply, 0, reply.length);
			return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private String log() {
		try {
			return Files.readString(this.directory.resolve("redis.log"));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

	/**
	 * Returns the redis-server binary: the one on the PATH, or the one inside the embedded-redis jar.
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
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
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

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public String toString() {
		return "redis-server on 127.0.0.1:" + this.port + " (" + List.of(executable().getName()) + ")";
	}

}
