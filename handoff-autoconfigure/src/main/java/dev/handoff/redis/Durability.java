package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * How durable a handoff must be before the store counts it as written: {@code WAIT} for
 * replicas, and {@code WAITAOF} for the append-only file to be fsynced (Redis 7.2 or
 * later).
 *
 * @param replicas how many replicas must have received each write
 * @param fsync whether each write must be fsynced to the primary's AOF (and to the
 * replicas', with replicas)
 * @param timeout the longest wait for it
 */
public record Durability(int replicas, boolean fsync, Duration timeout) {

	/** No wait: a write counts once the primary acknowledged it. */
	public static final Durability NONE = new Durability(0, false, Duration.ofSeconds(1));

	public Durability {
		Assert.isTrue(replicas >= 0, "'replicas' must not be negative");
		Assert.isTrue(timeout.toMillis() > 0, "'timeout' must be at least 1ms");
	}

	/**
	 * Whether writes wait for anything.
	 * @return whether they do
	 */
	public boolean isRequired() {
		return this.replicas > 0 || this.fsync;
	}

	/**
	 * How long the wait lasts when only the given time is left: the timeout, or less, and
	 * never 0, with which {@code WAIT} blocks for ever.
	 * @param within the time left for the write
	 * @return the wait
	 */
	Duration waitFor(Duration within) {
		return Duration.ofMillis(Math.max(1, Math.min(this.timeout.toMillis(), within.toMillis())));
	}

	/**
	 * The command that waits {@link #waitFor} the given time.
	 * @param within the time left for the write
	 * @return {@code WAIT} or {@code WAITAOF}
	 */
	Command.Wait command(Duration within) {
		long millis = waitFor(within).toMillis();
		if (this.fsync) {
			return new Command.Wait("WAITAOF", new byte[][] { bytes(1), bytes(this.replicas), bytes(millis) });
		}
		return new Command.Wait("WAIT", new byte[][] { bytes(this.replicas), bytes(millis) });
	}

	/**
	 * Says whether a write is as durable as asked, from the reply of {@link #command}.
	 * @param reply the reply
	 * @param waited how long the command was allowed to wait
	 * @return why it is not durable, or null when it is
	 */
	@Nullable String shortfall(Reply reply, Duration waited) {
		if (!(reply instanceof Reply.Value value) || value.value() == null) {
			return "Redis did not confirm its durability (" + ((reply instanceof Reply.RedisError error)
					? error.message()
					: (reply instanceof Reply.NoAnswer noAnswer) ? RedisErrors.describe(noAnswer.cause()) : "no reply")
					+ ")";
		}
		if (this.fsync) {
			List<?> counts = (List<?>) value.value();
			long local = number(counts.get(0));
			long replicas = number(counts.get(1));
			if (local < 1 || replicas < this.replicas) {
				return "within " + waited.toMillis() + " ms " + ((local < 1) ? "the primary's AOF was not fsynced"
						: "only " + replicas + " of " + this.replicas + " replica(s) fsynced it");
			}
			return null;
		}
		long replicas = number(value.value());
		return (replicas < this.replicas) ? "only " + replicas + " of " + this.replicas + " replica(s) acknowledged "
				+ "it within " + waited.toMillis() + " ms" : null;
	}

	/** A count as Lettuce ({@code Long}) or Jedis ({@code Long}, or bytes) gives it. */
	private static long number(@Nullable Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof byte[] bytes) {
			return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
		}
		throw new IllegalStateException("Unexpected reply to WAIT: " + value);
	}

	private static byte[] bytes(long value) {
		return Long.toString(value).getBytes(StandardCharsets.UTF_8);
	}

}
