package dev.handoff.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * A minimal Spring Boot application, started with {@code SpringApplication}: Boot's Redis
 * auto-configuration ({@code DataRedisAutoConfiguration}, so the connection factory is
 * exactly the one Boot builds from {@code spring.data.redis.*}),
 * {@link HandoffAutoConfiguration}, and any number of {@link BenchParticipant} beans
 * named {@code p00}, {@code p01}, ..., which are also their labels.
 */
final class BootApp implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final List<BenchParticipant> participants;

	private BootApp(ConfigurableApplicationContext context, List<BenchParticipant> participants) {
		this.context = context;
		this.participants = participants;
	}

	static Builder builder(int port) {
		return new Builder(port);
	}

	static String label(int participant) {
		return String.format("p%02d", participant);
	}

	ConfigurableApplicationContext context() {
		return this.context;
	}

	HandoffStore store() {
		return this.context.getBean(HandoffStore.class);
	}

	HandoffLifecycle lifecycle() {
		return this.context.getBean(HandoffLifecycle.class);
	}

	HandoffTemplate template() {
		return this.context.getBean(HandoffTemplate.class);
	}

	RedisConnectionFactory connectionFactory() {
		return this.context.getBean(RedisConnectionFactory.class);
	}

	List<BenchParticipant> participants() {
		return this.participants;
	}

	/**
	 * Opens the connection that Lettuce shares, as the first Redis command of an
	 * application would.
	 */
	void openSharedConnection() {
		try (RedisConnection connection = connectionFactory().getConnection()) {
			connection.ping();
		}
	}

	@Override
	public void close() {
		this.context.close();
	}

	static final class Builder {

		private final Map<String, Object> properties = new LinkedHashMap<>();

		private int participants;

		private @Nullable String state;

		private @Nullable RestoreClock clock;

		private @Nullable LongConsumer onReceived;

		private Builder(int port) {
			this.properties.put("spring.data.redis.host", "127.0.0.1");
			this.properties.put("spring.data.redis.port", port);
			this.properties.put("spring.data.redis.client-type", "lettuce");
		}

		Builder jedis() {
			this.properties.put("spring.data.redis.client-type", "jedis");
			return this;
		}

		Builder namespace(String namespace) {
			this.properties.put("handoff.namespace", namespace);
			this.properties.put("handoff.instance-id", namespace + "-instance");
			return this;
		}

		Builder property(String name, Object value) {
			this.properties.put(name, value);
			return this;
		}

		/**
		 * Adds participants.
		 * @param count how many
		 * @param state the state each hands off, or null for none
		 * @return this builder
		 */
		Builder participants(int count, @Nullable String state) {
			this.participants = count;
			this.state = state;
			return this;
		}

		/**
		 * Times the engine's startup restore inside the refresh: a
		 * {@link SmartInitializingSingleton} registered before every other bean marks the
		 * start, one registered after the auto-configured beans marks the end, and Spring
		 * calls {@code afterSingletonsInstantiated} in registration order, so between the
		 * two runs {@link HandoffLifecycle#afterSingletonsInstantiated()}.
		 * {@link #start()} checks that nothing else runs there.
		 * @param clock what the markers report to
		 * @return this builder
		 */
		Builder restoreClock(RestoreClock clock) {
			this.clock = clock;
			return this;
		}

		/**
		 * Tells the listener the moment each participant receives records.
		 * @param listener the listener
		 * @return this builder
		 */
		Builder onReceived(LongConsumer listener) {
			this.onReceived = listener;
			return this;
		}

		BootApp start() {
			List<BenchParticipant> beans = new ArrayList<>();
			RestoreClock clock = this.clock;
			ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
				.web(WebApplicationType.NONE)
				.bannerMode(Banner.Mode.OFF)
				.logStartupInfo(false)
				.registerShutdownHook(false)
				.properties(this.properties)
				.initializers((applicationContext) -> {
					GenericApplicationContext generic = (GenericApplicationContext) applicationContext;
					if (clock != null) {
						generic.registerBean(RestoreClock.START, RestoreClock.Start.class,
								() -> new RestoreClock.Start(clock, generic));
						generic.registerBean("restoreClockRegistrar", RestoreClock.Registrar.class,
								() -> new RestoreClock.Registrar(clock));
					}
					for (int i = 0; i < this.participants; i++) {
						BenchParticipant bean = new BenchParticipant(this.state);
						bean.onReceived(this.onReceived);
						beans.add(bean);
						generic.registerBean(label(i), BenchParticipant.class, () -> bean);
					}
				})
				.run();
			if (clock != null) {
				RestoreClock.checkOrder(context);
			}
			return new BootApp(context, List.copyOf(beans));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ SslAutoConfiguration.class, DataRedisAutoConfiguration.class,
			HandoffAutoConfiguration.class })
	static class Application {

	}

}
