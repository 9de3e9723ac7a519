package dev.handoff.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.util.Assert;

/**
 * A TCP proxy on a free loopback port that forwards every connection to one target (a
 * Redis server) and breaks the network on demand, to test what a client does when a
 * request or its reply is lost. <pre class="code">
 * try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.server().port())) {
 *     RedisClient.create(RedisURI.create("127.0.0.1", proxy.port()));
 *     proxy.dropNextReplyAndClose();
 *     ...
 * }
 * </pre> It forwards by default. The faults:
 * <ul>
 * <li>{@link #dropNextReplyAndClose()} and {@link #cutNextRequestAndClose()} are
 * one-shot: armed, they fire on the first request bytes that any connection sends after
 * arming, on that connection only, and then the proxy forwards again, so a client's
 * reconnect succeeds. A RESP client writes a command in one go, so "the first request
 * bytes" is the next command (or the next pipelined batch) the client writes; arm them
 * while the connection is idle, after the client's handshake, or they fire on a handshake
 * command or a command already in flight.</li>
 * <li>{@link #blackhole()} freezes the network: connections stay open, nothing is
 * delivered. Bytes already read are held, not lost, as TCP would hold them over a link
 * that went silent, and {@link #restore()} delivers them in order, so the client and the
 * server never disagree about which reply belongs to which command.</li>
 * <li>{@link #refuseConnections(boolean)} accepts and closes new connections at once;
 * {@link #closeAll()} closes the current ones.</li>
 * </ul>
 * Each connection has two named daemon threads, one per direction, plain blocking sockets
 * and no polling: a thread either blocks on a socket, which closing it interrupts, or
 * waits on the proxy's monitor, which every change of state and {@link #close()} wakes.
 * {@code close()} stops everything and waits a bounded time for the threads.
 */
public final class FaultProxy implements AutoCloseable {

	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

	private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(2);

	private static final int BUFFER_SIZE = 8192;

	/** A direction of the traffic through the proxy. */
	public enum Direction {

		/** From the client to the server: requests. */
		UPSTREAM,

		/** From the server to the client: replies and pushed messages. */
		DOWNSTREAM

	}

	private enum OneShot {

		DROP_NEXT_REPLY, CUT_NEXT_REQUEST

	}

	private final InetSocketAddress target;

	private final ServerSocket serverSocket;

	private final Thread acceptor;

	private final Object monitor = new Object();

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private final AtomicReference<OneShot> armed = new AtomicReference<>();

	private final AtomicInteger acceptedConnections = new AtomicInteger();

	private final AtomicInteger connectionIds = new AtomicInteger();

	private volatile boolean upstreamBlackholed;

	private volatile boolean downstreamBlackholed;

	private volatile boolean refusing;

	private volatile boolean closed;

