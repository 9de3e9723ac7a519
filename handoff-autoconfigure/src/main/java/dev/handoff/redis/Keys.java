package dev.handoff.redis;

import java.nio.charset.StandardCharsets;

/**
 * Builds every key and the channel of one label; see {@link RedisHandoffStore} for what each holds. All of them start
 * with {@code <namespace>:handoff:{<label>}:}, so they share one hash tag and live in one slot of a Redis Cluster.
 *
 * @param namespace the namespace
 * @param label the label
 */
record Keys(String namespace, String label) {

	String prefix() {
		return this.namespace + ":handoff:{" + this.label + "}:";
	}

	private byte[] key(String suffix) {
		return (prefix() + suffix).getBytes(StandardCharsets.UTF_8);
	}

	byte[] pending() {
		return key("pending");
	}

	byte[] claim(String claimId) {
		return key("claim:" + claimId);
	}

	byte[] claims() {
		return key("claims");
	}

	byte[] owner() {
		return key("owner");
	}

	byte[] expiry() {
		return key("expiry");
	}

	byte[] attempts() {
		return key("attempts");
	}

	byte[] acked() {
		return key("acked");
	}

	byte[] dead() {
		return key("dead");
	}

	byte[] deadReasons() {
		return key("dead-reasons");
	}

	byte[] channel() {
		return key("notify");
	}

}
