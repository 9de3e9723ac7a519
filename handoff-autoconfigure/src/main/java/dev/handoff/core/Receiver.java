package dev.handoff.core;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;

/**
 * What receives the records of one label: a participant bean, or the receiver given to
 * {@link HandoffTemplate#complete}.
 * <p>
 * Its lock is held while records are delivered and while the state is captured, so a
 * delivery never lands in a participant whose state was already captured: once
 * {@link #seal() sealed}, claimed records are left for another instance.
 *
 * @param <S> the type of the state
 */
final class Receiver<S> {

	final String label;

	final int version;

	final JavaType type;

	final String description;

	final Consumer<List<HandoffRecord<S>>> consumer;

	final @Nullable Function<HandoffRecord<JsonNode>, @Nullable S> upgrader;

	/**
	 * Returns the state to checkpoint after a merge; null for a receiver without state.
	 */
	final @Nullable Supplier<?> checkpointState;

	final ReentrantLock lock = new ReentrantLock();

	private volatile boolean sealed;

	Receiver(String label, int version, JavaType type, String description, Consumer<List<HandoffRecord<S>>> consumer,
			@Nullable Function<HandoffRecord<JsonNode>, @Nullable S> upgrader) {
		this(label, version, type, description, consumer, upgrader, null);
	}

	Receiver(String label, int version, JavaType type, String description, Consumer<List<HandoffRecord<S>>> consumer,
			@Nullable Function<HandoffRecord<JsonNode>, @Nullable S> upgrader, @Nullable Supplier<?> checkpointState) {
		this.checkpointState = checkpointState;
		this.label = label;
		this.version = version;
		this.type = type;
		this.description = description;
		this.consumer = consumer;
		this.upgrader = upgrader;
	}

	/** Refuses further deliveries; call with the lock held. */
	void seal() {
		this.sealed = true;
	}

	boolean isSealed() {
		return this.sealed;
	}

}
