package dev.handoff.redis;

import java.nio.charset.StandardCharsets;

/**
 * Every key and the channel of one label; see {@link RedisHandoffStore} for what each
 * holds. All of them start with {@code <namespace>:handoff:{<label>}:}, so they share one
 * hash tag and live in one slot of a Redis Cluster. The names are encoded once, when the
 * label's keys are first asked for, not per command.
 */
final class Keys {

	/** What follows the label in every key of it, up to the key's own name. */
	static final String LABEL_END = "}:";

	/** The name of the key whose presence {@link LabelScan} looks for. */
	static final String EXPIRY = "expiry";

	private final String label;

	private final String prefix;

	private final byte[] pending;

	private final byte[] claims;

	private final byte[] owner;

	private final byte[] expiry;

	private final byte[] attempts;

	private final byte[] acked;

	private final byte[] ackedBy;

	private final byte[] released;

	private final byte[] releasedVersions;

	private final byte[] dead;

	private final byte[] deadExpiry;

	private final byte[] deadReasons;

	private final byte[] channel;

	Keys(String namespace, String label) {
		this.label = label;
		this.prefix = labelsStart(namespace) + label + LABEL_END;
		this.pending = key("pending");
		this.claims = key("claims");
		this.owner = key("owner");
		this.expiry = key(EXPIRY);
		this.attempts = key("attempts");
		this.acked = key("acked");
		this.ackedBy = key("acked-by");
		this.released = key("released");
		this.releasedVersions = key("released-versions");
		this.dead = key("dead");
		this.deadExpiry = key("dead-expiry");
		this.deadReasons = key("dead-reasons");
		this.channel = key("notify");
	}

	/**
	 * What every key of every label of a namespace starts with:
	 * {@code <namespace>:handoff:} and the brace that opens the label.
	 */
	static String labelsStart(String namespace) {
		return namespace + ":handoff:{";
	}

	private byte[] key(String suffix) {
		return (this.prefix + suffix).getBytes(StandardCharsets.UTF_8);
	}

	String label() {
		return this.label;
	}

	/** The start of every key of the label: {@code <namespace>:handoff:{<label>}:}. */
	String prefix() {
		return this.prefix;
	}

	byte[] pending() {
		return this.pending;
	}

	byte[] claim(String claimId) {
		return key("claim:" + claimId);
	}

	byte[] chunks(String recordId) {
		return key("chunks:" + recordId);
	}

	byte[] report(String claimId) {
		return key("report:" + claimId);
	}

	byte[] claims() {
		return this.claims;
	}

	byte[] owner() {
		return this.owner;
	}

	byte[] expiry() {
		return this.expiry;
	}

	byte[] attempts() {
		return this.attempts;
	}

	byte[] acked() {
		return this.acked;
	}

	byte[] ackedBy() {
		return this.ackedBy;
	}

	byte[] released() {
		return this.released;
	}

	byte[] releasedVersions() {
		return this.releasedVersions;
	}

	byte[] deadExpiry() {
		return this.deadExpiry;
	}

	byte[] dead() {
		return this.dead;
	}

	byte[] deadReasons() {
		return this.deadReasons;
	}

	byte[] channel() {
		return this.channel;
	}

}
