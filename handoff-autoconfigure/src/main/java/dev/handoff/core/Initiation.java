package dev.handoff.core;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.handoff.HandoffRecord;
import dev.handoff.observation.HandoffObservation;
import dev.handoff.observation.HandoffSenderContext;
import dev.handoff.security.RecordProtection;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The {@link HandoffObservation#INITIATE} observation of one record, started before the
 * record is written so that the record carries the observation's trace context in its
 * headers.
 */
final class Initiation {

	final HandoffRecord<byte[]> record;

	private final Observation observation;

	private boolean stopped;

	private Initiation(HandoffRecord<byte[]> record, Observation observation) {
		this.record = record;
		this.observation = observation;
	}

	/**
	 * Starts observing the initiate of a record.
	 * @param record the record, as serialized
	 * @param registry the registry
	 * @param protection signs (and encrypts) the record with its trace context
	 * @return the initiation, whose record carries the trace context and is protected
	 */
	static Initiation start(HandoffRecord<byte[]> record, ObservationRegistry registry, RecordProtection protection) {
		HandoffSenderContext context = new HandoffSenderContext(record.label(), record.id());
		Observation observation = HandoffObservation.INITIATE.observation(registry, context, record.label())
			.highCardinalityKeyValue(HandoffObservation.HighCardinalityKeys.RECORD_ID.asString(), record.id())
			.start();
		HandoffRecord<byte[]> traced = context.getHeaders().isEmpty() ? record
				: record.withHeaders(merged(record.headers(), context.getHeaders()));
		try {
			return new Initiation(protection.protect(traced), observation);
		}
		catch (RuntimeException ex) {
			observation.error(ex);
			observation.stop();
			throw ex;
		}
	}

	/** The record's own headers (a large record's chunks), and the trace context. */
	private static Map<String, String> merged(Map<String, String> own, Map<String, String> trace) {
		if (own.isEmpty()) {
			return trace;
		}
		Map<String, String> headers = new LinkedHashMap<>(trace);
		headers.putAll(own);
		return headers;
	}

	Observation.Scope openScope() {
		return this.observation.openScope();
	}

	/** The record is stored. */
	void stored() {
		stop(null);
	}

	/**
	 * The record is not stored, or not known to be.
	 * @param problem why
	 */
	void failed(Throwable problem) {
		stop(problem);
	}

	private synchronized void stop(@Nullable Throwable problem) {
		if (this.stopped) {
			return;
		}
		this.stopped = true;
		if (problem != null) {
			this.observation.error(problem);
		}
		this.observation.stop();
	}

}
