package dev.handoff.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import org.springframework.util.StringUtils;

/**
 * A TCP proxy on a free loopback port in front of one Redis node that counts round trips,
 * after the idea of the harness's {@code FaultProxy}: one thread per direction and
 * connection, plain blocking sockets.
 * <p>
 * A round trip is a <em>client request burst</em>: request bytes that arrive on a
 * connection after the proxy last forwarded reply bytes on it (or the first request bytes
 * of a connection). A pipeline written in one go is one burst however many commands it
 * holds; a client that waits for a reply before it sends more makes a new burst each
 * time. The flag is raised before reply bytes are written to the client, so a client
 * cannot answer a reply before the proxy has noticed it. Reads use a 1 MiB buffer, so a
 * pipeline that the client wrote at once is read at once.
 * <p>
 * A client may write one pipeline in several TCP segments (Netty writes a large flush in
 * more than one {@code write}), and Redis can answer the first before the rest arrives;
 * the rule above would then count a round trip that the client never waited for. A proxy
 * started with {@code coalesce} therefore collects request bytes until none arrive for
 * {@value #COALESCE_MILLIS} ms before it forwards them: holding requests back cannot
 * merge two real round trips, because the client cannot react to a reply that the proxy
 * has not forwarded yet. This delays every request, so such a proxy counts but is not
 * timed; timelines use one without it.
 * <p>
 * The requests are parsed as RESP arrays, so that each burst can be shown with the
 * commands it carried.
 */
final class CountingProxy implements AutoCloseable {

	private static final int BUFFER_SIZE = 1 << 20;

	private static final int COALESCE_MILLIS = 2;

	/**
	 * Reply bytes this long after the previous ones on the same connection start a new
	 * reply (or push).
	 */
	private static final long REPLY_GAP_NANOS = 100_000;

	private final InetSocketAddress target;

	private final ServerSocket serverSocket;

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connectionIds = new AtomicInteger();

	private final List<Burst> bursts = new ArrayList<>();

	private final List<Reply> replies = new ArrayList<>();

	private final Function<String, String> describeSha;

	private final boolean coalesce;

	private volatile boolean closed;

	private CountingProxy(int targetPort, Function<String, String> describeSha, boolean coalesce) throws IOException {
		this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
		this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.describeSha = describeSha;
		this.coalesce = coalesce;
	}

