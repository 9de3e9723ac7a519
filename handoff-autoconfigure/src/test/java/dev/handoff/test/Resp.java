package dev.handoff.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

/**
 * A tiny RESP2 client over a plain or TLS socket, for the harness to configure and
 * inspect the Redis nodes it starts (CLUSTER MEET, REPLICAOF, ACL SETUSER, INFO, ...)
 * without going through the clients under test.
 * <p>
 * Replies map to Java as follows: a simple string to {@link String}; an error to a thrown
 * {@link ErrorReply}; an integer to {@link Long}; a bulk string to a UTF-8
 * {@link String}, or {@code null} for the null bulk string; an array to an unmodifiable
 * {@link List} of those (elements may be {@code null}), or {@code null} for the null
 * array. Bulk strings are decoded as UTF-8, so this is not the tool for binary values. A
 * connection is not thread-safe. <pre class="code">
 * Resp.command(port, "CLUSTER", "MEET", "127.0.0.1", "7001");
 * try (Resp resp = Resp.connect(port, null, Duration.ofSeconds(5))) {
 *     resp.send("MULTI");
 *     ...
 * }
 * </pre>
 */
public final class Resp implements Closeable {

	/**
	 * How long a one-shot {@link #command(int, String...)} waits to connect and for its
	 * reply.
	 */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

	private static final byte[] CRLF = { '\r', '\n' };

	private final Socket socket;

	private final OutputStream out;

	private final InputStream in;

	private Resp(Socket socket) throws IOException {
		this.socket = socket;
		this.out = socket.getOutputStream();
		this.in = new BufferedInputStream(socket.getInputStream());
	}

