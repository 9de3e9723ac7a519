package dev.handoff.observation;

import java.util.List;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations Handoff makes. With Spring Boot's Actuator each becomes a timer of the
 * same name (tagged {@code label} and {@code error}); with Micrometer Tracing each
 * becomes a span, and the record's trace context travels from the sender's
 * {@link #INITIATE} span to the receiver's {@link #MERGE} span, which continues the
 * sender's trace. {@code management.observations.enable.handoff=false} turns all of them
 * off.
 */
public enum HandoffObservation implements ObservationDocumentation {

	/**
	 * Storing a record: one observation per record, at shutdown and for
	 * {@link dev.handoff.HandoffOperations#initiate}. Its context,
	 * {@link HandoffSenderContext}, receives the trace context that the record then
	 * carries in its {@link dev.handoff.HandoffRecord#headers() headers}.
	 */
	INITIATE("handoff.initiate", "handoff initiate", HighCardinalityKeys.RECORD_ID),

	/**
	 * One claim round trip, for one label or for several at once (then {@code label} is
	 * the labels, comma separated, a set that is fixed per application).
	 */
	CLAIM("handoff.claim", "handoff claim"),

	/**
	 * A receiver merging the records of one claim. Its context,
	 * {@link HandoffReceiverContext}, reads the trace context of the first record, so the
	 * span continues the trace in which the sender stored it.
	 */
	MERGE("handoff.merge", "handoff merge", HighCardinalityKeys.RECORD_ID, HighCardinalityKeys.ORIGIN,
			HighCardinalityKeys.RECORDS);

	private final String name;

	private final String contextualName;

	// Unmodifiable (List.of): Error Prone knows only Guava's immutable types.
	@SuppressWarnings("ImmutableEnumChecker")
	private final List<KeyName> highCardinalityKeyNames;

	HandoffObservation(String name, String contextualName, KeyName... highCardinalityKeyNames) {
		this.name = name;
		this.contextualName = contextualName;
		this.highCardinalityKeyNames = List.of(highCardinalityKeyNames);
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public String getContextualName() {
		return this.contextualName;
	}

	@Override
	public KeyName[] getLowCardinalityKeyNames() {
		return new KeyName[] { LowCardinalityKeys.LABEL };
	}

	@Override
	public KeyName[] getHighCardinalityKeyNames() {
		return this.highCardinalityKeyNames.toArray(new KeyName[0]);
	}

	/**
	 * Keys that every observation of a kind has, and that metrics are tagged with.
	 */
	public enum LowCardinalityKeys implements KeyName {

		/** The label (or labels) of the records. */
		LABEL {
			@Override
			public String asString() {
				return "label";
			}
		}

	}

	/**
	 * Keys for spans only, never metric tags.
	 */
	public enum HighCardinalityKeys implements KeyName {

		/** The record stored, or the first record merged. */
		RECORD_ID {
			@Override
			public String asString() {
				return "handoff.record.id";
			}
		},

		/** The instance that handed off the first record merged. */
		ORIGIN {
			@Override
			public String asString() {
				return "handoff.origin";
			}
		},

		/** How many records were merged. */
		RECORDS {
			@Override
			public String asString() {
				return "handoff.records";
			}
		}

	}

	/**
	 * Creates an observation of this kind for a label, not started.
	 * @param registry the registry
	 * @param context the context
	 * @param label the label or labels
	 * @return the observation
	 */
	public Observation observation(ObservationRegistry registry, Observation.Context context, String label) {
		return observation(registry, () -> context).lowCardinalityKeyValue(LowCardinalityKeys.LABEL.asString(), label);
	}

}
