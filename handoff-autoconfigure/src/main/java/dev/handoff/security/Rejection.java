package dev.handoff.security;

import java.util.Locale;

/**
 * Why a received record was rejected; the metric tag {@code reason} is {@link #tag()}.
 */
public enum Rejection {

	/** Unsigned while {@code handoff.security.require-signed} is on. */
	UNSIGNED,

	/** Signed by a key that is not listed. */
	UNKNOWN_KEY,

	/** Its signature does not match: altered, forged, or signed by another secret. */
	BAD_SIGNATURE,

	/** Bound to another namespace. */
	WRONG_NAMESPACE,

	/** Bound to another label than the one it was claimed under. */
	WRONG_LABEL,

	/** Delivered again after it was acknowledged. */
	REPLAYED;

	/**
	 * Returns the reason as a metric tag and log word.
	 * @return for example {@code bad-signature}
	 */
	public String tag() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
