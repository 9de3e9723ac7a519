package dev.handoff.core;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.deser.std.FromStringDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.ToStringSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests of {@link StateCodec}: which state types count as having keys that are data, and
 * that reading them without canonicalization keeps everything else of the mapper.
 */
class StateCodecTests {

	private final JsonMapper mapper = JsonMapper.builder().build();

	@Test
	void mapWhoseKeysAreStringsHasKeysThatAreData() {
		assertThat(keysAreData(new TypeReference<Map<String, Long>>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<Map<Long, List<String>>>() {
		})).isTrue();
	}

	@Test
	void mapWhoseKeysAreAnEnumsConstantsHasPropertyNamesUnlessItsValuesHaveDataKeys() {
		assertThat(keysAreData(new TypeReference<Map<Color, Long>>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<Map<Color, Map<String, Long>>>() {
		})).isTrue();
	}

	@Test
	void containersOfMapsHaveKeysThatAreData() {
		assertThat(keysAreData(new TypeReference<List<Map<String, Long>>>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<Optional<Map<String, Long>>>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<Map<String, Long>[]>() {
		})).isTrue();
	}

	@Test
	void recordOrBeanReadOnceThatHoldsAMapHasKeysThatAreData() {
		assertThat(keysAreData(new TypeReference<Wrapper>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<Outer>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<PlainBean>() {
		})).isTrue();
		assertThat(keysAreData(new TypeReference<Box<Map<String, Long>>>() {
		})).isTrue();
	}

	@Test
	void recordsOfACollectionHavePropertyNamesThatRepeatEvenWhenTheyHoldMaps() {
		assertThat(keysAreData(new TypeReference<List<Item>>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<List<Wrapper>>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<Box<String>>() {
		})).isFalse();
	}

	@Test
	void scalarsHaveNoKeys() {
		assertThat(keysAreData(new TypeReference<String>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<List<Long>>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<Instant>() {
		})).isFalse();
		assertThat(keysAreData(new TypeReference<Object>() {
		})).isFalse();
	}

	@Test
	void recursiveTypeIsLookedThroughOnce() {
		assertThat(keysAreData(new TypeReference<Node>() {
		})).isFalse();
	}

