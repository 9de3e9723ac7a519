package dev.handoff.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the {@code META-INF/spring-configuration-metadata.json} that the
 * configuration processor generates from {@link HandoffProperties}: IDEs show its
 * descriptions and defaults, so every key needs both.
 */
class HandoffConfigurationMetadataTests {

	private static Map<String, JsonNode> properties;

	@BeforeAll
	static void readMetadata() throws IOException {
		properties = new LinkedHashMap<>();
		JsonMapper mapper = JsonMapper.builder().build();
		for (URL url : Collections.list(
				HandoffProperties.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				for (JsonNode property : mapper.readTree(in).path("properties")) {
					String name = property.path("name").asString();
					if (name.startsWith("handoff.")) {
						properties.put(name, property);
					}
				}
			}
		}
	}

	@Test
	void everyPropertyOfHandoffPropertiesIsDescribed() {
		List<String> expected = new ArrayList<>();
		addProperties(expected, "handoff.", HandoffProperties.class);
		assertThat(expected).contains("handoff.security.keys", "handoff.security.active-key");
		assertThat(properties).containsOnlyKeys(expected);
		properties.forEach((name, property) -> {
			String description = property.path("description").asString();
			// The field's Javadoc, a sentence: capitalized and ended; a boolean says when
			// it is true.
			assertThat(description).as("description of %s", name).matches("(?s)\\p{Lu}.*\\.");
			if (property.path("type").asString().equals("java.lang.Boolean")) {
				assertThat(description).as("description of boolean %s", name).startsWith("Whether ");
			}
		});
	}

	@Test
	void issuedKeysAreAllPresent() {
		assertThat(properties).containsKeys("handoff.enabled", "handoff.namespace", "handoff.instance-id",
				"handoff.ttl", "handoff.lease", "handoff.max-deliveries", "handoff.dead-letter-ttl",
				"handoff.shutdown-timeout", "handoff.startup-timeout", "handoff.poll-interval");
	}

	@Test
	void defaultsAreDocumented() {
		assertThat(properties.get("handoff.enabled").path("defaultValue").asBoolean()).isTrue();
		assertThat(defaultOf("handoff.ttl")).isEqualTo("1h");
		assertThat(defaultOf("handoff.lease")).isEqualTo("30s");
		assertThat(properties.get("handoff.max-deliveries").path("defaultValue").asInt()).isEqualTo(5);
		assertThat(defaultOf("handoff.dead-letter-ttl")).isEqualTo("7d");
		assertThat(defaultOf("handoff.shutdown-timeout")).isEqualTo("10s");
		assertThat(defaultOf("handoff.startup-timeout")).isEqualTo("10s");
		assertThat(defaultOf("handoff.poll-interval")).isEqualTo("10s");
	}

	@Test
	void typesAreDurationsWhereTimeIsMeant() {
		for (String name : List.of("handoff.ttl", "handoff.lease", "handoff.dead-letter-ttl",
				"handoff.shutdown-timeout", "handoff.startup-timeout", "handoff.poll-interval")) {
			assertThat(properties.get(name).path("type").asString()).as("type of %s", name)
				.isEqualTo("java.time.Duration");
		}
	}

	/**
	 * Each writable property, and those of nested groups such as
	 * {@code handoff.security}.
	 */
	private static void addProperties(List<String> names, String prefix, Class<?> type) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getWriteMethod() != null) {
				names.add(prefix + kebab(descriptor.getName()));
			}
			else if (descriptor.getPropertyType() != null
					&& descriptor.getPropertyType().getEnclosingClass() == HandoffProperties.class) {
				addProperties(names, prefix + kebab(descriptor.getName()) + ".", descriptor.getPropertyType());
			}
		}
	}

	private static String defaultOf(String name) {
		return properties.get(name).path("defaultValue").asString();
	}

	private static String kebab(String camelCase) {
		return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

}
