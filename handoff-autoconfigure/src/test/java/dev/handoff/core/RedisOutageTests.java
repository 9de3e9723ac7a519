package dev.handoff.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import dev.handoff.HandoffOperations;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.AbstractHandoffEngineTests.Counters;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the engine does while Redis is away: startup goes on and the records arrive once
 * Redis is back; shutdown returns within its timeout and says what it lost. The
 * connection settings are Boot's defaults, so Lettuce would wait 60 seconds for a
 * command: every bound here is Handoff's own.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisOutageTests {

	private static final Map<String, List<Long>> STATE = AbstractHandoffEngineTests.STATE;

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(3);

	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

	/**
	 * What creating and refreshing a context may add to the startup timeout on a loaded
	 * machine. Far below the 60 seconds Lettuce would wait, so a startup that Handoff
	 * does not bound still fails.
	 */
	private static final Duration STARTUP_MARGIN = Duration.ofSeconds(10);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private ApplicationContextRunner runner;

	@BeforeEach
	void redisIsUp() {
		redis.server().startAgain();
		this.runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"handoff.namespace=test-" + UUID.randomUUID(), "handoff.lease=1s",
					"handoff.startup-timeout=" + STARTUP_TIMEOUT.toMillis() + "ms",
					"handoff.shutdown-timeout=" + SHUTDOWN_TIMEOUT.toMillis() + "ms",
					// Only a notification or a (re)subscription can bring a record within
					// the test.
					"handoff.poll-interval=1h");
	}

	@Test
	void applicationStartsWithoutRedisAndReceivesRecordsOnceRedisIsBack(CapturedOutput output) {
		redis.server().stop();
		long start = System.nanoTime();
		this.runner.withPropertyValues("handoff.instance-id=new")
			.withBean(Counters.class, Counters::new)
			.run((context) -> {
				Duration startup = Duration.ofNanos(System.nanoTime() - start);
				assertThat(context).hasNotFailed();
				assertThat(startup).isLessThan(STARTUP_TIMEOUT.plus(STARTUP_MARGIN));
				// Refused at once, or, on a loaded machine, not connected within the
				// timeout.
				assertThat(output).containsPattern(warning(HandoffLifecycle.class,
						"(Could not check the handoff store Redis \\(.*\\) "
								+ "at startup: .*Going on; handoffs will work once it can be reached|The handoff store Redis "
								+ "\\(.*\\) did not answer Handoff's startup check within handoff.startup-timeout \\("
								+ STARTUP_TIMEOUT + "\\)\\. Going on; handoffs will work once it answers)\\."))
					.containsPattern(
							warning(ClaimScheduler.class, "Could not restore handed-off state of \\[counters\\] "
									+ "within handoff.startup-timeout \\(.*\\); starting without it\\."));
				Counters counters = context.getBean(Counters.class);
				assertThat(counters.events).containsSubsequence("start", "refreshed");
				// A stopped redis-server comes back empty (persistence is off), so the
				// record is handed off afterwards.
				redis.server().startAgain();
				this.runner.withPropertyValues("handoff.instance-id=old")
					.run((old) -> old.getBean(HandoffOperations.class).initiate("counters", 1, STATE));
				await().atMost(Duration.ofSeconds(15))
					.untilAsserted(() -> assertThat(counters.received).singleElement()
						.satisfies((record) -> assertThat(record.data()).isEqualTo(STATE)));
			});
	}

	@Test
	void runningApplicationReceivesRecordsAfterRedisRestarts() {
		this.runner.withPropertyValues("handoff.instance-id=new")
			.withBean(Counters.class, Counters::new)
			.run((context) -> {
				Counters counters = context.getBean(Counters.class);
				redis.server().stop();
				redis.server().startAgain();
				this.runner.withPropertyValues("handoff.instance-id=old")
					.run((old) -> old.getBean(HandoffOperations.class).initiate("counters", 1, STATE));
				await().atMost(Duration.ofSeconds(15))
					.untilAsserted(() -> assertThat(counters.received).singleElement()
						.satisfies((record) -> assertThat(record.data()).isEqualTo(STATE)));
			});
	}

	@Test
	void applicationStartsWithinTheStartupTimeoutWhenRedisDoesNotAnswer(CapturedOutput output) throws IOException {
		try (SilentServer silent = new SilentServer()) {
			long start = System.nanoTime();
			this.runner.withPropertyValues("spring.data.redis.port=" + silent.port(), "handoff.instance-id=new")
				.withBean(Counters.class, Counters::new)
				.run((context) -> {
					Duration startup = Duration.ofNanos(System.nanoTime() - start);
					assertThat(context).hasNotFailed();
					assertThat(startup).isLessThan(STARTUP_TIMEOUT.plus(STARTUP_MARGIN));
					// The restore gets what the check left of the timeout (nothing), not
					// a timeout of its own.
					assertThat(output)
						.containsPattern(warning(HandoffLifecycle.class,
								"The handoff store Redis \\(.*\\) did not "
										+ "answer Handoff's startup check within handoff.startup-timeout \\("
										+ STARTUP_TIMEOUT + "\\)\\. Going on; handoffs will work once it answers\\."))
						.containsPattern(warning(ClaimScheduler.class, "Could not restore handed-off state of "
								+ "\\[counters\\] within handoff.startup-timeout \\(PT0S\\); starting without it\\."));
				});
		}
	}

	@Test
	void shutdownReturnsWithinTheShutdownTimeoutWhenRedisStopsAnswering(CapturedOutput output) throws IOException {
		try (SilentServer silent = new SilentServer()) {
			this.runner
				.withPropertyValues("spring.data.redis.port=" + silent.port(), "handoff.instance-id=old",
						"handoff.startup-timeout=500ms")
				.withBean(Counters.class, () -> new Counters(STATE))
				.run((context) -> {
					assertThat(context).hasNotFailed();
					long start = System.nanoTime();
					context.close();
					Duration shutdown = Duration.ofNanos(System.nanoTime() - start);
					assertThat(shutdown).isLessThan(SHUTDOWN_TIMEOUT.plusSeconds(2));
				});
		}
		assertThat(output).containsPattern("ERROR.*(\\[counters\\]|label 'counters')");
	}

	/**
	 * A WARN line of Spring Boot's console format from the given Handoff logger: any
	 * WARN, Lettuce's included, would otherwise do.
	 * @param logger the class whose logger writes it
	 * @param message a regular expression for the message
	 * @return a regular expression for the line
	 */
	private static String warning(Class<?> logger, String message) {
		return "WARN .*" + Pattern.quote(logger.getName()) + " *: " + message;
	}

	/**
	 * A server that accepts connections and never answers, like a Redis that hangs or a
	 * half-open connection.
	 */
	static final class SilentServer implements AutoCloseable {

		private final ServerSocket serverSocket;

		private final List<Socket> accepted = new CopyOnWriteArrayList<>();

		SilentServer() throws IOException {
			this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			Thread acceptor = new Thread(() -> {
				while (!this.serverSocket.isClosed()) {
					try {
						this.accepted.add(this.serverSocket.accept());
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "silent-redis");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		int port() {
			return this.serverSocket.getLocalPort();
		}

		@Override
		public void close() throws IOException {
			this.serverSocket.close();
			for (Socket socket : this.accepted) {
				socket.close();
			}
		}

	}

	@Test
	void shutdownWithRedisDownReturnsWithinTheShutdownTimeoutAndNamesTheLabelItLost(CapturedOutput output) {
		this.runner.withPropertyValues("handoff.instance-id=old")
			.withBean(Counters.class, () -> new Counters(STATE))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Counters counters = context.getBean(Counters.class);
				redis.server().stop();
				long start = System.nanoTime();
				context.close();
				Duration shutdown = Duration.ofNanos(System.nanoTime() - start);
				assertThat(shutdown).isLessThan(SHUTDOWN_TIMEOUT.plusSeconds(2));
				assertThat(counters.captures).hasValue(1);
			});
		assertThat(output).contains("ERROR").containsPattern("ERROR.*(\\[counters\\]|label 'counters')");
	}

}
