package dev.handoff.security;

import dev.handoff.HandoffException;

/**
 * A received record that must not be delivered; see {@link RecordProtection#verify}.
 */
public final class RejectedRecordException extends HandoffException {

	private static final long serialVersionUID = 1L;

	private final Rejection rejection;

	RejectedRecordException(Rejection rejection, String message) {
		super(message);
		this.rejection = rejection;
	}

	public Rejection getRejection() {
		return this.rejection;
	}

}