	@Test
	void copyWithoutCanonicalizingKeepsTheMappersModulesFeaturesAndFactorySettings() {
		JsonFactory factory = JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(12).build())
			.build();
		JsonMapper customized = JsonMapper.builder(factory)
			.addModule(moneyModule())
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
			.build();
		JsonMapper copy = StateCodec.withoutCanonicalizing(customized);
		assertThat(copy).isNotSameAs(customized);
		assertThat(copy.tokenStreamFactory().isEnabled(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES))
			.isFalse();
		assertThat(customized.tokenStreamFactory().isEnabled(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES))
			.isTrue();
		assertThat(copy.tokenStreamFactory().streamReadConstraints().getMaxNumberLength()).isEqualTo(12);
		assertThat(copy.isEnabled(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)).isTrue();
		Map<String, Money> prices = copy.readValue("{\"tea\":\"3.50 EUR\"}", new TypeReference<>() {
		});
		assertThat(prices).containsEntry("tea", new Money(350, "EUR"));
		Map<String, Object> ratios = copy.readValue("{\"a\":0.5}", new TypeReference<>() {
		});
		assertThat(ratios.get("a")).isEqualTo(new BigDecimal("0.5"));
	}

	@Test
	void copyOfAMapperThatDoesNotCanonicalizeIsTheMapperItself() {
		JsonMapper plain = JsonMapper
			.builder(JsonFactory.builder().disable(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES).build())
			.build();
		assertThat(StateCodec.withoutCanonicalizing(plain)).isSameAs(plain);
	}

	@Test
	void templateReadsAMapWithoutCanonicalizingAndListsOfRecordsWithIt() {
		HandoffTemplate template = template();
		StateCodec map = template.codec(this.mapper.constructType(new TypeReference<Map<String, Long>>() {
		}));
		StateCodec list = template.codec(this.mapper.constructType(new TypeReference<List<Item>>() {
		}));
		assertThat(map.isKeysAreData()).isTrue();
		assertThat(list.isKeysAreData()).isFalse();
		assertThat(map.<Map<String, Long>>read(bytes("{\"a\":1,\"b\":2}"))).containsEntry("a", 1L)
			.containsEntry("b", 2L);
		assertThat(list.<List<Item>>read(bytes("[{\"id\":\"a\",\"count\":3}]"))).containsExactly(new Item("a", 3));
		assertThat(template.codec(this.mapper.constructType(new TypeReference<Map<String, Long>>() {
		}))).isSameAs(map);
	}

	@Test
	void stateOfANonFinalTypeIsWrittenAsItsRuntimeClassAndOfAFinalTypeAsItsDeclaredType() {
		HandoffTemplate template = template();
		StateCodec base = template.codec(this.mapper.constructType(Base.class));
		assertThat(written(base, new Extended("a", "b"))).contains("\"name\":\"a\"").contains("\"extra\":\"b\"");
		StateCodec box = template.codec(this.mapper.constructType(new TypeReference<Box<Map<String, Long>>>() {
		}));
		assertThat(written(box, new Box<>(Map.of("a", 1L)))).isEqualTo("{\"value\":{\"a\":1}}");
	}

	@Test
	void warmUpGoesOnWhateverAMapperMakesOfItsValue() {
		JsonMapper refusing = JsonMapper.builder()
			.addModule(new SimpleModule().addDeserializer(Long.class, new FromStringDeserializer<>(Long.class) {

				@Override
				protected Long _deserialize(String value, DeserializationContext context) {
					throw new IllegalStateException("not here");
				}

			}))
			.build();
		assertThatNoException().isThrownBy(() -> {
			StateCodec.warmUp(this.mapper);
			StateCodec.warmUp(refusing);
			HandoffTemplate template = template();
			template.codec(this.mapper.constructType(new TypeReference<Map<String, Long>>() {
			})).warmUp();
			template.codec(this.mapper.constructType(Item.class)).warmUp();
			template.codec(refusing.constructType(new TypeReference<List<Long>>() {
			})).warmUp();
		});
	}

	@Test
	void preparingTheFirstHandoffObservesNothingThroughTheApplicationsRegistry() {
		List<String> observed = new CopyOnWriteArrayList<>();
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

			@Override
			public void onStart(Observation.Context context) {
				observed.add(context.getName());
			}

		});
		HandoffTemplate template = template();
		template.setObservationRegistry(registry);
		template.prepare(List.of(this.mapper.constructType(new TypeReference<Map<String, Long>>() {
		}), this.mapper.constructType(Item.class)));
		assertThat(observed).isEmpty();
		assertThat(template.getActivity().lastSent("handoff.warm-up")).isNull();
	}

	private HandoffTemplate template() {
		return new HandoffTemplate(
				new InMemoryHandoffStore(
						new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1))),
				this.mapper, "test");
	}

	private boolean keysAreData(TypeReference<?> type) {
		JavaType javaType = this.mapper.constructType(type);
		return StateCodec.keysAreData(javaType, this.mapper.getTypeFactory());
	}

	private static String written(StateCodec codec, Object state) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		codec.write(out, state);
		return out.toString(StandardCharsets.UTF_8);
	}

	private static byte[] bytes(String json) {
		return json.getBytes(StandardCharsets.UTF_8);
	}

	static SimpleModule moneyModule() {
		return new SimpleModule().addSerializer(Money.class, new ToStringSerializer(Money.class))
			.addDeserializer(Money.class, new FromStringDeserializer<>(Money.class) {

				@Override
				protected Money _deserialize(String value, DeserializationContext context) {
					return Money.parse(value);
				}

			});
	}

	enum Color {

		RED, GREEN

	}

	record Item(String id, int count) {
	}

	record Wrapper(String name, Map<String, Long> counts) {
	}

	record Outer(int version, Wrapper wrapper) {
	}

	record Box<T>(T value) {
	}

	record Node(String name, List<Node> children, Node parent) {
	}

	static class PlainBean {

		public String name;

		public Map<String, List<Long>> grants;

	}

	static class Base {

		private final String name;

		Base(String name) {
			this.name = name;
		}

		public String getName() {
			return this.name;
		}

	}

	static class Extended extends Base {

		private final String extra;

		Extended(String name, String extra) {
			super(name);
			this.extra = extra;
		}

		public String getExtra() {
			return this.extra;
		}

	}

	/**
	 * An amount written as one string, {@code "3.50 EUR"}, by the module of
	 * {@link #moneyModule()}.
	 *
	 * @param cents the amount in cents
	 * @param currency the currency
	 */
	record Money(long cents, String currency) {

		static Money parse(String text) {
			String[] parts = text.split(" ");
			return new Money(new BigDecimal(parts[0]).movePointRight(2).longValueExact(), parts[1]);
		}

		@Override
		public String toString() {
			return BigDecimal.valueOf(this.cents, 2).toPlainString() + " " + this.currency;
		}

	}

}
