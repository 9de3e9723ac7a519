package dev.handoff.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.handoff.core.HandoffLifecycle;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for Handoff.
 */
@ConfigurationProperties("handoff")
public class HandoffProperties {

	/**
	 * Whether to hand off the state of @Handoff beans.
	 */
	private boolean enabled = true;

	/**
	 * Prefix of every Redis key and channel. Defaults to spring.application.name.
	 */
	private @Nullable String namespace;

	/**
	 * Id of this instance, recorded as the origin of its handoffs and the owner of its
	 * claims. Defaults to the host name and process id.
	 */
	private @Nullable String instanceId;

	/**
	 * How long a handed-off record waits for a taker before it is dead-lettered. Must
	 * cover the time a new instance needs to start.
	 */
	private Duration ttl = Duration.ofHours(1);

	/**
	 * How long a claim owns its records. If the receiver has not returned by then, or its
	 * JVM died, they are delivered again.
	 */
	private Duration lease = Duration.ofSeconds(30);

	/**
	 * How many claims a record gets before it is dead-lettered.
	 */
	private int maxDeliveries = 5;

	/**
	 * How long dead letters are kept in the store for inspection.
	 */
	private Duration deadLetterTtl = Duration.ofDays(7);

	/**
	 * Longest time graceful shutdown spends capturing and writing state. Must not exceed
	 * spring.lifecycle.timeout-per-shutdown-phase.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(10);

	/**
	 * Longest time startup waits for waiting records before the application goes on and
	 * reports ready.
	 */
	private Duration startupTimeout = Duration.ofSeconds(10);

	/**
	 * How often each label is claimed without a notification: the backstop for
	 * notifications that pub/sub lost.
	 */
	private Duration pollInterval = Duration.ofSeconds(10);

	/**
	 * What a failed startup check of the store does: 'fail' startup, 'log' an ERROR and
	 * start anyway, or 'off' to skip the check. The check runs each of the store's
	 * operations once on keys of its own.
	 */
	private HandoffLifecycle.StoreCheck storeCheck = HandoffLifecycle.StoreCheck.FAIL;

	/**
	 * Largest state one participant hands off or receives. Serialization stops with an
	 * error once it grows past this, and a taker dead-letters a larger record without
	 * reading it.
	 */
	private DataSize maxRecordSize = DataSize.ofMegabytes(64);

	/**
	 * Most bytes of records one claim takes at once; the rest are claimed right after.
	 */
	private DataSize maxClaimSize = DataSize.ofMegabytes(64);

	private final Security security = new Security();

	private final Durability durability = new Durability();

	private final Checkpoint checkpoint = new Checkpoint();

	private final Spill spill = new Spill();

	public Security getSecurity() {
		return this.security;
	}

	public Durability getDurability() {
		return this.durability;
	}

	public Checkpoint getCheckpoint() {
		return this.checkpoint;
	}

