package dev.handoff.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffRecord;
import dev.handoff.demo.RateLimiter.Grants;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RateLimiter}: its window, and merges that must count each grant once.
 */
class RateLimiterTests {

	private final MutableClock clock = new MutableClock();

	private final HandoffHistory history = new HandoffHistory(this.clock);

	@Test
	void refusesAClientWhoseWindowIsFullUntilItsOldestGrantLeaves() {
		RateLimiter limiter = limiter("a", 2);
		assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
		RateLimiter.Decision refused = limiter.tryAcquire("alice");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(50));
		assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
		this.clock.advance(Duration.ofSeconds(50));
		assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
	}

	@Test
	void handedOffGrantsKeepLimitingTheClient() {
		RateLimiter old = limiter("old", 2);
		old.tryAcquire("alice");
		old.tryAcquire("alice");
		RateLimiter next = limiter("next", 2);
		next.receiveHandoff(List.of(record("old", old.handoffState())));
		assertThat(next.tryAcquire("alice").allowed()).isFalse();
		assertThat(next.usage()).containsEntry("alice", Map.of("old", 2));
	}

	@Test
	void recordDeliveredTwiceCountsOnce() {
		RateLimiter old = limiter("old", 5);
		old.tryAcquire("alice");
		HandoffRecord<Grants> record = record("old", old.handoffState());
		RateLimiter next = limiter("next", 5);
		next.receiveHandoff(List.of(record));
		next.receiveHandoff(List.of(record));
		assertThat(next.usage()).containsEntry("alice", Map.of("old", 1));
	}

	@Test
	void stateThatPassedThroughAnotherStoppingInstanceCountsOnce() {
		RateLimiter first = limiter("first", 5);
		first.tryAcquire("alice");
		HandoffRecord<Grants> fromFirst = record("first", first.handoffState());
		RateLimiter second = limiter("second", 5);
		second.tryAcquire("alice");
		second.receiveHandoff(List.of(fromFirst));
		HandoffRecord<Grants> fromSecond = record("second", second.handoffState());
		RateLimiter next = limiter("next", 5);
		next.receiveHandoff(List.of(fromFirst, fromSecond));
		assertThat(next.usage()).containsEntry("alice", Map.of("first", 1, "second", 1));
	}

	@Test
	void expiredGrantsAreNotHandedOff() {
		RateLimiter limiter = limiter("a", 5);
		limiter.tryAcquire("alice");
		this.clock.advance(Duration.ofMinutes(2));
		assertThat(limiter.handoffState()).isNull();
	}

	private RateLimiter limiter(String instanceId, int limit) {
		return new RateLimiter(instanceId, limit, Duration.ofMinutes(1), this.history, this.clock);
	}

	private HandoffRecord<Grants> record(String origin, Grants grants) {
		return new HandoffRecord<>(UUID.randomUUID().toString(), "rate-limiter", 1, grants, origin,
				this.clock.instant());
	}

	static final class MutableClock extends Clock {

		private Instant now = Instant.parse("2026-01-01T00:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

}
