package dev.handoff.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.handoff.test.FaultProxy.Direction;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@link FaultProxy} between a Lettuce 7.5 client and a real Redis, and what Lettuce does
 * about each fault. Every client here runs with Lettuce's default {@link ClientOptions}
 * unless a test says otherwise: auto-reconnect on, so commands in flight when a
 * connection drops are kept and written again on the new connection (at least once), the
 * default disconnected behaviour (commands issued while disconnected are queued), an
 * unbounded request queue, RESP3. Redis is always checked directly, never through the
 * proxy.
 */
class FaultProxyTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private FaultProxy proxy;

	private RedisClient client;

	private RedisCommands<String, String> direct;

	@BeforeEach
	void startProxyAndClient() {
		this.proxy = FaultProxy.start("127.0.0.1", redis.server().port());
		this.client = RedisClient.create();
		this.direct = this.client
			.connect(RedisURI.builder().withHost("127.0.0.1").withPort(redis.server().port()).build())
			.sync();
	}

	@AfterEach
	void stopProxyAndClient() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.proxy.close();
	}

	@Test
	void forwardsCommandsAndReplies() {
		RedisCommands<String, String> commands = connectThroughProxy().sync();
		String key = key("pass");
		assertThat(commands.set(key, "v")).isEqualTo("OK");
		assertThat(commands.get(key)).isEqualTo("v");
		assertThat(this.direct.get(key)).isEqualTo("v");
		assertThat(this.proxy.acceptedConnections()).isEqualTo(1);
		assertThat(this.proxy.openConnections()).isEqualTo(1);
	}

	@Test
	void lostReplyToSetIsResentByLettuceAfterReconnectAndCompletesWithOk() throws Exception {
		StatefulRedisConnection<String, String> connection = connectThroughProxy();
		String key = key("lost-reply");
		this.proxy.dropNextReplyAndClose();
		RedisFuture<String> set = connection.async().set(key, "v");
		// Observed with Lettuce 7.5.2 and default options: the SET ran in Redis, its
		// reply was swallowed and the connection closed; Lettuce reconnected and wrote
		// the SET again on the new connection, and the future completed normally with the
		// reply to that second SET, "OK". The caller cannot tell that it ran twice.
		assertThat(set.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("OK");
		assertThat(this.proxy.isArmed()).isFalse();
		assertThat(this.proxy.acceptedConnections()).isEqualTo(2);
		assertThat(this.direct.get(key)).isEqualTo("v");
	}

	@Test
	void lostReplyToIncrementIsResentByLettuceSoTheIncrementRunsTwice() throws Exception {
		StatefulRedisConnection<String, String> connection = connectThroughProxy();
		String key = key("lost-reply-incr");
		this.proxy.dropNextReplyAndClose();
		RedisFuture<Long> incr = connection.async().incr(key);
		// The proof that Lettuce re-sent it: once through the dropped connection, once
		// after the reconnect.
		assertThat(incr.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
		assertThat(this.direct.get(key)).isEqualTo("2");
		assertThat(this.proxy.acceptedConnections()).isEqualTo(2);
	}

	@Test
	void cutRequestNeverReachesRedisAndLettuceRunsItOnceAfterReconnect() throws Exception {
		StatefulRedisConnection<String, String> connection = connectThroughProxy();
		String key = key("cut-request");
		this.proxy.cutNextRequestAndClose();
		RedisFuture<Long> incr = connection.async().incr(key);
		// Observed with Lettuce 7.5.2 and default options: the INCR was cut before Redis
		// saw it; Lettuce reconnected, wrote it again and the future completed with 1, so
		// it ran exactly once, on the second connection.
		assertThat(incr.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
		assertThat(this.direct.get(key)).isEqualTo("1");
		assertThat(this.proxy.acceptedConnections()).isEqualTo(2);
	}

	@Test
	void cutRequestNeverReachesRedisAndFailsWithoutAutoReconnect() {
		this.client.setOptions(ClientOptions.builder().autoReconnect(false).build());
		StatefulRedisConnection<String, String> connection = connectThroughProxy();
		String key = key("cut-request-no-reconnect");
		this.proxy.cutNextRequestAndClose();
		RedisFuture<String> set = connection.async().set(key, "v");
		// Without auto-reconnect Lettuce keeps nothing to replay: the future fails once
		// the connection is closed.
		await().atMost(TIMEOUT).until(set::isDone);
		assertThat(set.toCompletableFuture()).isCompletedExceptionally();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(set::get)
			.havingCause()
			.isExactlyInstanceOf(RedisException.class)
			.withMessage("Connection disconnected");
		assertThat(this.direct.exists(key)).isZero();
		assertThat(this.proxy.acceptedConnections()).isEqualTo(1);
	}

	@Test
	void cutRequestNeverReachesRedisFromARawClient() throws IOException {
		String key = key("cut-raw");
		this.proxy.cutNextRequestAndClose();
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.proxy.port()), 1000);
			socket.setSoTimeout((int) TIMEOUT.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(("SET " + key + " v\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			assertThat(in.read()).as("end of stream instead of a reply").isEqualTo(-1);
		}
		assertThat(this.direct.exists(key)).isZero();
		assertThat(this.proxy.isArmed()).isFalse();
	}

	@Test
	void blackholeTimesCommandsOutAndRestoreDeliversAgainOnTheSameConnection() {
		RedisCommands<String, String> commands = connectThroughProxy(Duration.ofMillis(300)).sync();
		String key = key("blackhole");
		commands.set(key, "before");
		this.proxy.blackhole();
		assertThatExceptionOfType(RedisCommandTimeoutException.class).isThrownBy(() -> commands.set(key, "during"));
		assertThat(this.direct.get(key)).isEqualTo("before");
		this.proxy.restore();
		// The held SET is delivered on restore and its late reply goes to the timed-out
		// command, so replies and
		// commands stay paired: the next commands see their own replies.
		assertThat(commands.set(key, "after")).isEqualTo("OK");
		assertThat(commands.get(key)).isEqualTo("after");
		assertThat(this.proxy.acceptedConnections()).isEqualTo(1);
	}

	@Test
	void downstreamBlackholeTimesOutACommandThatRanInRedis() {
		RedisCommands<String, String> commands = connectThroughProxy(Duration.ofMillis(300)).sync();
		String key = key("blackhole-down");
		this.proxy.blackhole(Direction.DOWNSTREAM);
		assertThatExceptionOfType(RedisCommandTimeoutException.class).isThrownBy(() -> commands.set(key, "v"));
		assertThat(this.direct.get(key)).isEqualTo("v");
		this.proxy.restore();
		assertThat(commands.get(key)).isEqualTo("v");
	}

	@Test
	void refusedConnectionsFailToConnectUntilAcceptedAgain() {
		this.proxy.refuseConnections(true);
		assertThatExceptionOfType(RedisConnectionException.class).isThrownBy(this::connectThroughProxy);
		assertThat(this.proxy.openConnections()).isZero();
		this.proxy.refuseConnections(false);
		assertThat(connectThroughProxy().sync().ping()).isEqualTo("PONG");
	}

	@Test
	void closeAllClosesCurrentConnectionsAndLettuceReconnects() {
		RedisCommands<String, String> commands = connectThroughProxy().sync();
		String key = key("close-all");
		commands.set(key, "v");
		this.proxy.closeAll();
		assertThat(commands.get(key)).isEqualTo("v");
		assertThat(this.proxy.acceptedConnections()).isEqualTo(2);
	}

	@Test
	void closeStopsEveryThreadOfTheProxy() {
		connectThroughProxy().sync().ping();
		this.proxy.blackhole();
		String prefix = "fault-proxy-" + this.proxy.port() + "-";
		assertThat(threadsNamed(prefix)).isGreaterThanOrEqualTo(3);
		this.proxy.close();
		await().atMost(TIMEOUT).until(() -> threadsNamed(prefix) == 0);
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.proxy.port()), 1000);
			}
		});
	}

	private StatefulRedisConnection<String, String> connectThroughProxy() {
		return connectThroughProxy(TIMEOUT);
	}

	/**
	 * Connects with the long timeout, so that a loaded machine does not fail the
	 * handshake, then gives the connection's commands the one asked for.
	 */
	private StatefulRedisConnection<String, String> connectThroughProxy(Duration timeout) {
		StatefulRedisConnection<String, String> connection = this.client
			.connect(RedisURI.builder().withHost("127.0.0.1").withPort(this.proxy.port()).withTimeout(TIMEOUT).build());
		connection.setTimeout(timeout);
		return connection;
	}

	private static String key(String name) {
		return redis.namespace() + ":" + name;
	}

	private static long threadsNamed(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(prefix))
			.count();
	}

}
