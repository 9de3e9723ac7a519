package dev.handoff.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.Assert;

/**
 * Runs one real {@link RedisServerProcess} for a test class, with a started
 * {@link LettuceConnectionFactory} for it, and draws a fresh key namespace for every
 * test, so that tests sharing the server never see each other's keys. <pre class="code">
 * &#64;RegisterExtension
 * static final RedisExtension redis = new RedisExtension();
 *
 * &#64;Test
 * void something() {
 *     new RedisHandoffStore(redis.connectionFactory(), redis.namespace(), policy);
 * }
 * </pre> Register it on a {@code static} field: the server lives as long as the test
 * class.
 */
public final class RedisExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

	/**
	 * Shorter than Lettuce's 60 s, so a test that lost Redis fails instead of hanging the
	 * build.
	 */
	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

	private final List<LettuceConnectionFactory> connectionFactories = new ArrayList<>();

	private RedisServerProcess server;

	private LettuceConnectionFactory connectionFactory;

	private String namespace;

	@Override
	public void beforeAll(ExtensionContext context) {
		this.server = RedisServerProcess.start();
		this.connectionFactory = newConnectionFactory();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.namespace = "test-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.connectionFactories.forEach(LettuceConnectionFactory::destroy);
		this.connectionFactories.clear();
		if (this.server != null) {
			this.server.close();
		}
	}

	/**
	 * Returns the server of this test class, for example to stop and start it again.
	 * @return the server
	 */
	public RedisServerProcess server() {
		Assert.state(this.server != null, "RedisExtension must be registered on a static field");
		return this.server;
	}

	/**
	 * Returns the connection factory of this test class, started; it is destroyed after
	 * the class.
	 * @return the connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		Assert.state(this.connectionFactory != null, "RedisExtension must be registered on a static field");
		return this.connectionFactory;
	}

	/**
	 * Returns another started connection factory for the same server, as a second
	 * application instance would have; it is destroyed after the class.
	 * @return a new connection factory
	 */
	public LettuceConnectionFactory newConnectionFactory() {
		RedisStandaloneConfiguration server = new RedisStandaloneConfiguration("127.0.0.1", server().port());
		LettuceClientConfiguration client = LettuceClientConfiguration.builder()
			.commandTimeout(COMMAND_TIMEOUT)
			.build();
		LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(server, client);
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		this.connectionFactories.add(connectionFactory);
		return connectionFactory;
	}

	/**
	 * Returns the namespace of the current test: a key prefix no other test uses.
	 * @return the namespace
	 */
	public String namespace() {
		Assert.state(this.namespace != null, "No test is running");
		return this.namespace;
	}

}
