package dev.handoff.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.handoff.core.HandoffLifecycle;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Times {@link HandoffLifecycle#afterSingletonsInstantiated()} where Spring calls it,
 * during the refresh, by two {@link SmartInitializingSingleton} markers: {@link Start},
 * registered before any other bean, and {@link End}, registered after the auto-configured
 * beans by a {@link BeanDefinitionRegistryPostProcessor} that runs after configuration
 * classes are parsed. Spring calls these callbacks in bean registration order.
 */
final class RestoreClock {

	static final String START = "restoreClockStart";

	static final String END = "restoreClockEnd";

	private final @Nullable Runnable onStart;

	private final @Nullable Runnable onEnd;

	private volatile long start;

	private volatile long end;

	/**
	 * Creates a clock.
	 * @param onStart called right before the clock starts, after the shared connection is
	 * open
	 * @param onEnd called right after it stops
	 */
	RestoreClock(@Nullable Runnable onStart, @Nullable Runnable onEnd) {
		this.onStart = onStart;
		this.onEnd = onEnd;
	}

	long elapsed() {
		StoreFigures.check(this.start != 0 && this.end > this.start, () -> "the restore clock did not run");
		return this.end - this.start;
	}

	/**
	 * Spring Data Redis' listener annotation processor (Boot 4 declares it with the Redis
	 * auto-configuration) also runs between the markers; with no {@code @RedisListener}
	 * methods it registers nothing.
	 */
	private static final String REDIS_LISTENER_PROCESSOR = "org.springframework.data.redis.config."
			+ "internalRedisListenerAnnotationProcessor";

	/**
	 * Checks that the Handoff lifecycle is the only {@link SmartInitializingSingleton}
	 * between the markers, but for Spring Data Redis' listener annotation processor.
	 * @param context the refreshed context
	 */
	static void checkOrder(ConfigurableApplicationContext context) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		List<String> names = Arrays.asList(beanFactory.getBeanDefinitionNames());
		int start = names.indexOf(START);
		int end = names.indexOf(END);
		List<String> between = new ArrayList<>();
		for (String name : names.subList(start + 1, Math.max(start + 1, end))) {
			if (beanFactory.containsSingleton(name)
					&& beanFactory.getSingleton(name) instanceof SmartInitializingSingleton) {
				between.add(name);
			}
		}
		between.remove(REDIS_LISTENER_PROCESSOR);
		StoreFigures.check(start >= 0 && end > start && between.equals(List.of("handoffLifecycle")),
				() -> "expected only handoffLifecycle between the restore markers, found " + between);
	}

	/**
	 * Opens Lettuce's shared connection, as an application's first command would, then
	 * starts the clock.
	 */
	static final class Start implements SmartInitializingSingleton {

		private final RestoreClock clock;

		private final GenericApplicationContext context;

		Start(RestoreClock clock, GenericApplicationContext context) {
			this.clock = clock;
			this.context = context;
		}

		@Override
		public void afterSingletonsInstantiated() {
			try (RedisConnection connection = this.context.getBean(RedisConnectionFactory.class).getConnection()) {
				connection.ping();
			}
			if (this.clock.onStart != null) {
				this.clock.onStart.run();
			}
			this.clock.start = System.nanoTime();
		}

	}

	/** Stops the clock. */
	static final class End implements SmartInitializingSingleton {

		private final RestoreClock clock;

		End(RestoreClock clock) {
			this.clock = clock;
		}

		@Override
		public void afterSingletonsInstantiated() {
			this.clock.end = System.nanoTime();
			if (this.clock.onEnd != null) {
				this.clock.onEnd.run();
			}
		}

	}

	/** Registers {@link End} after every bean that configuration classes declared. */
	static final class Registrar implements BeanDefinitionRegistryPostProcessor {

		private final RestoreClock clock;

		Registrar(RestoreClock clock) {
			this.clock = clock;
		}

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			registry.registerBeanDefinition(END, new RootBeanDefinition(End.class, () -> new End(this.clock)));
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		}

	}

}
