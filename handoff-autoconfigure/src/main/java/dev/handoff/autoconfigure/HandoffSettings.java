package dev.handoff.autoconfigure;

import java.time.Duration;
import java.util.Map;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffTemplate;
import dev.handoff.security.RecordProtection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * {@link HandoffProperties} checked against each other and against the rest of the
 * environment, with their defaults filled in. Contradictory settings fail startup with a
 * message that names the property to change.
 */
record HandoffSettings(HandoffProperties properties, String namespace, String instanceId, HandoffStore.Policy policy,
		RecordProtection protection) {

	private static final Log logger = LogFactory.getLog(HandoffSettings.class);

	static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(30);

	static HandoffSettings of(HandoffProperties properties, Environment environment) {
		Map<String, Duration> durations = Map.of("ttl", properties.getTtl(), "lease", properties.getLease(),
				"dead-letter-ttl", properties.getDeadLetterTtl(), "shutdown-timeout", properties.getShutdownTimeout(),
				"startup-timeout", properties.getStartupTimeout(), "poll-interval", properties.getPollInterval());
		durations.forEach((name, value) -> {
			if (value.toMillis() <= 0) {
				throw invalid("handoff." + name + " is " + value + ".", "Set it to at least 1ms, for example 10s.");
			}
		});
		Duration checkpointInterval = properties.getCheckpoint().getInterval();
		if (checkpointInterval != null && checkpointInterval.toMillis() <= 0) {
			throw invalid("handoff.checkpoint.interval is " + checkpointInterval + ".",
					"Set it to at least 1ms, for example 30s, or remove it to turn checkpoints off.");
		}
		Duration checkpointLease = properties.getCheckpoint().getLease();
		if (checkpointLease.toMillis() < 3) {
			throw invalid("handoff.checkpoint.lease is " + checkpointLease + ".",
					"Set it to at least 3ms, for example 15s, above the longest pause of a running instance.");
		}
		if (properties.getMaxDeliveries() < 1) {
			throw invalid("handoff.max-deliveries is " + properties.getMaxDeliveries() + ".",
					"Set it to at least 1; 5 lets a record survive four failed receivers.");
		}
		Map<String, DataSize> sizes = Map.of("max-record-size", properties.getMaxRecordSize(), "max-claim-size",
				properties.getMaxClaimSize());
		sizes.forEach((name, value) -> {
			if (value.toBytes() <= 0) {
				throw invalid("handoff." + name + " is " + value + ".", "Set it to at least 1KB, for example 64MB.");
			}
		});
		Duration phaseTimeout = Binder.get(environment)
			.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
			.orElse(DEFAULT_PHASE_TIMEOUT);
		if (properties.getShutdownTimeout().compareTo(phaseTimeout) > 0) {
			throw invalid(
					"handoff.shutdown-timeout (" + properties.getShutdownTimeout() + ") does not fit inside "
							+ "spring.lifecycle.timeout-per-shutdown-phase (" + phaseTimeout + ").",
					"Lower handoff.shutdown-timeout, or raise spring.lifecycle.timeout-per-shutdown-phase (and the "
							+ "pod's terminationGracePeriodSeconds with it).");
		}
		HandoffProperties.Durability durability = properties.getDurability();
		if (durability.getReplicas() < 0) {
			throw invalid("handoff.durability.replicas is " + durability.getReplicas() + ".",
					"Set it to the number of replicas each handoff must reach, 0 for none.");
		}
		boolean waits = durability.getReplicas() > 0 || durability.isFsync();
		if (waits && (durability.getTimeout().toMillis() <= 0
				|| durability.getTimeout().compareTo(properties.getShutdownTimeout()) >= 0)) {
			throw invalid(
					"handoff.durability.timeout (" + durability.getTimeout() + ") is not between 1ms and "
							+ "handoff.shutdown-timeout (" + properties.getShutdownTimeout() + ").",
					"Set it below handoff.shutdown-timeout, so that shutdown can still write after a wait, for "
							+ "example 2s.");
		}
		if (properties.getLease().compareTo(properties.getTtl()) > 0) {
			throw invalid(
					"handoff.lease (" + properties.getLease() + ") is longer than handoff.ttl (" + properties.getTtl()
							+ ").",
					"Set handoff.lease to the longest a merge may take, below handoff.ttl, the time a record "
							+ "waits for its first taker.");
		}
		String namespace = namespace(properties, environment);
		if (namespace.chars().anyMatch((c) -> c == '{' || c == '}' || Character.isWhitespace(c))) {
			throw invalid("handoff.namespace '" + namespace + "' contains '{', '}' or whitespace.",
					"Set handoff.namespace (or spring.application.name) to a name without them.");
		}
		String instanceId = StringUtils.hasText(properties.getInstanceId()) ? properties.getInstanceId()
				: HandoffTemplate.defaultInstanceId();
		HandoffStore.Policy policy = new HandoffStore.Policy(properties.getTtl(), properties.getLease(),
				properties.getMaxDeliveries(), properties.getDeadLetterTtl(), properties.getMaxRecordSize().toBytes(),
				properties.getMaxClaimSize().toBytes());
		return new HandoffSettings(properties, namespace, instanceId, policy,
				protection(properties, namespace, policy));
	}

	private static RecordProtection protection(HandoffProperties properties, String namespace,
			HandoffStore.Policy policy) {
		HandoffProperties.Security security = properties.getSecurity();
		Boolean requireSigned = security.getRequireSigned();
		return RecordProtection.of(namespace, security.getKeys(), security.getActiveKey(), security.isEncrypt(),
				(requireSigned != null) ? requireSigned : !security.getKeys().isEmpty(),
				policy.acknowledgedRetention());
	}

	private static String namespace(HandoffProperties properties, Environment environment) {
		if (StringUtils.hasText(properties.getNamespace())) {
			return properties.getNamespace();
		}
		String applicationName = environment.getProperty("spring.application.name");
		if (StringUtils.hasText(applicationName)) {
			return applicationName;
		}
		logger.warn("Neither handoff.namespace nor spring.application.name is set; Handoff keys use the namespace "
				+ "'application', which every application on the same Redis that leaves both unset shares. Set "
				+ "spring.application.name.");
		return "application";
	}

	private static HandoffConfigurationException invalid(String problem, String action) {
		return new HandoffConfigurationException(problem, action);
	}

}
