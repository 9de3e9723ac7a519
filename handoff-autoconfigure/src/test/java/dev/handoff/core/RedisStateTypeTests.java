package dev.handoff.core;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.autoconfigure.HandoffJsonMapperBuilderCustomizer;
import dev.handoff.core.StateCodecTests.Money;
import dev.handoff.test.RedisExtension;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.ValueSerializerModifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.ResolvableType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How state types are written and read, through the auto-configuration and a real Redis:
 * state whose keys are data is read with everything the application customized, and each
 * participant's reader and writer exist before its first handoff.
 */
class RedisStateTypeTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port());

	private ApplicationContextRunner runner(String instanceId) {
		return this.runner.withPropertyValues("handoff.namespace=" + redis.namespace(),
				"handoff.instance-id=" + instanceId);
	}

	@Test
	void mapStateIsReadWithTheModulesAndFeaturesOfTheApplicationsCustomizer() {
		HandoffJsonMapperBuilderCustomizer customizer = (builder) -> builder.addModule(StateCodecTests.moneyModule())
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
		Map<String, Money> prices = Map.of("tea", new Money(350, "EUR"), "cake", new Money(1225, "CHF"));
		Map<String, Object> ratios = Map.of("tea", 0.5, "cake", 1.25);
		runner("old").withBean(HandoffJsonMapperBuilderCustomizer.class, () -> customizer)
			.withBean(Prices.class, () -> new Prices(prices))
			.withBean(Ratios.class, () -> new Ratios(ratios))
			.run((context) -> assertThat(context).hasNotFailed());
		runner("new").withBean(HandoffJsonMapperBuilderCustomizer.class, () -> customizer)
			.withBean(Prices.class, () -> new Prices(null))
			.withBean(Ratios.class, () -> new Ratios(null))
			.run((context) -> {
				HandoffTemplate template = context.getBean(HandoffTemplate.class);
				// Read without canonicalization, where a mapper without the customizer
				// would refuse "3.50 EUR" and
				// read 0.5 as a Double.
				assertThat(codec(template, Prices.class).isKeysAreData()).isTrue();
				assertThat(codec(template, Ratios.class).isKeysAreData()).isTrue();
				assertThat(context.getBean(Prices.class).received).singleElement()
					.satisfies((record) -> assertThat(record.data()).isEqualTo(prices));
				assertThat(context.getBean(Ratios.class).received).singleElement()
					.satisfies((record) -> assertThat(record.data()).containsEntry("tea", new BigDecimal("0.5"))
						.containsEntry("cake", new BigDecimal("1.25")));
			});
	}

	@Test
	void readerAndWriterOfAParticipantsStateTypeAreBuiltAtStartupAndOnlyThen() {
		BuiltFor built = new BuiltFor();
		Inventory inventory = new Inventory(List.of(new Item("bolts", 12), new Item("nuts", 30)));
		runner("old").withBean(HandoffJsonMapperBuilderCustomizer.class, () -> built)
			.withBean(Stock.class, () -> new Stock(inventory))
			.run((context) -> {
				// Off the startup path, on a thread of Handoff's own, before any handoff.
				await().untilAsserted(() -> {
					assertThat(built.deserializers).contains(Inventory.class, Item.class);
					assertThat(built.serializers).contains(Inventory.class, Item.class);
				});
				built.clear();
			});
		// The old instance's shutdown wrote its state with the writer it had.
		assertThat(built.serializers).isEmpty();
		runner("new").withBean(HandoffJsonMapperBuilderCustomizer.class, () -> built)
			.withBean(Stock.class, () -> new Stock(null))
			.run((context) -> {
				assertThat(context.getBean(Stock.class).received).singleElement()
					.satisfies((record) -> assertThat(record.data()).isEqualTo(inventory));
				assertThat(built.deserializerCounts.get(Inventory.class)).isEqualTo(1);
			});
	}

	private static StateCodec codec(HandoffTemplate template, Class<?> participant) {
		return template.codec(template
			.constructType(ResolvableType.forClass(participant).as(HandoffParticipant.class).getGeneric(0)));
	}

	/**
	 * Records the bean types Jackson builds a serializer or deserializer for.
	 */
	static final class BuiltFor implements HandoffJsonMapperBuilderCustomizer {

		final Set<Class<?>> deserializers = ConcurrentHashMap.newKeySet();

		final Set<Class<?>> serializers = ConcurrentHashMap.newKeySet();

		final Map<Class<?>, Integer> deserializerCounts = new ConcurrentHashMap<>();

		@Override
		public void customize(JsonMapper.Builder builder) {
			builder.addModule(new SimpleModule("built-for").setDeserializerModifier(new ValueDeserializerModifier() {

				@Override
				public ValueDeserializer<?> modifyDeserializer(DeserializationConfig config,
						BeanDescription.Supplier description, ValueDeserializer<?> deserializer) {
					BuiltFor.this.deserializers.add(description.getBeanClass());
					BuiltFor.this.deserializerCounts.merge(description.getBeanClass(), 1, Integer::sum);
					return deserializer;
				}

			}).setSerializerModifier(new ValueSerializerModifier() {

				@Override
				public ValueSerializer<?> modifySerializer(SerializationConfig config,
						BeanDescription.Supplier description, ValueSerializer<?> serializer) {
					BuiltFor.this.serializers.add(description.getBeanClass());
					return serializer;
				}

			}));
		}

		void clear() {
			this.deserializers.clear();
			this.serializers.clear();
			this.deserializerCounts.clear();
		}

	}

	record Inventory(List<Item> items) {
	}

	record Item(String name, int count) {
	}

	@Handoff("stock")
	static class Stock extends Holder<Inventory> implements HandoffParticipant<Inventory> {

		Stock(@Nullable Inventory state) {
			super(state);
		}

	}

	@Handoff("prices")
	static class Prices extends Holder<Map<String, Money>> implements HandoffParticipant<Map<String, Money>> {

		Prices(@Nullable Map<String, Money> state) {
			super(state);
		}

	}

	@Handoff("ratios")
	static class Ratios extends Holder<Map<String, Object>> implements HandoffParticipant<Map<String, Object>> {

		Ratios(@Nullable Map<String, Object> state) {
			super(state);
		}

	}

	/**
	 * Hands off the state it was given, and keeps what it receives.
	 */
	abstract static class Holder<S> {

		private final @Nullable S state;

		final List<HandoffRecord<S>> received = new CopyOnWriteArrayList<>();

		Holder(@Nullable S state) {
			this.state = state;
		}

		public @Nullable S handoffState() {
			return this.state;
		}

		public void receiveHandoff(List<HandoffRecord<S>> handoffs) {
			this.received.addAll(handoffs);
		}

	}

}
