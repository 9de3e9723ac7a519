package dev.handoff;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when state cannot be handed off or received, or when Handoff is configured in a
 * way that cannot work. The message says what to change.
 */
public class HandoffException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public HandoffException(String message) {
		super(message);
	}

	public HandoffException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
