package dev.handoff.redis;

import dev.handoff.HandoffException;

/**
 * Redis answered one of the store's commands with an error, such as {@code NOPERM ...}.
 * The message starts with Redis' own words.
 */
final class RedisRefusedException extends HandoffException {

	private static final long serialVersionUID = 1L;

	private final String reply;

	private final String operation;

	RedisRefusedException(String reply, String operation, String label) {
		super(reply + " (Redis' answer to the " + operation + " of label '" + label + "')");
		this.reply = reply;
		this.operation = operation;
	}

	String reply() {
		return this.reply;
	}

	String operation() {
		return this.operation;
	}

}
