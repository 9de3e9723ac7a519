package dev.handoff.demo;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the manifests in {@code k8s/}: that they parse, that the rollout surges before
 * it stops a pod, and that the grace period covers what the demo's
 * {@code application.yml} lets shutdown take.
 */
class KubernetesManifestsTests {

	/**
	 * Left for the lifecycle phases that have no timeout of their own and for the JVM's
	 * exit.
	 */
	private static final Duration MARGIN = Duration.ofSeconds(5);

	private final List<Map<String, Object>> documents = load(Path.of("k8s"));

	@Test
	void everyDocumentNamesItsKind() {
		assertThat(this.documents).hasSize(4).allSatisfy((document) -> {
			assertThat(document).containsKeys("apiVersion", "kind");
			assertThat(map(document, "metadata")).containsKey("name");
		});
	}

	@Test
	void rollingUpdateStartsANewPodBeforeItStopsAnOldOne() {
		Map<String, Object> strategy = map(find("Deployment", "handoff-demo"), "spec", "strategy");
		assertThat(strategy).containsEntry("type", "RollingUpdate");
		assertThat(map(strategy, "rollingUpdate")).containsEntry("maxSurge", 1).containsEntry("maxUnavailable", 0);
	}

	@Test
	void probesUseActuatorHealthGroups() {
		Map<String, Object> container = demoContainer();
		assertThat(map(container, "readinessProbe", "httpGet")).containsEntry("path", "/actuator/health/readiness");
		assertThat(map(container, "livenessProbe", "httpGet")).containsEntry("path", "/actuator/health/liveness");
		assertThat(properties().getProperty("management.endpoint.health.probes.enabled")).isEqualTo(true);
	}

	@Test
	void gracePeriodCoversPreStopRequestDrainAndHandoff() {
		PropertySource<?> properties = properties();
		assertThat(properties.getProperty("server.shutdown")).isEqualTo("graceful");
		Duration preStop = Duration.ofSeconds(number(map(demoContainer(), "lifecycle", "preStop", "sleep"), "seconds"));
		Duration drain = duration(properties, "spring.lifecycle.timeout-per-shutdown-phase");
		Duration handoff = duration(properties, "handoff.shutdown-timeout");
		Duration grace = Duration.ofSeconds(number(map(find("Deployment", "handoff-demo"), "spec", "template", "spec"),
				"terminationGracePeriodSeconds"));
		Duration budget = preStop.plus(drain).plus(handoff);
		assertThat(grace)
			.as("terminationGracePeriodSeconds (%ss) must cover preStop (%ss) + request drain (%ss) + handoff (%ss) "
					+ "+ margin (%ss)", grace.toSeconds(), preStop.toSeconds(), drain.toSeconds(), handoff.toSeconds(),
					MARGIN.toSeconds())
			.isGreaterThanOrEqualTo(budget.plus(MARGIN));
	}

	@Test
	void containerSettingsDoNotOverrideTheShutdownBudget() {
		List<Map<String, Object>> env = list(demoContainer(), "env");
		assertThat(env).extracting((variable) -> variable.get("name"))
			.doesNotContain("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", "HANDOFF_SHUTDOWN_TIMEOUT",
					"SERVER_SHUTDOWN");
	}

	@Test
	void servicesReachTheirPodsAndTheDemoReachesRedis() {
		for (String name : List.of("handoff-demo", "handoff-demo-redis")) {
			Map<String, Object> deployment = find("Deployment", name);
			Map<String, Object> service = find("Service", name);
			Map<String, Object> podLabels = map(deployment, "spec", "template", "metadata", "labels");
			assertThat(podLabels).containsAllEntriesOf(map(service, "spec", "selector"));
			assertThat(podLabels).containsAllEntriesOf(map(deployment, "spec", "selector", "matchLabels"));
			List<Object> portNames = list(map(deployment, "spec", "template", "spec"), "containers").stream()
				.flatMap((container) -> list(container, "ports").stream())
				.map((port) -> port.get("name"))
				.toList();
			assertThat(list(service, "spec", "ports")).allSatisfy(
					(port) -> assertThat(portNames).as("container ports of %s", name).contains(port.get("targetPort")));
		}
		Map<String, Object> redisPort = list(find("Service", "handoff-demo-redis"), "spec", "ports").get(0);
		assertThat(list(demoContainer(), "env")).contains(
				Map.of("name", "SPRING_DATA_REDIS_HOST", "value", "handoff-demo-redis"),
				Map.of("name", "SPRING_DATA_REDIS_PORT", "value", String.valueOf(redisPort.get("port"))));
	}

	private Map<String, Object> demoContainer() {
		return list(map(find("Deployment", "handoff-demo"), "spec", "template", "spec"), "containers").get(0);
	}

	private Map<String, Object> find(String kind, String name) {
		return this.documents.stream()
			.filter((document) -> kind.equals(document.get("kind"))
					&& name.equals(map(document, "metadata").get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + kind + " named " + name + " in k8s/"));
	}

	private static PropertySource<?> properties() {
		try {
			return new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml"))
				.get(0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Duration duration(PropertySource<?> properties, String name) {
		Object value = properties.getProperty(name);
		assertThat(value).as(name + " in application.yml").isNotNull();
		return DurationStyle.detectAndParse(value.toString());
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Map<String, Object> map, String... path) {
		Map<String, Object> current = map;
		for (String key : path) {
			assertThat(current).as("YAML path " + String.join(".", path)).containsKey(key);
			current = (Map<String, Object>) current.get(key);
		}
		return current;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> map, String... path) {
		Map<String, Object> parent = map(map, java.util.Arrays.copyOf(path, path.length - 1));
		String key = path[path.length - 1];
		assertThat(parent).containsKey(key);
		return (List<Map<String, Object>>) parent.get(key);
	}

	private static long number(Map<String, Object> map, String key) {
		assertThat(map.get(key)).as(key).isInstanceOf(Integer.class);
		return ((Integer) map.get(key)).longValue();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> load(Path directory) {
		List<Map<String, Object>> documents = new ArrayList<>();
		try (Stream<Path> files = Files.list(directory)) {
			for (Path file : files.filter((path) -> path.toString().endsWith(".yaml")).sorted().toList()) {
				try (Reader reader = Files.newBufferedReader(file)) {
					for (Object document : new Yaml().loadAll(reader)) {
						documents.add((Map<String, Object>) document);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return documents;
	}

}