	private FaultProxy(InetSocketAddress target) throws IOException {
		this.target = target;
		this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::accept, "fault-proxy-" + port() + "-accept");
		this.acceptor.setDaemon(true);
	}

	/**
	 * Starts a proxy on a free loopback port that forwards to the given target.
	 * @param host the target host
	 * @param port the target port
	 * @return the running proxy, forwarding
	 */
	public static FaultProxy start(String host, int port) {
		Assert.hasText(host, "'host' must not be empty");
		try {
			FaultProxy proxy = new FaultProxy(new InetSocketAddress(host, port));
			proxy.acceptor.start();
			return proxy;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Returns the loopback port the proxy listens on.
	 * @return the port
	 */
	public int port() {
		return this.serverSocket.getLocalPort();
	}

	/**
	 * Returns how many connections the proxy has accepted so far, those it closed at once
	 * because it was refusing connections included; a client that reconnected counts
	 * twice.
	 * @return the number of connections accepted
	 */
	public int acceptedConnections() {
		return this.acceptedConnections.get();
	}

	/**
	 * Returns how many connections are open now.
	 * @return the number of open connections
	 */
	public int openConnections() {
		return this.connections.size();
	}

	/**
	 * Arms a one-shot fault: the next request bytes sent by a client are forwarded, so
	 * the request runs in the server, but the first reply bytes that come back on that
	 * connection are swallowed, and the connection is closed on both sides. The client
	 * never sees the reply.
	 */
	public void dropNextReplyAndClose() {
		this.armed.set(OneShot.DROP_NEXT_REPLY);
	}

	/**
	 * Arms a one-shot fault: the next request bytes sent by a client are not forwarded,
	 * and that connection is closed on both sides. The request never reaches the server.
	 */
	public void cutNextRequestAndClose() {
		this.armed.set(OneShot.CUT_NEXT_REQUEST);
	}

	/**
	 * Returns whether a one-shot fault is armed and still waiting for a request.
	 * @return whether a one-shot fault is armed
	 */
	public boolean isArmed() {
		return this.armed.get() != null;
	}

	/**
	 * Stops delivering bytes in both directions; connections stay open and new ones are
	 * still accepted (and frozen at once).
	 */
	public void blackhole() {
		blackhole(Direction.UPSTREAM);
		blackhole(Direction.DOWNSTREAM);
	}

	/**
	 * Stops delivering bytes in one direction; connections stay open.
	 * @param direction the direction to freeze
	 */
	public void blackhole(Direction direction) {
		Assert.notNull(direction, "'direction' must not be null");
		synchronized (this.monitor) {
			if (direction == Direction.UPSTREAM) {
				this.upstreamBlackholed = true;
			}
			else {
				this.downstreamBlackholed = true;
			}
		}
	}

	/**
	 * Delivers again in both directions, the bytes held while frozen first.
	 */
	public void restore() {
		synchronized (this.monitor) {
			this.upstreamBlackholed = false;
			this.downstreamBlackholed = false;
			this.monitor.notifyAll();
		}
	}

	/**
	 * Sets whether new connections are closed as soon as they are accepted; current
	 * connections are left alone.
	 * @param refuse whether to refuse new connections
	 */
	public void refuseConnections(boolean refuse) {
		this.refusing = refuse;
	}

	/**
	 * Clears every fault: disarms a one-shot fault, restores delivery and accepts
	 * connections again.
	 */
	public void pass() {
		this.armed.set(null);
		this.refusing = false;
		restore();
	}

	/**
	 * Closes every current connection on both sides; new connections are accepted as
	 * before.
	 */
	public void closeAll() {
		new ArrayList<>(this.connections).forEach(Connection::close);
	}

	/**
	 * Stops accepting, closes every connection and waits a bounded time for the proxy's
	 * threads to end.
	 */
	@Override
	public void close() {
		List<Thread> threads = new ArrayList<>();
		synchronized (this.monitor) {
			this.closed = true;
			this.monitor.notifyAll();
		}
		closeQuietly(this.serverSocket);
		threads.add(this.acceptor);
		for (Connection connection : new ArrayList<>(this.connections)) {
			connection.close();
			threads.addAll(connection.threads());
		}
		long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
		for (Thread thread : threads) {
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				break;
			}
			try {
				thread.join(Math.max(1, remaining / 1_000_000));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void accept() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.serverSocket.accept();
			}
			catch (IOException ex) {
				// Closed by close(), or broken: either way nothing more to accept.
				return;
			}
			this.acceptedConnections.incrementAndGet();
			if (this.refusing || this.closed) {
				closeQuietly(client);
				continue;
			}
			Connection connection = new Connection(this.connectionIds.incrementAndGet(), client);
			this.connections.add(connection);
			if (this.closed) {
				connection.close();
			}
			else {
				connection.start();
			}
		}
	}

	private boolean isBlackholed(Direction direction) {
		return (direction == Direction.UPSTREAM) ? this.upstreamBlackholed : this.downstreamBlackholed;
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Closing is all that is asked; a socket that fails to close is closed
			// enough.
		}
	}

	@Override
	public String toString() {
		return "FaultProxy 127.0.0.1:" + port() + " -> " + this.target.getHostString() + ":" + this.target.getPort();
	}

	/**
	 * One client connection and its connection to the target, with a thread per
	 * direction.
	 */
	private final class Connection {

		private final Socket client;

		private final Socket server = new Socket();

		private final String name;

		private final List<Thread> threads = new ArrayList<>(2);

		private final AtomicBoolean closed = new AtomicBoolean();

		private final AtomicInteger finishedDirections = new AtomicInteger();

		/**
		 * Set by the upstream thread before it forwards the request whose reply is to be
		 * dropped.
		 */
		private volatile boolean dropNextReply;

		Connection(int id, Socket client) {
			this.client = client;
			this.name = "fault-proxy-" + port() + "-" + id;
		}

		void start() {
			// The upstream thread connects first, so that accepting never waits for the
			// target.
			Thread upstream = newThread(this::connectAndForwardUpstream, this.name + "-up");
			upstream.start();
		}

		List<Thread> threads() {
			synchronized (this.threads) {
				return new ArrayList<>(this.threads);
			}
		}

		private Thread newThread(Runnable task, String name) {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			synchronized (this.threads) {
				this.threads.add(thread);
			}
			return thread;
		}

		private void connectAndForwardUpstream() {
			try {
				this.client.setTcpNoDelay(true);
				this.server.setTcpNoDelay(true);
				this.server.connect(FaultProxy.this.target, (int) CONNECT_TIMEOUT.toMillis());
			}
			catch (IOException ex) {
				close();
				return;
			}
			if (this.closed.get()) {
				return;
			}
			newThread(() -> forward(Direction.DOWNSTREAM, this.server, this.client), this.name + "-down").start();
			forward(Direction.UPSTREAM, this.client, this.server);
		}

		private void forward(Direction direction, Socket from, Socket to) {
			byte[] buffer = new byte[BUFFER_SIZE];
			try {
				InputStream in = from.getInputStream();
				OutputStream out = to.getOutputStream();
				while (true) {
					int read = in.read(buffer);
					if (read == -1) {
						// A half-close is passed on; the connection ends when both
						// directions have.
						to.shutdownOutput();
						if (this.finishedDirections.incrementAndGet() == 2) {
							close();
						}
						return;
					}
					if (!awaitDelivery(direction) || !applyFault(direction)) {
						return;
					}
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// A reset, or a socket closed by a fault, closeAll() or close().
				close();
			}
		}

		/**
		 * Waits while the direction is blackholed.
		 * @return whether to deliver: {@code false} if the connection or the proxy was
		 * closed meanwhile
		 */
		private boolean awaitDelivery(Direction direction) {
			synchronized (FaultProxy.this.monitor) {
				while (isBlackholed(direction) && !this.closed.get() && !FaultProxy.this.closed) {
					try {
						// Woken by restore(), close() or the close of this connection;
						// the bound is a safety net.
						FaultProxy.this.monitor.wait(1000);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						close();
						return false;
					}
				}
			}
			return !this.closed.get() && !FaultProxy.this.closed;
		}

		/**
		 * Applies a one-shot fault to bytes about to be delivered.
		 * @return whether to deliver them: {@code false} if the fault closed the
		 * connection
		 */
		private boolean applyFault(Direction direction) {
			if (direction == Direction.UPSTREAM) {
				OneShot fault = FaultProxy.this.armed.getAndSet(null);
				if (fault == OneShot.CUT_NEXT_REQUEST) {
					close();
					return false;
				}
				if (fault == OneShot.DROP_NEXT_REPLY) {
					// Before the request is written, so the reply cannot be read before
					// this is visible.
					this.dropNextReply = true;
				}
				return true;
			}
			if (this.dropNextReply) {
				close();
				return false;
			}
			return true;
		}

		void close() {
			if (!this.closed.compareAndSet(false, true)) {
				return;
			}
			closeQuietly(this.client);
			closeQuietly(this.server);
			FaultProxy.this.connections.remove(this);
			synchronized (FaultProxy.this.monitor) {
				FaultProxy.this.monitor.notifyAll();
			}
		}

	}

}
