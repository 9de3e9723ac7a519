package dev.handoff.observation;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.transport.SenderContext;

/**
 * The context of {@link HandoffObservation#INITIATE}: its carrier is the headers of the
 * record being stored, into which a tracing handler writes the trace context
 * ({@code traceparent}).
 */
public final class HandoffSenderContext extends SenderContext<Map<String, String>> {

	private final String label;

	private final String recordId;

	/**
	 * Creates the context of storing one record.
	 * @param label the record's label
	 * @param recordId the record's id
	 */
	public HandoffSenderContext(String label, String recordId) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		});
		this.label = label;
		this.recordId = recordId;
		setCarrier(new LinkedHashMap<>());
		setRemoteServiceName("handoff");
	}

	public String getLabel() {
		return this.label;
	}

	public String getRecordId() {
		return this.recordId;
	}

	/**
	 * Returns the headers the observation's handlers wrote, for the record to carry.
	 * @return the headers, empty without tracing
	 */
	public Map<String, String> getHeaders() {
		Map<String, String> carrier = getCarrier();
		return (carrier != null) ? carrier : Map.of();
	}

}
