package dev.handoff.observation;

import java.util.List;

import dev.handoff.HandoffRecord;
import io.micrometer.observation.transport.ReceiverContext;

/**
 * The context of {@link HandoffObservation#MERGE}: its carrier is the first record
 * merged, whose headers a tracing handler reads the sender's trace context from.
 */
public final class HandoffReceiverContext extends ReceiverContext<HandoffRecord<?>> {

	private final String label;

	private final List<? extends HandoffRecord<?>> records;

	/**
	 * Creates the context of merging records.
	 * @param label their label
	 * @param records the records, at least one
	 */
	public HandoffReceiverContext(String label, List<? extends HandoffRecord<?>> records) {
		super((carrier, key) -> carrier.headers().get(key));
		this.label = label;
		this.records = List.copyOf(records);
		setCarrier(this.records.get(0));
		setRemoteServiceName("handoff");
	}

	public String getLabel() {
		return this.label;
	}

	public List<? extends HandoffRecord<?>> getRecords() {
		return this.records;
	}

}