	/**
	 * Opens a connection to a node on 127.0.0.1, with TLS when {@code sslContext} is not
	 * {@code null}. With TLS the server's certificate must name 127.0.0.1, as the
	 * harness's certificates do.
	 * @param port the node's port
	 * @param sslContext the TLS context that trusts the node's certificate, or
	 * {@code null} for plain TCP
	 * @param timeout how long to wait to connect, and then for each reply
	 * @return the open connection
	 * @throws UncheckedIOException if the connection cannot be opened
	 */
	public static Resp connect(int port, @Nullable SSLContext sslContext, Duration timeout) {
		int millis = (int) Math.max(1, timeout.toMillis());
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress("127.0.0.1", port), millis);
			socket.setSoTimeout(millis);
			socket.setTcpNoDelay(true);
			if (sslContext != null) {
				SSLSocket sslSocket = (SSLSocket) sslContext.getSocketFactory()
					.createSocket(socket, "127.0.0.1", port, true);
				SSLParameters parameters = sslSocket.getSSLParameters();
				// Check the certificate's names as Lettuce and Jedis do, so a bad
				// certificate fails here first.
				parameters.setEndpointIdentificationAlgorithm("HTTPS");
				sslSocket.setSSLParameters(parameters);
				sslSocket.startHandshake();
				socket = sslSocket;
			}
			return new Resp(socket);
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw new UncheckedIOException("Cannot connect to 127.0.0.1:" + port, ex);
		}
	}

	/**
	 * Sends one command to a node on 127.0.0.1 over plain TCP, on a connection of its
	 * own.
	 * @param port the node's port
	 * @param args the command and its arguments
	 * @return the reply
	 * @throws ErrorReply if Redis answers with an error
	 * @throws UncheckedIOException if the node cannot be reached or does not answer
	 * within {@link #DEFAULT_TIMEOUT}
	 */
	public static @Nullable Object command(int port, String... args) {
		return command(port, null, args);
	}

	/**
	 * Sends one command to a node on 127.0.0.1, with TLS when {@code sslContext} is not
	 * {@code null}, on a connection of its own.
	 * @param port the node's port
	 * @param sslContext the TLS context that trusts the node's certificate, or
	 * {@code null} for plain TCP
	 * @param args the command and its arguments
	 * @return the reply
	 * @throws ErrorReply if Redis answers with an error
	 * @throws UncheckedIOException if the node cannot be reached or does not answer
	 * within {@link #DEFAULT_TIMEOUT}
	 */
	public static @Nullable Object command(int port, @Nullable SSLContext sslContext, String... args) {
		try (Resp resp = connect(port, sslContext, DEFAULT_TIMEOUT)) {
			return resp.send(args);
		}
	}

	/**
	 * Sends a command and reads its reply.
	 * @param args the command and its arguments
	 * @return the reply
	 * @throws ErrorReply if Redis answers with an error; the connection stays usable
	 * @throws UncheckedIOException if the connection breaks or the reply does not come in
	 * time
	 */
	public @Nullable Object send(String... args) {
		if (args.length == 0) {
			throw new IllegalArgumentException("'args' must not be empty");
		}
		try {
			ByteArrayOutputStream request = new ByteArrayOutputStream();
			request.write(('*' + String.valueOf(args.length)).getBytes(StandardCharsets.US_ASCII));
			request.write(CRLF);
			for (String arg : args) {
				byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
				request.write(('$' + String.valueOf(bytes.length)).getBytes(StandardCharsets.US_ASCII));
				request.write(CRLF);
				request.write(bytes);
				request.write(CRLF);
			}
			this.out.write(request.toByteArray());
			this.out.flush();
			return read();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No reply to " + args[0] + " from " + this.socket.getRemoteSocketAddress(),
					ex);
		}
	}

	/**
	 * Reads one more reply without sending anything, such as the next message after
	 * SUBSCRIBE.
	 * @return the reply
	 * @throws ErrorReply if it is an error
	 * @throws UncheckedIOException if the connection breaks or nothing comes in time
	 */
	public @Nullable Object receive() {
		try {
			return read();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No reply from " + this.socket.getRemoteSocketAddress(), ex);
		}
	}

	private @Nullable Object read() throws IOException {
		int type = this.in.read();
		if (type == -1) {
			throw new EOFException("Connection closed by the server");
		}
		String line = readLine();
		switch (type) {
			case '+':
				return line;
			case '-':
				throw new ErrorReply(line);
			case ':':
				return Long.parseLong(line);
			case '$': {
				int length = Integer.parseInt(line);
				if (length < 0) {
					return null;
				}
				byte[] bytes = this.in.readNBytes(length + 2);
				if (bytes.length != length + 2) {
					throw new EOFException("Connection closed in a bulk string");
				}
				return new String(bytes, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(line);
				if (count < 0) {
					return null;
				}
				List<@Nullable Object> elements = new ArrayList<>(count);
				for (int i = 0; i < count; i++) {
					try {
						elements.add(read());
					}
					catch (ErrorReply ex) {
						// An error inside an array (EXEC, EVAL) is a value, not the
						// failure of the whole reply.
						elements.add(ex);
					}
				}
				return Collections.unmodifiableList(elements);
			}
			default:
				throw new IOException("Unexpected RESP type '" + (char) type + "' (only RESP2 is spoken here)");
		}
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int previous = -1;
		while (true) {
			int b = this.in.read();
			if (b == -1) {
				throw new EOFException("Connection closed in a reply");
			}
			if (previous == '\r' && b == '\n') {
				byte[] bytes = line.toByteArray();
				return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
			}
			line.write(b);
			previous = b;
		}
	}

	/**
	 * Parses the reply of INFO into its fields, skipping the {@code # Section} headers.
	 * @param info the reply of INFO
	 * @return the fields, in order
	 */
	public static Map<String, String> parseInfo(@Nullable Object info) {
		Map<String, String> fields = new LinkedHashMap<>();
		if (info != null) {
			for (String line : info.toString().split("\r?\n")) {
				int colon = line.indexOf(':');
				if (!line.startsWith("#") && colon > 0) {
					fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
				}
			}
		}
		return fields;
	}

	@Override
	public void close() {
		closeQuietly(this.socket);
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// Nothing left to do with a socket that will not close.
		}
	}

	/**
	 * An error reply from Redis, such as {@code ERR unknown command} or
	 * {@code MOVED 3999 127.0.0.1:7002}. Inside an array reply it is an element rather
	 * than thrown.
	 */
	public static final class ErrorReply extends RuntimeException {

		private static final long serialVersionUID = 1L;

		ErrorReply(String message) {
			super(message);
		}

	}

}