	/**
	 * Starts a proxy to a Redis node on loopback.
	 * @param targetPort the node's port
	 * @param describeSha names a script by its SHA-1, for the commands shown per burst
	 * @param coalesce whether to collect a client's request bytes until it pauses, for
	 * counting (see above)
	 * @return the running proxy
	 */
	static CountingProxy start(int targetPort, Function<String, String> describeSha, boolean coalesce) {
		try {
			CountingProxy proxy = new CountingProxy(targetPort, describeSha, coalesce);
			Thread acceptor = new Thread(proxy::accept, "counting-proxy-accept");
			acceptor.setDaemon(true);
			acceptor.start();
			return proxy;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	int port() {
		return this.serverSocket.getLocalPort();
	}

	/** Forgets the bursts counted so far. */
	void reset() {
		synchronized (this.bursts) {
			this.bursts.clear();
			this.replies.clear();
		}
	}

	/**
	 * Returns the replies since the last {@link #reset()}: the first reply bytes after
	 * each burst, and bytes pushed to a client that had sent nothing since its last
	 * reply.
	 * @return the replies
	 */
	List<Reply> replies() {
		synchronized (this.bursts) {
			return List.copyOf(this.replies);
		}
	}

	/**
	 * Returns the bursts since the last {@link #reset()}, in the order they began.
	 * @return the bursts
	 */
	List<Burst> bursts() {
		synchronized (this.bursts) {
			return this.bursts.stream().map(Burst::copy).toList();
		}
	}

	/**
	 * Describes bursts, one per line: connection and the commands, with counts.
	 * @param bursts the bursts
	 * @return the description
	 */
	static String describe(List<Burst> bursts) {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < bursts.size(); i++) {
			Burst burst = bursts.get(i);
			text.append("    round trip ")
				.append(i + 1)
				.append(", connection ")
				.append(burst.connection)
				.append(": ")
				.append(commands(burst))
				.append('\n');
		}
		return text.toString();
	}

	/**
	 * Describes what the proxy saw as a timeline, one line per burst, reply or mark, in
	 * microseconds from an origin.
	 * @param origin the {@link System#nanoTime()} of time zero
	 * @param bursts the bursts
	 * @param replies the replies
	 * @param marks other moments, by name
	 * @return the timeline
	 */
	static String timeline(long origin, List<Burst> bursts, List<Reply> replies, Map<String, Long> marks) {
		List<Map.Entry<Long, String>> lines = new ArrayList<>();
		for (Burst burst : bursts) {
			lines.add(Map.entry(burst.nanos, "connection " + burst.connection + " -> " + commands(burst)));
		}
		for (Reply reply : replies) {
			lines.add(Map.entry(reply.nanos(), "connection " + reply.connection() + " <- reply or push"));
		}
		marks.forEach((name, nanos) -> lines.add(Map.entry(nanos, name)));
		lines.sort(Map.Entry.comparingByKey());
		StringBuilder text = new StringBuilder();
		for (Map.Entry<Long, String> line : lines) {
			text.append(
					String.format(Locale.ROOT, "    %+9.0f µs  %s%n", (line.getKey() - origin) / 1e3, line.getValue()));
		}
		return text.toString();
	}

	private static String commands(Burst burst) {
		Map<String, Integer> counts = new LinkedHashMap<>();
		burst.commands.forEach((command) -> counts.merge(command, 1, Integer::sum));
		List<String> parts = new ArrayList<>();
		counts.forEach((command, count) -> parts.add(command + ((count > 1) ? " x" + count : "")));
		return parts.isEmpty() ? "(partial command)" : String.join(", ", parts);
	}

	@Override
	public void close() {
		this.closed = true;
		try {
			this.serverSocket.close();
		}
		catch (IOException ex) {
			// Closing is all that is asked.
		}
		this.connections.forEach(Connection::close);
	}

	private void accept() {
		while (!this.closed) {
			try {
				Socket client = this.serverSocket.accept();
				Connection connection = new Connection(this.connectionIds.incrementAndGet(), client);
				this.connections.add(connection);
				connection.start();
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	/**
	 * One request burst: the connection it came on, when its first bytes arrived
	 * ({@link System#nanoTime()}), and the commands it carried, by name.
	 */
	static final class Burst {

		final int connection;

		final long nanos;

		final List<String> commands = new ArrayList<>();

		Burst(int connection, long nanos) {
			this.connection = connection;
			this.nanos = nanos;
		}

		Burst copy() {
			Burst copy = new Burst(this.connection, this.nanos);
			synchronized (this.commands) {
				copy.commands.addAll(this.commands);
			}
			return copy;
		}

	}

	/**
	 * Reply bytes forwarded to a client after request bytes (or pushed with none before
	 * them, such as a pub/sub message), for timelines.
	 *
	 * @param connection the connection
	 * @param nanos when the proxy began forwarding them
	 */
	record Reply(int connection, long nanos) {
	}

	private final class Connection {

		private final int id;

		private final Socket client;

		private final Socket server = new Socket();

		private final RequestParser parser = new RequestParser();

		/**
		 * Whether reply bytes went to the client since the last request bytes: the next
		 * request is a new burst.
		 */
		private volatile boolean replied = true;

		/**
		 * Whether request bytes came since the last reply bytes: the next reply bytes
		 * start a reply.
		 */
		private volatile boolean requested;

		private volatile Burst current;

		Connection(int id, Socket client) {
			this.id = id;
			this.client = client;
			this.current = new Burst(id, System.nanoTime());
		}

		void start() throws IOException {
			this.client.setTcpNoDelay(true);
			this.server.setTcpNoDelay(true);
			this.server.connect(CountingProxy.this.target, 2000);
			Thread up = new Thread(this::upstream, "counting-proxy-" + this.id + "-up");
			Thread down = new Thread(this::downstream, "counting-proxy-" + this.id + "-down");
			up.setDaemon(true);
			down.setDaemon(true);
			up.start();
			down.start();
		}

		private void upstream() {
			byte[] buffer = new byte[BUFFER_SIZE];
			try {
				InputStream in = this.client.getInputStream();
				OutputStream out = this.server.getOutputStream();
				int read;
				while ((read = in.read(buffer)) != -1) {
					if (CountingProxy.this.coalesce) {
						read = coalesce(in, buffer, read);
					}
					this.requested = true;
					if (this.replied) {
						this.replied = false;
						Burst burst = new Burst(this.id, System.nanoTime());
						this.current = burst;
						synchronized (CountingProxy.this.bursts) {
							CountingProxy.this.bursts.add(burst);
						}
					}
					Burst burst = this.current;
					this.parser.feed(buffer, read, (command) -> {
						synchronized (burst.commands) {
							burst.commands.add(command);
						}
					});
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// Closed.
			}
			close();
		}

		/**
		 * Reads on while request bytes keep coming within the pause, into the same
		 * buffer.
		 */
		private int coalesce(InputStream in, byte[] buffer, int read) throws IOException {
			int total = read;
			this.client.setSoTimeout(COALESCE_MILLIS);
			try {
				while (total < buffer.length) {
					int more = in.read(buffer, total, buffer.length - total);
					if (more == -1) {
						break;
					}
					total += more;
				}
			}
			catch (SocketTimeoutException ex) {
				// The client paused: the burst is complete.
			}
			finally {
				this.client.setSoTimeout(0);
			}
			return total;
		}

		private void downstream() {
			byte[] buffer = new byte[BUFFER_SIZE];
			try {
				InputStream in = this.server.getInputStream();
				OutputStream out = this.client.getOutputStream();
				int read;
				long last = 0;
				while ((read = in.read(buffer)) != -1) {
					long now = System.nanoTime();
					this.replied = true;
					if (this.requested || last == 0 || now - last > REPLY_GAP_NANOS) {
						this.requested = false;
						synchronized (CountingProxy.this.bursts) {
							CountingProxy.this.replies.add(new Reply(this.id, now));
						}
					}
					last = now;
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// Closed.
			}
			close();
		}

		void close() {
			try {
				this.client.close();
				this.server.close();
			}
			catch (IOException ex) {
				// Closing is all that is asked.
			}
			CountingProxy.this.connections.remove(this);
		}

	}

	/**
	 * Reads the names of the commands in a stream of RESP requests (arrays of bulk
	 * strings), with the script name for {@code EVALSHA}.
	 */
	private final class RequestParser {

		private static final Set<String> SUBCOMMANDS = Set.of("CLIENT", "CONFIG", "SCRIPT", "COMMAND", "CLUSTER", "ACL",
				"OBJECT", "MEMORY");

		private static final int ARRAY = 0;

		private static final int BULK_HEADER = 1;

		private static final int BULK_DATA = 2;

		private int state = ARRAY;

		private final StringBuilder line = new StringBuilder();

		private int elements;

		private int element;

		private long remaining;

		private final StringBuilder captured = new StringBuilder();

		private String name = "";

		void feed(byte[] bytes, int length, Consumer<String> onCommand) {
			int i = 0;
			while (i < length) {
				if (this.state == BULK_DATA) {
					int take = (int) Math.min(this.remaining, length - i);
					if (this.element < 2) {
						for (int j = i; j < i + take && this.captured.length() < 64; j++) {
							char c = (char) (bytes[j] & 0xff);
							if (c != '\r' && c != '\n') {
								this.captured.append(c);
							}
						}
					}
					i += take;
					this.remaining -= take;
					if (this.remaining == 0) {
						endElement(onCommand);
					}
					continue;
				}
				char c = (char) (bytes[i++] & 0xff);
				if (c != '\n') {
					if (c != '\r') {
						this.line.append(c);
					}
					continue;
				}
				String header = this.line.toString();
				this.line.setLength(0);
				if (this.state == ARRAY) {
					if (header.startsWith("*")) {
						this.elements = Integer.parseInt(header.substring(1));
						this.element = 0;
						this.state = (this.elements > 0) ? BULK_HEADER : ARRAY;
					}
					else if (!header.isEmpty()) {
						onCommand.accept(StringUtils.tokenizeToStringArray(header, " ")[0].toUpperCase(Locale.ROOT)
								+ " (inline)");
					}
				}
				else if (header.startsWith("$")) {
					this.remaining = Long.parseLong(header.substring(1)) + 2;
					this.captured.setLength(0);
					this.state = BULK_DATA;
				}
			}
		}

		private void endElement(Consumer<String> onCommand) {
			if (this.element == 0) {
				this.name = this.captured.toString().toUpperCase(Locale.ROOT);
			}
			String command = null;
			if (this.element == 1 && this.name.equals("EVALSHA")) {
				command = "EVALSHA " + CountingProxy.this.describeSha.apply(this.captured.toString());
			}
			else if (this.element == 1 && this.name.equals("EVAL")) {
				command = "EVAL (script body)";
			}
			else if (this.element == 0 && this.elements == 1) {
				command = this.name;
			}
			else if (this.element == 1 && SUBCOMMANDS.contains(this.name)) {
				command = this.name + " " + this.captured.toString().toUpperCase(Locale.ROOT);
			}
			else if (this.element == 1 && !this.name.equals("EVALSHA") && !this.name.equals("EVAL")) {
				command = this.name;
			}
			if (command != null) {
				onCommand.accept(command);
			}
			this.element++;
			this.state = (this.element < this.elements) ? BULK_HEADER : ARRAY;
		}

	}

	static String sha1Hex(byte[] body) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
