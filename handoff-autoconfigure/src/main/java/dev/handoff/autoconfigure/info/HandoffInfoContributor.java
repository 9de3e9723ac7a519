package dev.handoff.autoconfigure.info;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffLifecycle;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * Adds a {@code handoff} entry to {@code /actuator/info}: the store, the namespace, this
 * instance's id, and each participant's label, bean, version and state type. It reads
 * nothing from the store.
 */
public final class HandoffInfoContributor implements InfoContributor {

	private final HandoffLifecycle lifecycle;

	private final HandoffStore store;

	private final String namespace;

	private final String instanceId;

	/**
	 * Creates the contributor.
	 * @param lifecycle the lifecycle, for the participants
	 * @param store the store
	 * @param namespace the namespace
	 * @param instanceId this instance's id
	 */
	public HandoffInfoContributor(HandoffLifecycle lifecycle, HandoffStore store, String namespace, String instanceId) {
		this.lifecycle = lifecycle;
		this.store = store;
		this.namespace = namespace;
		this.instanceId = instanceId;
	}

	@Override
	public void contribute(Info.Builder builder) {
		Map<String, Object> handoff = new LinkedHashMap<>();
		handoff.put("store", this.store.describe());
		handoff.put("namespace", this.namespace);
		handoff.put("instanceId", this.instanceId);
		List<Map<String, Object>> participants = this.lifecycle.getParticipants()
			.stream()
			.map(HandoffLifecycle.ParticipantDescription::toMap)
			.toList();
		handoff.put("participants", participants);
		builder.withDetail("handoff", handoff);
	}

}
