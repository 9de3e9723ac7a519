package dev.handoff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.handoff.redis.RedisHandoffStore;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.core.ParameterizedTypeReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The setup a user writes to test an application that uses Handoff: Redis in a container,
 * connected to Spring Boot by {@link ServiceConnection}. Skipped where there is no
 * Docker.
 */
@SpringBootTest(classes = HandoffTestcontainersTests.Application.class,
		properties = "spring.application.name=handoff-testcontainers")
@Testcontainers(disabledWithoutDocker = true)
class HandoffTestcontainersTests {

	@Container
	@ServiceConnection
	static GenericContainer<?> redis = new GenericContainer<>("redis:7.4-alpine").withExposedPorts(6379);

	@Autowired
	private HandoffOperations handoff;

	@Autowired
	private HandoffStore store;

	@Test
	void stateHandedOffByOneCallIsReceivedByTheNext() {
		assertThat(this.store).isInstanceOf(RedisHandoffStore.class);
		Map<String, List<Long>> state = Map.of("alice", List.of(1L, 2L), "bob", List.of(Long.MAX_VALUE));
		HandoffRecord<Map<String, List<Long>>> sent = this.handoff.initiate("windows", 2, state);
		List<HandoffRecord<Map<String, List<Long>>>> received = new ArrayList<>();
		int count = this.handoff.complete("windows", 2, new ParameterizedTypeReference<Map<String, List<Long>>>() {
		}, received::addAll);
		assertThat(count).isOne();
		assertThat(received).singleElement().satisfies((record) -> {
			assertThat(record.id()).isEqualTo(sent.id());
			assertThat(record.data()).isEqualTo(state);
		});
		assertThat(this.handoff.complete("windows", 2, new ParameterizedTypeReference<Map<String, List<Long>>>() {
		}, received::addAll)).isZero();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
