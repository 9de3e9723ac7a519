package dev.handoff.it.app;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A scheduled task that changes state until the scheduler stops, to show that such
 * changes are handed off too.
 */
@Component
@ConditionalOnBooleanProperty("test.tick")
class Ticker {

	private final Counters counters;

	private final AtomicLong accepted = new AtomicLong();

	Ticker(Counters counters) {
		this.counters = counters;
	}

	@Scheduled(fixedDelay = 2)
	void tick() {
		if (this.counters.increment("ticks")) {
			this.accepted.incrementAndGet();
		}
	}

	@PreDestroy
	void reportFinal() {
		TestApplication.report("FINAL ticks=" + this.accepted.get());
	}

}
