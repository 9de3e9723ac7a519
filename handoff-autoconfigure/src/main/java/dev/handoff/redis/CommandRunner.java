package dev.handoff.redis;

import java.time.Duration;
import java.util.List;

/**
 * Sends the store's commands through one client library. Implementations are thread-safe
 * and hold no lock while they wait for Redis, so concurrent callers share the client's
 * connection (Lettuce) or its pool (Jedis).
 */
interface CommandRunner {

	/**
	 * Sends commands together, in order, and waits for their replies: one round trip per
	 * Redis node where the client can pipeline.
	 * @param commands the commands
	 * @param timeout how long to wait for all replies
	 * @return one reply per command, in order; never throws for a failure of Redis or of
	 * the connection
	 */
	List<Reply> run(List<? extends Command> commands, Duration timeout);

	/**
	 * Sends commands like {@link #run} without waiting for their replies, so that the
	 * caller works meanwhile: one chunk of a large record goes to Redis while the next is
	 * serialized, or is read while the last is parsed. A client that cannot send without
	 * waiting runs them at once.
	 * @param commands the commands
	 * @param timeout how long, from now, to wait for all replies
	 * @return the replies to wait for
	 */
	default Sent send(List<? extends Command> commands, Duration timeout) {
		List<Reply> replies = run(commands, timeout);
		return () -> replies;
	}

	/** Commands sent, whose replies are awaited later. */
	@FunctionalInterface
	interface Sent {

		/**
		 * Waits for the replies, at most until the send's timeout ends.
		 * @return one reply per command, in order; never throws for a failure of Redis or
		 * of the connection
		 */
		List<Reply> await();

	}

	/**
	 * Sends commands like {@link #run}, on a connection of their own that nobody else
	 * uses while they run, so that a {@code WAIT} after writes waits for exactly those
	 * writes and blocks no other caller.
	 * @param commands the commands
	 * @param timeout how long to wait for all replies
	 * @return one reply per command, in order; never throws for a failure of Redis or of
	 * the connection
	 */
	List<Reply> runDedicated(List<? extends Command> commands, Duration timeout);

	/**
	 * Describes the client and topology, for log lines, for example
	 * {@code "Lettuce, Redis Cluster"}.
	 * @return the description
	 */
	String describe();

	/**
	 * Releases what the runner holds.
	 */
	void close();

}
