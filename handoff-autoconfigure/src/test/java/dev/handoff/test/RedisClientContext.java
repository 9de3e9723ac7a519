package dev.handoff.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * An application context with Spring Boot's Redis auto-configuration
 * ({@link DataRedisAutoConfiguration}, and {@link SslAutoConfiguration} for SSL bundles),
 * started by an {@link ApplicationContextRunner} from a topology's
 * {@link RedisTopology#springProperties() properties}, so the
 * {@link RedisConnectionFactory} is built exactly as Boot builds it for a user with those
 * properties. To them it adds {@code spring.data.redis.client-type} and a
 * {@value #COMMAND_TIMEOUT_PROPERTY} of 10 s, shorter than Lettuce's 60 s, so a test that
 * lost Redis fails instead of hanging the build.
 * <p>
 * The runner closes its context when its callback returns, so the callback runs on a
 * thread of its own and waits there until {@link #close()}: the context, and the
 * connection factory with it, stay open in between.
 */
public final class RedisClientContext implements AutoCloseable {

	/** The command timeout property the harness sets. */
	public static final String COMMAND_TIMEOUT_PROPERTY = "spring.data.redis.timeout";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

	private final RedisClientType clientType;

	private final Map<String, String> properties;

	private final AssertableApplicationContext context;

	private final CountDownLatch closed;

	private final Thread thread;

	private RedisClientContext(RedisClientType clientType, Map<String, String> properties,
			AssertableApplicationContext context, CountDownLatch closed, Thread thread) {
		this.clientType = clientType;
		this.properties = properties;
		this.context = context;
		this.closed = closed;
		this.thread = thread;
	}

	static RedisClientContext start(RedisTopology topology, RedisClientType clientType, String... extraProperties) {
		Map<String, String> properties = new LinkedHashMap<>(topology.springProperties());
		properties.put("spring.data.redis.client-type", clientType.propertyValue());
		properties.put(COMMAND_TIMEOUT_PROPERTY, "10s");
		for (String property : extraProperties) {
			int equals = property.indexOf('=');
			if (equals < 1) {
				throw new IllegalArgumentException("Not a key=value property: '" + property + "'");
			}
			properties.put(property.substring(0, equals), property.substring(equals + 1));
		}
		List<String> pairs = new ArrayList<>();
		properties.forEach((key, value) -> pairs.add(key + "=" + value));
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, DataRedisAutoConfiguration.class))
			.withPropertyValues(pairs.toArray(String[]::new));
		CompletableFuture<AssertableApplicationContext> started = new CompletableFuture<>();
		CountDownLatch closed = new CountDownLatch(1);
		Thread thread = new Thread(() -> {
			try {
				runner.run((context) -> {
					started.complete(context);
					if (context.getStartupFailure() == null) {
						closed.await();
					}
				});
			}
			catch (Throwable ex) {
				started.completeExceptionally(ex);
			}
		}, "redis-client-context-" + topology.name() + "-" + clientType.propertyValue());
		thread.setDaemon(true);
		thread.start();
		AssertableApplicationContext context = awaitStart(started, topology, clientType);
		Throwable failure = context.getStartupFailure();
		if (failure != null) {
			throw new IllegalStateException("Boot's Redis auto-configuration did not start for " + topology + " with "
					+ clientType + ": " + failure.getMessage(), failure);
		}
		return new RedisClientContext(clientType, Collections.unmodifiableMap(properties), context, closed, thread);
	}

	private static AssertableApplicationContext awaitStart(CompletableFuture<AssertableApplicationContext> started,
			RedisTopology topology, RedisClientType clientType) {
		try {
			return started.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("Cannot run the context for " + topology + " with " + clientType,
					ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("The context for " + topology + " with " + clientType
					+ " did not start within " + START_TIMEOUT.toSeconds() + " s", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Returns the connection factory Boot made.
	 * @return the connection factory
	 */
	public RedisConnectionFactory connectionFactory() {
		return this.context.getBean(RedisConnectionFactory.class);
	}

	/**
	 * Returns the {@link StringRedisTemplate} Boot made.
	 * @return the template
	 */
	public StringRedisTemplate stringRedisTemplate() {
		return this.context.getBean(StringRedisTemplate.class);
	}

	/**
	 * Returns the whole context, for other beans Boot made (such as its
	 * {@code RedisMessageListenerContainer}) or to assert on it.
	 * @return the context
	 */
	public ApplicationContext context() {
		return this.context;
	}

	/**
	 * Returns the client type Boot was asked for.
	 * @return the client type
	 */
	public RedisClientType clientType() {
		return this.clientType;
	}

	/**
	 * Returns every property the context was started with.
	 * @return the properties
	 */
	public Map<String, String> properties() {
		return this.properties;
	}

	/**
	 * Closes the context, which destroys the connection factory, and waits a bounded time
	 * for it.
	 */
	@Override
	public void close() {
		this.closed.countDown();
		try {
			this.thread.join(CLOSE_TIMEOUT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.thread.isAlive()) {
			throw new IllegalStateException("The context did not close within " + CLOSE_TIMEOUT.toSeconds() + " s");
		}
	}

	@Override
	public String toString() {
		return "Boot's Redis auto-configuration with " + this.clientType + " and " + this.properties;
	}

}
