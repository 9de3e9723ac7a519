package dev.handoff.redis;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Finds what Redis itself said in the exceptions that clients and Spring Data Redis wrap
 * around it, so that a log line can put {@code NOPERM ...} first rather than three causes
 * deep.
 */
final class RedisErrors {

	/**
	 * An error reply starts with an upper-case code: ERR, NOPERM, NOSCRIPT, WRONGTYPE,
	 * OOM, MOVED, ...
	 */
	private static final Pattern ERROR_REPLY = Pattern.compile("^[A-Z][A-Z_]{1,20}( |$).*", Pattern.DOTALL);

	private static final String[] ERROR_REPLY_TYPES = { "io.lettuce.core.RedisCommandExecutionException",
			"redis.clients.jedis.exceptions.JedisDataException" };

	private RedisErrors() {
	}

	/**
	 * Returns the error reply that Redis sent, if an exception carries one.
	 * @param ex the exception
	 * @return the error reply, or null when the failure did not come from a Redis answer
	 * (a connection failure, a timeout)
	 */
	static @Nullable String errorReply(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (isErrorReplyType(cause.getClass()) && cause.getMessage() != null
					&& ERROR_REPLY.matcher(cause.getMessage()).matches()) {
				return cause.getMessage();
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

	private static boolean isErrorReplyType(Class<?> type) {
		for (Class<?> candidate = type; candidate != null; candidate = candidate.getSuperclass()) {
			for (String name : ERROR_REPLY_TYPES) {
				if (candidate.getName().equals(name)) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Returns the most telling message of an exception chain: the Redis error reply if
	 * there is one, otherwise the messages of the chain.
	 * @param ex the exception
	 * @return the message
	 */
	static String describe(Throwable ex) {
		String reply = errorReply(ex);
		if (reply != null) {
			return reply;
		}
		StringBuilder message = new StringBuilder();
		for (Throwable cause = ex; cause != null && message.length() < 500; cause = cause.getCause()) {
			String text = (cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName();
			if (message.indexOf(text) < 0) {
				message.append((message.length() > 0) ? ": " : "").append(text);
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return message.toString();
	}

	static RuntimeException unchecked(@Nullable Throwable ex) {
		if (ex instanceof RuntimeException runtime) {
			return runtime;
		}
		return new IllegalStateException((ex != null) ? ex.getMessage() : "unknown failure", ex);
	}

}
