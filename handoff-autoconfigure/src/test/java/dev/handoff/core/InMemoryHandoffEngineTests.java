package dev.handoff.core;

import java.time.Duration;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.autoconfigure.HandoffAutoConfiguration;
import dev.handoff.memory.InMemoryHandoffStore;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The engine tests against the in-memory store, shared by the contexts of one test as a user-defined bean.
 */
class InMemoryHandoffEngineTests extends AbstractHandoffEngineTests {

	private InMemoryHandoffStore store;

	@BeforeEach
	void noStoreYet() {
		this.store = null;
	}

	@Override
	protected ApplicationContextRunner storeRunner(Settings settings) {
		if (this.store == null) {
			// A user-defined store is not configured by handoff.* properties: give it the same policy.
			this.store = new InMemoryHandoffStore(new HandoffStore.Policy(Duration.ofHours(1), settings.lease(),
					settings.maxDeliveries(), Duration.ofDays(1)));
		}
		InMemoryHandoffStore store = this.store;
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HandoffAutoConfiguration.class))
			.withBean(HandoffStore.class, () -> store)
			.withPropertyValues("handoff.namespace=" + this.namespace);
	}

	@Override
	protected Map<String, String> deadLetters(String label) {
		return (this.store != null) ? this.store.deadLetters(label) : Map.of();
	}

}
