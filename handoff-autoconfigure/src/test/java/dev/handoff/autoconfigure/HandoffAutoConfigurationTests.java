package dev.handoff.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.handoff.Handoff;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffLifecycle;
import dev.handoff.core.HandoffTemplate;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.redis.HandoffRedisConnectionFactory;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.test.ConditionReport;
import dev.handoff.test.RedisExtension;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HandoffAutoConfiguration}: every condition and property, and the
 * startup failures that say what to change.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffAutoConfigurationTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private final ApplicationContextRunner redisRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port());

	/** Without Redis: the in-memory store, which needs no server. */
	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class));

	@Test
	void redisStoreTemplateAndLifecycleAreConfiguredWhenThereIsOneRedisConnectionFactory() {
		this.redisRunner.run((context) -> {
			assertThat(context).hasSingleBean(RedisHandoffStore.class)
				.hasSingleBean(HandoffStore.class)
				.hasSingleBean(HandoffTemplate.class)
				.hasSingleBean(HandoffOperations.class)
				.hasSingleBean(HandoffLifecycle.class)
				.doesNotHaveBean(InMemoryHandoffStore.class);
			assertThat(context.getBean(HandoffLifecycle.class).isRunning()).isTrue();
		});
	}

	@Test
	void autoConfigurationIsRegistered() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
			.contains(HandoffAutoConfiguration.class.getName());
	}

	@Test
	void redisStoreIsConfiguredWhateverTheOrderTheAutoConfigurationsAreListedIn() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class, DataRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port())
			.run((context) -> assertThat(context).hasSingleBean(RedisHandoffStore.class));
	}

	@Test
	void redisStoreWorksAgainstTheConfiguredServer() {
		this.redisRunner.withPropertyValues("handoff.namespace=autoconfig-roundtrip").run((context) -> {
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			operations.initiate("roundtrip", 1, Map.of("count", 42L));
			List<Map<String, Long>> received = new ArrayList<>();
			int count = operations.complete("roundtrip", 1, new ParameterizedTypeReference<Map<String, Long>>() {
			}, (records) -> records.forEach((record) -> received.add(record.data())));
			assertThat(count).isOne();
			assertThat(received).containsExactly(Map.of("count", 42L));
		});
	}

	@Test
	void propertiesHaveDocumentedDefaults() {
		this.redisRunner.run((context) -> {
			HandoffProperties properties = context.getBean(HandoffProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getNamespace()).isNull();
			assertThat(properties.getInstanceId()).isNull();
			assertThat(properties.getTtl()).isEqualTo(Duration.ofHours(1));
			assertThat(properties.getLease()).isEqualTo(Duration.ofSeconds(30));
			assertThat(properties.getMaxDeliveries()).isEqualTo(5);
			assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.getStartupTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.getPollInterval()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.getDeadLetterTtl()).isEqualTo(Duration.ofDays(7));
			HandoffSettings settings = context.getBean(HandoffSettings.class);
			assertThat(settings.policy())
				.isEqualTo(new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(7)));
			assertThat(settings.instanceId()).isEqualTo(HandoffTemplate.defaultInstanceId());
			assertThat(context.getBean(HandoffTemplate.class).getInstanceId()).isEqualTo(settings.instanceId());
		});
	}

	@Test
	void propertiesAreBound() {
		this.redisRunner
			.withPropertyValues("handoff.namespace=orders", "handoff.instance-id=pod-7", "handoff.ttl=2h",
					"handoff.lease=45s", "handoff.max-deliveries=3", "handoff.dead-letter-ttl=1d",
					"handoff.shutdown-timeout=5s", "handoff.startup-timeout=20s", "handoff.poll-interval=1m")
			.run((context) -> {
				HandoffSettings settings = context.getBean(HandoffSettings.class);
				assertThat(settings.namespace()).isEqualTo("orders");
				assertThat(settings.instanceId()).isEqualTo("pod-7");
				assertThat(settings.policy()).isEqualTo(
						new HandoffStore.Policy(Duration.ofHours(2), Duration.ofSeconds(45), 3, Duration.ofDays(1)));
				HandoffProperties properties = settings.properties();
				assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
				assertThat(properties.getStartupTimeout()).isEqualTo(Duration.ofSeconds(20));
				assertThat(properties.getPollInterval()).isEqualTo(Duration.ofMinutes(1));
				assertThat(context.getBean(HandoffTemplate.class).getInstanceId()).isEqualTo("pod-7");
			});
	}

	@Test
	void namespaceDefaultsToTheApplicationName(CapturedOutput output) {
		this.redisRunner.withPropertyValues("spring.application.name=billing").run((context) -> {
			assertThat(context.getBean(HandoffSettings.class).namespace()).isEqualTo("billing");
			assertThat(output).doesNotContain("Neither handoff.namespace nor spring.application.name is set");
		});
	}

	@Test
	void namespacePropertyWinsOverTheApplicationName() {
		this.redisRunner.withPropertyValues("spring.application.name=billing", "handoff.namespace=billing-v2")
			.run((context) -> assertThat(context.getBean(HandoffSettings.class).namespace()).isEqualTo("billing-v2"));
	}

	@Test
	void namespaceIsApplicationWithAWarningWhenNeitherNamespaceNorApplicationNameIsSet(CapturedOutput output) {
		this.redisRunner.run((context) -> {
			assertThat(context.getBean(HandoffSettings.class).namespace()).isEqualTo("application");
			assertThat(output).contains("WARN")
				.contains("Neither handoff.namespace nor spring.application.name is set")
				.contains("Set spring.application.name");
		});
	}

	@Test
	void userDefinedStoreWins() {
		InMemoryHandoffStore store = new InMemoryHandoffStore(policy());
		this.redisRunner.withBean("myStore", HandoffStore.class, () -> store).run((context) -> {
			assertThat(context).hasSingleBean(HandoffStore.class).doesNotHaveBean(RedisHandoffStore.class);
			assertThat(context.getBean(HandoffStore.class)).isSameAs(store);
			// The template built by the auto-configuration uses the user's store.
			context.getBean(HandoffOperations.class).initiate("custom", 1, "state");
			assertThat(store.claim("custom", "test").deliveries()).hasSize(1);
		});
	}

	@Test
	void userDefinedStoreWinsWithoutRedis(CapturedOutput output) {
		InMemoryHandoffStore store = new InMemoryHandoffStore(policy());
		this.runner.withBean("myStore", HandoffStore.class, () -> store).run((context) -> {
			assertThat(context).hasSingleBean(HandoffStore.class);
			assertThat(context.getBean(HandoffStore.class)).isSameAs(store);
			// The user chose the store; the warning about the fallback would be wrong.
			assertThat(output).doesNotContain("Handoff uses an in-memory store");
		});
	}

	@Test
	void userDefinedTemplateWinsAndIsUsedByTheLifecycle() {
		InMemoryHandoffStore store = new InMemoryHandoffStore(policy());
		HandoffTemplate template = new HandoffTemplate(store, JsonMapper.builder().build(), "custom-instance");
		this.runner.withBean(HandoffStore.class, () -> store)
			.withBean("myTemplate", HandoffTemplate.class, () -> template)
			.withBean(CountersParticipant.class, CountersParticipant::new)
			.run((context) -> {
				assertThat(context).hasSingleBean(HandoffTemplate.class);
				assertThat(context.getBean(HandoffTemplate.class)).isSameAs(template);
				context.getBean(CountersParticipant.class).state = Map.of("a", 1L);
				context.close();
				// The lifecycle handed off through the user's template, so its instance
				// id is the origin.
				assertThat(store.claim("counters", "test").deliveries()).singleElement()
					.satisfies((delivery) -> assertThat(delivery.record().origin()).isEqualTo("custom-instance"));
			});
	}

	@Test
	void userDefinedLifecycleWins() {
		this.runner.withUserConfiguration(CustomLifecycleConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(HandoffLifecycle.class);
			assertThat(context.getBean(HandoffLifecycle.class))
				.isSameAs(context.getBean("myLifecycle", HandoffLifecycle.class));
		});
	}

	@Test
	void inMemoryStoreWithAWarningWhenRedisIsNotOnTheClasspath(CapturedOutput output) {
		// Jedis too: with RedisConnectionFactory hidden, Boot's own
		// @ConditionalOnMissingBean does not see Lettuce's
		// factory and would define Jedis' beside it.
		FilteredClassLoader withoutRedis = new FilteredClassLoader(RedisConnectionFactory.class, Jedis.class);
		this.redisRunner.withClassLoader(withoutRedis).run((context) -> {
			assertThat(context).hasSingleBean(InMemoryHandoffStore.class)
				.doesNotHaveBean(RedisHandoffStore.class)
				.hasSingleBean(HandoffTemplate.class)
				.hasSingleBean(HandoffLifecycle.class);
			// The bean conditions on RedisConnectionFactory cannot see the class either:
			// only the report tells that
			// the class condition is what turned the Redis store off.
			assertThat(ConditionReport.of(context, RedisHandoffStoreConfiguration.class)).contains(
					"@ConditionalOnClass did not find required class '" + RedisConnectionFactory.class.getName() + "'");
			assertThat(output).contains("WARN")
				.contains("Handoff uses an in-memory store: state handed off stays inside this JVM");
		});
	}

	@Test
	void redisStoreWithAConnectionFactoryOfTheUsersOwnWithoutBootsRedisAutoConfiguration(CapturedOutput output) {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.data.redis"))
			.withBean(LettuceConnectionFactory.class,
					() -> new LettuceConnectionFactory(
							new RedisStandaloneConfiguration("127.0.0.1", redis.server().port())))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(RedisHandoffStore.class)
				.doesNotHaveBean(InMemoryHandoffStore.class));
		// Ordered after Boot's Redis auto-configuration by name, so its absence is no
		// TypeNotPresentException.
		assertThat(output).doesNotContain("TypeNotPresentException").doesNotContain("Failed to introspect");
	}

	@Test
	void redisStoreDoesNotCreateOtherBeansEarly() {
		// Looking up Boot's connection details must not instantiate every bean, which
		// made a controller that
		// depends on HandoffOperations a circular reference.
		this.redisRunner.withBean(NeedsOperations.class)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedisHandoffStore.class));
	}

	@Test
	void inMemoryStoreWhenSpringDataRedisPackageIsFilteredOut() {
		this.redisRunner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasSingleBean(InMemoryHandoffStore.class)
				.doesNotHaveBean(RedisHandoffStore.class));
	}

	@Test
	void inMemoryStoreWithAWarningWhenNoRedisConnectionFactoryIsDefined(CapturedOutput output) {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(InMemoryHandoffStore.class).doesNotHaveBean(RedisHandoffStore.class);
			assertThat(output).contains("No RedisConnectionFactory is available")
				.contains("Add spring-boot-starter-data-redis");
		});
	}

	@Test
	void inMemoryStoreWhenTwoRedisConnectionFactoriesHaveNoPrimary(CapturedOutput output) {
		this.redisRunner.withUserConfiguration(TwoConnectionFactoriesConfiguration.class).run((context) -> {
			assertThat(context).getBeans(RedisConnectionFactory.class).hasSize(2);
			assertThat(context).hasSingleBean(InMemoryHandoffStore.class).doesNotHaveBean(RedisHandoffStore.class);
			assertThat(output).contains("There are 2 RedisConnectionFactory beans and none is primary or marked")
				.contains("@HandoffRedisConnectionFactory")
				.doesNotContain("Add spring-boot-starter-data-redis");
		});
	}

	@Test
	void redisStoreUsesTheConnectionFactoryMarkedForHandoff() {
		// The unmarked one points at a port where nothing listens: the startup check
		// would fail on it.
		this.redisRunner.withUserConfiguration(MarkedConnectionFactoryConfiguration.class)
			.withPropertyValues("handoff.startup-timeout=5s")
			.withBean(CountersParticipant.class, CountersParticipant::new)
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RedisHandoffStore.class);
				assertThat(context.getBean(RedisHandoffStore.class).inspect(List.of("counters")))
					.containsKey("counters");
			});
	}

	@Test
	void redisStoreWhenOneOfTwoRedisConnectionFactoriesIsPrimary() {
		this.redisRunner.withUserConfiguration(TwoConnectionFactoriesConfiguration.class)
			.withBean("primaryConnectionFactory", RedisConnectionFactory.class,
					() -> new LettuceConnectionFactory(
							new RedisStandaloneConfiguration("127.0.0.1", redis.server().port())),
					(definition) -> definition.setPrimary(true))
			.run((context) -> assertThat(context).hasSingleBean(RedisHandoffStore.class));
	}

	@Test
	void disabledTurnsEverythingOff() {
		this.redisRunner.withPropertyValues("handoff.enabled=false")
			.withBean(CountersParticipant.class, CountersParticipant::new)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(HandoffStore.class)
				.doesNotHaveBean(HandoffOperations.class)
				.doesNotHaveBean(HandoffLifecycle.class)
				.doesNotHaveBean(HandoffSettings.class)
				.doesNotHaveBean(HandoffProperties.class));
	}

	@Test
	void disabledIgnoresInvalidSettings() {
		this.runner.withPropertyValues("handoff.enabled=false", "handoff.max-deliveries=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			ttl              | 0s    | handoff.ttl is PT0S.
			ttl              | -1s   | handoff.ttl is PT-1S.
			lease            | 0ms   | handoff.lease is PT0S.
			dead-letter-ttl  | 0s    | handoff.dead-letter-ttl is PT0S.
			shutdown-timeout | 0s    | handoff.shutdown-timeout is PT0S.
			startup-timeout  | -5s   | handoff.startup-timeout is PT-5S.
			poll-interval    | 0s    | handoff.poll-interval is PT0S.
			poll-interval    | 500us | handoff.poll-interval is PT0.0005S.
			""")
	void nonPositiveDurationsFailStartup(String property, String value, String problem) {
		this.runner.withPropertyValues("handoff." + property + "=" + value)
			.run((context) -> assertConfigurationFailure(context, problem, "Set it to at least 1ms"));
	}

	@Test
	void zeroMaxDeliveriesFailsStartup() {
		this.runner.withPropertyValues("handoff.max-deliveries=0")
			.run((context) -> assertConfigurationFailure(context, "handoff.max-deliveries is 0.",
					"Set it to at least 1"));
	}

	@Test
	void zeroCheckpointIntervalFailsStartup() {
		this.runner.withPropertyValues("handoff.checkpoint.interval=0s")
			.run((context) -> assertConfigurationFailure(context, "handoff.checkpoint.interval is PT0S.",
					"or remove it to turn checkpoints off"));
	}

	@Test
	void checkpointLeaseUnder3MillisecondsFailsStartup() {
		this.runner.withPropertyValues("handoff.checkpoint.lease=2ms")
			.run((context) -> assertConfigurationFailure(context, "handoff.checkpoint.lease is PT0.002S.",
					"Set it to at least 3ms"));
	}

	@ParameterizedTest(name = "{0}=0")
	@ValueSource(strings = { "max-record-size", "max-claim-size" })
	void zeroSizesFailStartup(String property) {
		this.runner.withPropertyValues("handoff." + property + "=0")
			.run((context) -> assertConfigurationFailure(context, "handoff." + property + " is 0B.",
					"Set it to at least 1KB"));
	}

	@Test
	void sizeLimitsReachThePolicy() {
		this.runner.withPropertyValues("handoff.max-record-size=2MB", "handoff.max-claim-size=8MB")
			.run((context) -> assertThat(context.getBean(HandoffSettings.class).policy()).satisfies((policy) -> {
				assertThat(policy.maxRecordSize()).isEqualTo(2L * 1024 * 1024);
				assertThat(policy.maxClaimSize()).isEqualTo(8L * 1024 * 1024);
			}));
	}

	@Test
	void customizersShapeHandoffsOwnJsonMapper() {
		InMemoryHandoffStore store = new InMemoryHandoffStore(
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));
		this.runner.withBean(HandoffStore.class, () -> store)
			.withBean(HandoffJsonMapperBuilderCustomizer.class,
					() -> (builder) -> builder.enable(SerializationFeature.INDENT_OUTPUT))
			.run((context) -> {
				context.getBean(HandoffOperations.class).initiate("jobs", 1, Map.of("a", 1L));
				byte[] data = store.claim("jobs", "test").deliveries().get(0).record().data();
				assertThat(new String(data, StandardCharsets.UTF_8)).contains("\n");
			});
	}

	@Test
	void customizerThatTurnsOnDefaultTypingFailsStartup() {
		this.runner
			.withBean(HandoffJsonMapperBuilderCustomizer.class,
					() -> (builder) -> builder.activateDefaultTyping(
							BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
							DefaultTyping.NON_FINAL))
			.run((context) -> assertConfigurationFailure(context, "turned on default typing",
					"Remove activateDefaultTyping"));
	}

	@Test
	void shutdownTimeoutLongerThanThePhaseTimeoutFailsStartup() {
		this.runner
			.withPropertyValues("handoff.shutdown-timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=15s")
			.run((context) -> assertConfigurationFailure(context,
					"handoff.shutdown-timeout (PT20S) does not fit inside "
							+ "spring.lifecycle.timeout-per-shutdown-phase (PT15S).",
					"Lower handoff.shutdown-timeout, or raise spring.lifecycle.timeout-per-shutdown-phase"));
	}

	@Test
	void shutdownTimeoutLongerThanTheDefaultPhaseTimeoutFailsStartup() {
		this.runner.withPropertyValues("handoff.shutdown-timeout=31s")
			.run((context) -> assertConfigurationFailure(context,
					"handoff.shutdown-timeout (PT31S) does not fit inside "
							+ "spring.lifecycle.timeout-per-shutdown-phase (PT30S).",
					"Lower handoff.shutdown-timeout"));
	}

	@Test
	void shutdownTimeoutMayUseARaisedPhaseTimeout() {
		this.runner.withPropertyValues("handoff.shutdown-timeout=45s", "spring.lifecycle.timeout-per-shutdown-phase=1m")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void leaseLongerThanTtlFailsStartup() {
		this.runner.withPropertyValues("handoff.lease=2h", "handoff.ttl=1h")
			.run((context) -> assertConfigurationFailure(context,
					"handoff.lease (PT2H) is longer than handoff.ttl (PT1H)",
					"Set handoff.lease to the longest a merge may take, below handoff.ttl"));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			handoff.namespace=my{app}
			handoff.namespace=my}app
			handoff.namespace=my app
			handoff.namespace=my\tapp
			spring.application.name=my app
			""")
	void namespaceWithBracesOrWhitespaceFailsStartup(String property) {
		this.runner.withPropertyValues(property.replace("\\t", "\t"))
			.run((context) -> assertConfigurationFailure(context, "contains '{', '}' or whitespace",
					"Set handoff.namespace (or spring.application.name) to a name without them."));
	}

	@Test
	void handoffBeanThatIsNotAParticipantFailsStartup() {
		this.runner.withBean("notAParticipant", NotAParticipant.class, NotAParticipant::new)
			.run((context) -> assertConfigurationFailure(context,
					"Bean 'notAParticipant' of type " + NotAParticipant.class.getName()
							+ " is annotated with @Handoff but does not implement HandoffParticipant.",
					"Implement HandoffParticipant<S>"));
	}

	@Test
	void twoParticipantsWithOneLabelFailStartup() {
		this.runner.withBean("first", CountersParticipant.class, CountersParticipant::new)
			.withBean("second", CountersParticipant.class, CountersParticipant::new)
			.run((context) -> assertConfigurationFailure(context,
					"Beans 'first' and 'second' both hand off under label 'counters'.",
					"Give each participant a label of its own"));
	}

	@Test
	void invalidLabelFailsStartup() {
		this.runner.withBean("spaces", InvalidLabelParticipant.class, InvalidLabelParticipant::new)
			.run((context) -> assertConfigurationFailure(context, "Handoff label 'not a label' is not valid",
					"Set a valid label with @Handoff(\"...\") on bean 'spaces'."));
	}

	@Test
	void beanNameThatIsNotAValidLabelFailsStartup() {
		this.runner.withBean("my participant", DefaultLabelParticipant.class, DefaultLabelParticipant::new)
			.run((context) -> assertConfigurationFailure(context, "Handoff label 'my participant' is not valid",
					"on bean 'my participant'"));
	}

	@Test
	void labelDefaultsToTheBeanName() {
		InMemoryHandoffStore store = new InMemoryHandoffStore(policy());
		this.runner.withBean(HandoffStore.class, () -> store)
			.withBean("sessions", DefaultLabelParticipant.class, DefaultLabelParticipant::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				context.close();
				assertThat(store.claim("sessions", "test").deliveries()).hasSize(1);
			});
	}

	@Test
	void rawParticipantFailsStartup() {
		this.runner.withBean("raw", RawParticipant.class, RawParticipant::new)
			.run((context) -> assertConfigurationFailure(context, "Cannot tell the state type of @Handoff bean 'raw'",
					"Declare its class with a concrete state type"));
	}

	@Test
	void participantWithUnresolvableStateTypeFailsStartup() {
		this.runner.withUserConfiguration(GenericParticipantConfiguration.class)
			.run((context) -> assertConfigurationFailure(context,
					"Cannot tell the state type of @Handoff bean 'generic'",
					"Declare its class with a concrete state type"));
	}

	@Test
	void participantWithPartlyUnresolvableStateTypeFailsStartup() {
		this.runner.withUserConfiguration(NestedGenericParticipantConfiguration.class)
			.run((context) -> assertConfigurationFailure(context,
					"Cannot tell the state type of @Handoff bean 'nestedGeneric'",
					"Declare its class with a concrete state type"));
	}

	private static void assertConfigurationFailure(AssertableApplicationContext context, String problem,
			String action) {
		assertThat(context).hasFailed();
		HandoffConfigurationException failure = configurationFailure(context.getStartupFailure());
		assertThat(failure).as("HandoffConfigurationException in the causes of %s", context.getStartupFailure())
			.isNotNull();
		assertThat(failure.getProblem()).contains(problem);
		assertThat(failure.getAction()).contains(action);
	}

	private static @Nullable HandoffConfigurationException configurationFailure(@Nullable Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof HandoffConfigurationException configurationException) {
				return configurationException;
			}
		}
		return null;
	}

	private static HandoffStore.Policy policy() {
		return new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1));
	}

	@Handoff("counters")
	static class CountersParticipant implements HandoffParticipant<Map<String, Long>> {

		volatile Map<String, Long> state;

		@Override
		public Map<String, Long> handoffState() {
			return this.state;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
		}

	}

	@Handoff("not-a-participant")
	static class NotAParticipant {

	}

	@Handoff("not a label")
	static class InvalidLabelParticipant extends CountersParticipant {

	}

	@Handoff
	static class DefaultLabelParticipant implements HandoffParticipant<String> {

		@Override
		public String handoffState() {
			return "state";
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<String>> handoffs) {
		}

	}

	@Handoff("raw")
	@SuppressWarnings("rawtypes")
	static class RawParticipant implements HandoffParticipant {

		@Override
		public Object handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List handoffs) {
		}

	}

	@Handoff("generic")
	static class GenericParticipant<T> implements HandoffParticipant<T> {

		@Override
		public T handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<T>> handoffs) {
		}

	}

	@Handoff("nested-generic")
	static class NestedGenericParticipant<T> implements HandoffParticipant<Map<String, List<T>>> {

		@Override
		public Map<String, List<T>> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, List<T>>>> handoffs) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GenericParticipantConfiguration {

		@Bean
		GenericParticipant<Map<String, Long>> generic() {
			return new GenericParticipant<>();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NestedGenericParticipantConfiguration {

		@Bean
		NestedGenericParticipant<Long> nestedGeneric() {
			return new NestedGenericParticipant<>();
		}

	}

	static class NeedsOperations {

		NeedsOperations(HandoffOperations operations) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomLifecycleConfiguration {

		@Bean
		HandoffLifecycle myLifecycle(ListableBeanFactory beanFactory, HandoffTemplate template, HandoffStore store) {
			return new HandoffLifecycle(beanFactory, template, store,
					new HandoffLifecycle.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
							HandoffLifecycle.StoreCheck.FAIL));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MarkedConnectionFactoryConfiguration {

		@Bean
		LettuceConnectionFactory unusedConnectionFactory() {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 1));
		}

		@Bean
		@HandoffRedisConnectionFactory
		LettuceConnectionFactory handoffConnectionFactory() {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.server().port()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoConnectionFactoriesConfiguration {

		@Bean
		LettuceConnectionFactory firstConnectionFactory() {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.server().port()));
		}

		@Bean
		LettuceConnectionFactory secondConnectionFactory() {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.server().port()));
		}

	}

}
