package dev.handoff.redis;

import java.nio.charset.StandardCharsets;

/**
 * The names of a label's keys as the store's own {@link Keys} makes them, for the tests
 * outside this package that read or write Redis directly. The format is written in
 * {@code Keys} alone and pinned in {@code KeysTests}.
 */
public final class LabelKeys {

	private final Keys keys;

	private LabelKeys(Keys keys) {
		this.keys = keys;
	}

	/**
	 * Returns the keys of a label.
	 * @param namespace the store's namespace
	 * @param label the label
	 * @return its keys
	 */
	public static LabelKeys of(String namespace, String label) {
		return new LabelKeys(new Keys(namespace, label));
	}

	/**
	 * Returns the hash of the records that wait for a claim.
	 * @return its name
	 */
	public String pending() {
		return string(this.keys.pending());
	}

	/**
	 * Returns the hash of the dead letters.
	 * @return its name
	 */
	public String dead() {
		return string(this.keys.dead());
	}

	/**
	 * Returns the hash of the reason each dead letter was moved for.
	 * @return its name
	 */
	public String deadReasons() {
		return string(this.keys.deadReasons());
	}

	/**
	 * Returns the hash of a large record's chunks.
	 * @param recordId the record id
	 * @return its name
	 */
	public String chunks(String recordId) {
		return string(this.keys.chunks(recordId));
	}

	private static String string(byte[] name) {
		return new String(name, StandardCharsets.UTF_8);
	}

}
