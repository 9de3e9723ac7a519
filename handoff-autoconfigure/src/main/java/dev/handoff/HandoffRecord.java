package dev.handoff;

import java.time.Instant;
import java.util.Map;

import org.springframework.util.Assert;

/**
 * State that one instance handed off, as another instance receives it.
 *
 * @param id unique id of this record, stable across redeliveries
 * @param label the label the state was handed off under
 * @param version the version of the state's shape when it was written
 * @param data the state
 * @param origin the instance that handed it off
 * @param createdAt when it was handed off
 * @param headers context that travelled with the state, never part of it: the W3C trace
 * context ({@code traceparent}, {@code tracestate}) of the handoff when the sender traced
 * it, and {@value #CHECKPOINT_HEADER} on a {@linkplain #isCheckpoint() checkpoint}; empty
 * when there is none
 * @param <S> the type of the state
 */
public record HandoffRecord<S>(String id, String label, int version, S data, String origin, Instant createdAt,
		Map<String, String> headers) {

	/**
	 * The header that marks a checkpoint: the state a running instance wrote at
	 * {@link #createdAt()}, delivered because the instance ended without handing off.
	 */
	public static final String CHECKPOINT_HEADER = "checkpoint";

	public HandoffRecord {
		Assert.hasText(id, "'id' must not be empty");
		Assert.hasText(label, "'label' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		Assert.hasText(origin, "'origin' must not be empty");
		Assert.notNull(createdAt, "'createdAt' must not be null");
		Assert.notNull(headers, "'headers' must not be null");
		headers = Map.copyOf(headers);
	}

	/**
	 * Creates a record without headers.
	 * @param id unique id of this record, stable across redeliveries
	 * @param label the label the state was handed off under
	 * @param version the version of the state's shape when it was written
	 * @param data the state
	 * @param origin the instance that handed it off
	 * @param createdAt when it was handed off
	 */
	public HandoffRecord(String id, String label, int version, S data, String origin, Instant createdAt) {
		this(id, label, version, data, origin, createdAt, Map.of());
	}

	/**
	 * Whether this record is a checkpoint: the state its origin had at
	 * {@link #createdAt()}, delivered because that instance ended without handing off
	 * (SIGKILL, an OOM kill, a lost node), so what changed after that time is not in it.
	 * @return whether it is a checkpoint
	 */
	public boolean isCheckpoint() {
		return "true".equals(this.headers.get(CHECKPOINT_HEADER));
	}

	/**
	 * Returns this record with other data, for example the deserialized form of stored
	 * bytes.
	 * @param data the data
	 * @param <T> the type of the data
	 * @return a record with the same metadata
	 */
	public <T> HandoffRecord<T> withData(T data) {
		return new HandoffRecord<>(this.id, this.label, this.version, data, this.origin, this.createdAt, this.headers);
	}

	/**
	 * Returns this record with other headers.
	 * @param headers the headers
	 * @return a record with the same data and metadata
	 */
	public HandoffRecord<S> withHeaders(Map<String, String> headers) {
		return new HandoffRecord<>(this.id, this.label, this.version, this.data, this.origin, this.createdAt, headers);
	}

}
