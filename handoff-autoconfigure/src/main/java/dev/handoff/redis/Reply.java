package dev.handoff.redis;

import org.jspecify.annotations.Nullable;

/**
 * What became of one {@link Command}.
 */
sealed interface Reply {

	/**
	 * Redis answered.
	 *
	 * @param value the answer: a {@code Long}, a {@code byte[]}, a {@code List} of those,
	 * a {@code Map<byte[], byte[]>} (for {@code HGETALL}), or null
	 */
	record Value(@Nullable Object value) implements Reply {
	}

	/**
	 * Redis answered with an error, such as {@code NOPERM ...} or {@code NOSCRIPT ...}.
	 *
	 * @param message the error as Redis sent it
	 */
	record RedisError(String message) implements Reply {

		boolean isNoScript() {
			return this.message.startsWith("NOSCRIPT");
		}

		boolean isTryAgain() {
			return this.message.startsWith("TRYAGAIN");
		}

	}

	/**
	 * No answer came: the connection failed or the command timed out. The command may or
	 * may not have run.
	 *
	 * @param cause why
	 */
	record NoAnswer(RuntimeException cause) implements Reply {
	}

}