	public Spill getSpill() {
		return this.spill;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getNamespace() {
		return this.namespace;
	}

	public void setNamespace(@Nullable String namespace) {
		this.namespace = namespace;
	}

	public @Nullable String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(@Nullable String instanceId) {
		this.instanceId = instanceId;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

	public Duration getLease() {
		return this.lease;
	}

	public void setLease(Duration lease) {
		this.lease = lease;
	}

	public int getMaxDeliveries() {
		return this.maxDeliveries;
	}

	public void setMaxDeliveries(int maxDeliveries) {
		this.maxDeliveries = maxDeliveries;
	}

	public Duration getDeadLetterTtl() {
		return this.deadLetterTtl;
	}

	public void setDeadLetterTtl(Duration deadLetterTtl) {
		this.deadLetterTtl = deadLetterTtl;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Duration getStartupTimeout() {
		return this.startupTimeout;
	}

	public void setStartupTimeout(Duration startupTimeout) {
		this.startupTimeout = startupTimeout;
	}

	public HandoffLifecycle.StoreCheck getStoreCheck() {
		return this.storeCheck;
	}

	public void setStoreCheck(HandoffLifecycle.StoreCheck storeCheck) {
		this.storeCheck = storeCheck;
	}

	public DataSize getMaxRecordSize() {
		return this.maxRecordSize;
	}

	public void setMaxRecordSize(DataSize maxRecordSize) {
		this.maxRecordSize = maxRecordSize;
	}

	public DataSize getMaxClaimSize() {
		return this.maxClaimSize;
	}

	public void setMaxClaimSize(DataSize maxClaimSize) {
		this.maxClaimSize = maxClaimSize;
	}

	public Duration getPollInterval() {
		return this.pollInterval;
	}

	public void setPollInterval(Duration pollInterval) {
		this.pollInterval = pollInterval;
	}

	/**
	 * Signatures and encryption of handed-off state.
	 */
	public static class Security {

		/**
		 * Key id to secret (base64, at least 32 bytes). Every listed key verifies;
		 * records signed by a key not listed are rejected.
		 */
		private Map<String, String> keys = new LinkedHashMap<>();

		/**
		 * Id of the key that signs (and encrypts) what this instance hands off.
		 */
		private @Nullable String activeKey;

		/**
		 * Whether to encrypt handed-off state with AES-256-GCM, so Redis never holds it
		 * in clear text.
		 */
		private boolean encrypt;

		/**
		 * Whether to reject unsigned records. Defaults to true once keys are set.
		 */
		private @Nullable Boolean requireSigned;

		public Map<String, String> getKeys() {
			return this.keys;
		}

		public void setKeys(Map<String, String> keys) {
			this.keys = keys;
		}

		public @Nullable String getActiveKey() {
			return this.activeKey;
		}

		public void setActiveKey(@Nullable String activeKey) {
			this.activeKey = activeKey;
		}

		public boolean isEncrypt() {
			return this.encrypt;
		}

		public void setEncrypt(boolean encrypt) {
			this.encrypt = encrypt;
		}

		public @Nullable Boolean getRequireSigned() {
			return this.requireSigned;
		}

		public void setRequireSigned(@Nullable Boolean requireSigned) {
			this.requireSigned = requireSigned;
		}

	}

	/**
	 * How durable a handoff must be before it counts as written.
	 */
	public static class Durability {

		/**
		 * How many replicas must have received each handoff (WAIT).
		 */
		private int replicas;

		/**
		 * Whether each handoff must be fsynced to the primary's append-only file, and the
		 * replicas' with replicas above 0 (WAITAOF, Redis 7.2 or later).
		 */
		private boolean fsync;

		/**
		 * Longest wait for the durability of one handoff, within
		 * handoff.shutdown-timeout.
		 */
		private Duration timeout = Duration.ofSeconds(2);

		public int getReplicas() {
			return this.replicas;
		}

		public void setReplicas(int replicas) {
			this.replicas = replicas;
		}

		public boolean isFsync() {
			return this.fsync;
		}

		public void setFsync(boolean fsync) {
			this.fsync = fsync;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * Checkpoints: the state of a running instance, written every interval, and delivered
	 * only if the instance ends without handing off.
	 */
	public static class Checkpoint {

		/**
		 * How often each participant's state is written as this instance's checkpoint, so
		 * that an instance killed without shutdown loses at most what changed in the last
		 * interval. Checkpoints are off when unset.
		 */
		private @Nullable Duration interval;

		/**
		 * How long after this instance's last heartbeat (sent every third of it) its
		 * checkpoints are delivered to another instance; above the longest pause of a
		 * running instance.
		 */
		private Duration lease = Duration.ofSeconds(15);

		public @Nullable Duration getInterval() {
			return this.interval;
		}

		public void setInterval(@Nullable Duration interval) {
			this.interval = interval;
		}

		public Duration getLease() {
			return this.lease;
		}

		public void setLease(Duration lease) {
			this.lease = lease;
		}

	}

	/**
	 * Where the final handoff writes what Redis did not take in time.
	 */
	public static class Spill {

		/**
		 * Directory where shutdown writes the records Redis did not store within
		 * handoff.shutdown-timeout (in its last fifth, which it keeps for this), and from
		 * which the next instance started with the same directory hands them off. Use
		 * storage that outlives the instance, such as a StatefulSet's persistent volume;
		 * off when unset.
		 */
		private @Nullable Path directory;

		public @Nullable Path getDirectory() {
			return this.directory;
		}

		public void setDirectory(@Nullable Path directory) {
			this.directory = directory;
		}

	}

}
