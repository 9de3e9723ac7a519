package dev.handoff.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.handoff.Handoff;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import dev.handoff.test.ClusterTopology;
import dev.handoff.test.RedisExtension;
import dev.handoff.test.RedisServerProcess;
import dev.handoff.test.RedisTopologies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handoff as a Redis user with exactly the permissions of the {@code ACL SETUSER} line in
 * README.md, read from the file so that the documented line is the tested one; and with
 * one permission less, which fails startup with Redis' own answer.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffLeastPrivilegeTests {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

	/** What README.md says Redis Cluster needs besides. */
	private static final String CLUSTER_COMMANDS = "+cluster|nodes";

	@Test
	void handoffStartsAndHandsOffAsAUserWithTheDocumentedPermissions() {
		String namespace = redis.namespace();
		createUser("handoff-" + namespace, aclLine(namespace));
		runner("handoff-" + namespace, namespace).run((context) -> {
			assertThat(context).hasNotFailed();
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			HandoffRecord<String> sent = operations.initiate("round-trip", 1, "state");
			List<String> received = new ArrayList<>();
			assertThat(operations.complete("round-trip", 1, String.class,
					(records) -> records.forEach((record) -> received.add(record.data()))))
				.isOne();
			assertThat(received).containsExactly(sent.data());
		});
	}

	@Test
	void handoffStartsOnRedisClusterAsAUserWithTheDocumentedPermissions() {
		String namespace = redis.namespace();
		String user = "cluster-" + namespace;
		ClusterTopology cluster = RedisTopologies.cluster();
		for (RedisServerProcess node : cluster.nodes()) {
			createUser(node, user, aclLine(namespace) + " " + CLUSTER_COMMANDS);
		}
		Map<String, String> properties = new LinkedHashMap<>(cluster.springProperties());
		properties.put("spring.data.redis.username", user);
		properties.put("spring.data.redis.password", PASSWORD);
		properties.put("handoff.namespace", namespace);
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues(properties.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.toArray(String[]::new))
			.withBean(PageViews.class, PageViews::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				HandoffOperations operations = context.getBean(HandoffOperations.class);
				operations.initiate("round-trip", 1, "state");
				assertThat(operations.complete("round-trip", 1, String.class, (records) -> {
				})).isOne();
			});
	}

	/**
	 * What README.md says signed, encrypted and durable handoffs need besides (WAITAOF
	 * only from Redis 7.2).
	 */
	private static final String DURABILITY_COMMANDS = "+wait";

	@Test
	void signedEncryptedAndDurableHandoffsWorkAsAUserWithTheDocumentedPermissions() {
		String namespace = redis.namespace();
		createUser("durable-" + namespace, aclLine(namespace) + " " + DURABILITY_COMMANDS);
		String[] settings = { "handoff.durability.replicas=1", "handoff.durability.timeout=100ms",
				"handoff.security.keys.k1=MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=",
				"handoff.security.active-key=k1", "handoff.security.encrypt=true" };
		runner("durable-" + namespace, namespace).withPropertyValues(settings).run((context) -> {
			assertThat(context).hasNotFailed();
			HandoffOperations operations = context.getBean(HandoffOperations.class);
			// No replica here: stored, not durable.
			operations.initiate("round-trip", 1, "state");
			List<String> received = new ArrayList<>();
			assertThat(operations.complete("round-trip", 1, String.class,
					(records) -> records.forEach((record) -> received.add(record.data()))))
				.isOne();
			assertThat(received).containsExactly("state");
		});
		createUser("no-wait-" + namespace, aclLine(namespace));
		runner("no-wait-" + namespace, namespace).withPropertyValues(settings).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(HandoffConfigurationException.class)
				.hasMessageContaining("NOPERM")
				.hasMessageContaining("wait");
		});
	}

	@Test
	void startupFailsWithRedisAnswerWhenACommandIsMissing() {
		String namespace = redis.namespace();
		createUser("no-hgetall-" + namespace, aclLine(namespace).replace(" +hgetall", ""));
		runner("no-hgetall-" + namespace, namespace).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(HandoffConfigurationException.class)
				.hasMessageContaining("NOPERM")
				.hasMessageContaining("hgetall")
				.hasMessageContaining("handoff.store-check");
		});
	}

	@Test
	void startupFailsWhenAScriptCallsACommandTheUserMayNotRun() {
		String namespace = redis.namespace();
		createUser("no-zadd-" + namespace, aclLine(namespace).replace(" +zadd", ""));
		runner("no-zadd-" + namespace, namespace).run((context) -> {
			assertThat(context).hasFailed();
			// Redis does not name the command a script was refused.
			assertThat(context.getStartupFailure()).isInstanceOf(HandoffConfigurationException.class)
				.hasMessageContaining("initiate")
				.hasMessageContaining("can't run this command")
				.hasMessageContaining("ACL SETUSER");
		});
	}

	@Test
	void startupGoesOnWithAnErrorWhenTheCheckOnlyLogs(CapturedOutput output) {
		String namespace = redis.namespace();
		createUser("log-" + namespace, aclLine(namespace).replace(" +hgetall", ""));
		runner("log-" + namespace, namespace).withPropertyValues("handoff.store-check=log")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).containsPattern("ERROR .*Handoff's check of its Redis store .*NOPERM");
	}

	private ApplicationContextRunner runner(String user, String namespace) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, HandoffAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.server().port(),
					"spring.data.redis.username=" + user, "spring.data.redis.password=" + PASSWORD,
					"handoff.namespace=" + namespace)
			.withBean(PageViews.class, PageViews::new);
	}

	private static void createUser(String user, String line) {
		createUser(redis.server(), user, line);
	}

	private static void createUser(RedisServerProcess server, String user, String line) {
		List<String> arguments = new ArrayList<>(Arrays.asList(line.split(" ")));
		assertThat(arguments.subList(0, 3)).containsExactly("ACL", "SETUSER", "handoff");
		arguments.set(2, user);
		assertThat(server.command(arguments.toArray(String[]::new))).isEqualTo("OK");
	}

	/** The line from README.md, with the namespace and password filled in. */
	private static String aclLine(String namespace) {
		try {
			String line = Files.readAllLines(Path.of("..", "README.md"))
				.stream()
				.filter((candidate) -> candidate.startsWith("ACL SETUSER "))
				.reduce((first, second) -> {
					throw new IllegalStateException("README.md has more than one ACL SETUSER line");
				})
				.orElseThrow(() -> new IllegalStateException("README.md has no ACL SETUSER line"));
			return line.replace("<namespace>", namespace).replace("<password>", PASSWORD);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Handoff("page-views")
	static class PageViews implements HandoffParticipant<Map<String, Long>> {

		private final Map<String, Long> views = new ConcurrentHashMap<>();

		@Override
		public Map<String, Long> handoffState() {
			return this.views.isEmpty() ? null : Map.copyOf(this.views);
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Long>>> handoffs) {
			handoffs.forEach(
					(handoff) -> handoff.data().forEach((page, count) -> this.views.merge(page, count, Long::sum)));
		}

	}

}
