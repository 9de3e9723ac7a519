package dev.handoff.autoconfigure.endpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffCounts;
import dev.handoff.core.HandoffLifecycle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code handoff} endpoint: what waits in the store and a way to repair dead letters.
 * <ul>
 * <li>read {@code /actuator/handoff}: the participants (label, bean, version, state type)
 * and each label's counts;</li>
 * <li>read {@code /actuator/handoff/{label}}: the label's waiting, in-flight and
 * dead-lettered records as metadata (id, origin, version, created, attempts, size, the
 * dead-letter reason), never their data;</li>
 * <li>write {@code /actuator/handoff/{label}/{recordId}}: requeue a dead letter, which
 * waits again with its attempts reset; delete
 * {@code /actuator/handoff/{label}/{recordId}}: delete a dead letter. Each is logged at
 * INFO.</li>
 * </ul>
 * Like every endpoint, it is not exposed over HTTP unless
 * {@code management.endpoints.web.exposure.include} names it.
 */
@Endpoint(id = "handoff")
public final class HandoffEndpoint {

	/** The most records of each kind that a label's listing shows. */
	static final int LIMIT = 100;

	private static final Log logger = LogFactory.getLog(HandoffEndpoint.class);

	private final HandoffLifecycle lifecycle;

	private final HandoffStore store;

	private final HandoffCounts counts;

	/**
	 * Creates the endpoint.
	 * @param lifecycle the lifecycle, for the participants
	 * @param store the store
	 * @param counts the record counts of the labels
	 */
	public HandoffEndpoint(HandoffLifecycle lifecycle, HandoffStore store, HandoffCounts counts) {
		this.lifecycle = lifecycle;
		this.store = store;
		this.counts = counts;
	}

	@ReadOperation
	public Map<String, Object> handoff() {
		Map<String, HandoffStore.Counts> counts = this.counts.get();
		List<Map<String, Object>> participants = this.lifecycle.getParticipants().stream().map((participant) -> {
			Map<String, Object> description = participant.toMap();
			HandoffStore.Counts count = counts.get(participant.label());
			if (count != null) {
				description.put("waiting", count.waiting());
				description.put("inFlight", count.inFlight());
				description.put("deadLettered", count.deadLettered());
			}
			return description;
		}).toList();
		Map<String, Object> handoff = new LinkedHashMap<>();
		handoff.put("store", this.store.describe());
		handoff.put("namespace", this.lifecycle.getNamespace());
		handoff.put("participants", participants);
		return handoff;
	}

	@ReadOperation
	public Map<String, List<Map<String, Object>>> label(@Selector String label) {
		Map<String, List<Map<String, Object>>> records = new LinkedHashMap<>();
		for (HandoffStore.Where where : HandoffStore.Where.values()) {
			records.put(key(where), new ArrayList<>());
		}
		for (HandoffStore.StoredRecord stored : this.store.list(label, LIMIT)) {
			Map<String, Object> record = new LinkedHashMap<>();
			record.put("id", stored.id());
			record.put("origin", stored.origin());
			record.put("version", stored.version());
			record.put("createdAt", stored.createdAt().toString());
			record.put("attempts", stored.attempts());
			record.put("size", stored.size());
			if (stored.reason() != null) {
				record.put("reason", stored.reason());
			}
			records.computeIfAbsent(key(stored.where()), (where) -> new ArrayList<>()).add(record);
		}
		return records;
	}

	private static String key(HandoffStore.Where where) {
		return switch (where) {
			case WAITING -> "waiting";
			case IN_FLIGHT -> "inFlight";
			case DEAD_LETTERED -> "deadLettered";
		};
	}

	@WriteOperation
	public Map<String, Object> requeue(@Selector String label, @Selector String recordId) {
		boolean requeued = this.store.requeueDeadLetter(label, recordId);
		if (requeued) {
			logger.info("Requeued dead letter " + recordId + " of label '" + label + "' through the handoff endpoint");
		}
		return Map.of("label", label, "recordId", recordId, "requeued", requeued);
	}

	@DeleteOperation
	public Map<String, Object> delete(@Selector String label, @Selector String recordId) {
		boolean deleted = this.store.deleteDeadLetter(label, recordId);
		if (deleted) {
			logger.info("Deleted dead letter " + recordId + " of label '" + label + "' through the handoff endpoint");
		}
		return Map.of("label", label, "recordId", recordId, "deleted", deleted);
	}

}
