package dev.handoff.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.handoff.Handoff;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffException;
import dev.handoff.HandoffParticipant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Finds the {@link Handoff @Handoff} beans of an application context and checks each:
 * that it is a {@link HandoffParticipant}, that its label is valid and its own, and that
 * its state type can be told.
 */
final class ParticipantRegistry {

	private final Map<String, Participant<?>> participants = new LinkedHashMap<>();

	private ParticipantRegistry() {
	}

	/**
	 * Finds and checks every participant.
	 * @param beanFactory where to look
	 * @param template the template, for the Jackson type of each state type
	 * @param versions versions that replace the {@link Handoff#version()} of some labels;
	 * each must name a participant
	 * @return the participants, by label
	 * @throws HandoffConfigurationException when a participant cannot work, or a version
	 * names no participant, saying what to change
	 */
	static ParticipantRegistry discover(ListableBeanFactory beanFactory, HandoffTemplate template,
			Map<String, Integer> versions) {
		ParticipantRegistry registry = new ParticipantRegistry();
		for (String beanName : beanFactory.getBeanNamesForAnnotation(Handoff.class)) {
			registry.register(beanFactory, template, beanName, versions);
		}
		for (String label : versions.keySet()) {
			if (!registry.participants.containsKey(label)) {
				throw new HandoffConfigurationException("A participant version is set for label '" + label
						+ "', but no @Handoff bean has that label (" + registry.describe() + ").",
						"Set the version of a label that a participant has.");
			}
		}
		return registry;
	}

	Collection<Participant<?>> all() {
		return this.participants.values();
	}

	/**
	 * Describes the participants for the startup log line: label, version and bean of
	 * each.
	 * @return the description
	 */
	String describe() {
		if (this.participants.isEmpty()) {
			return "no participants";
		}
		return this.participants.values()
			.stream()
			.map((participant) -> "'" + participant.label() + "' (version " + participant.receiver().version
					+ ", bean '" + participant.beanName() + "')")
			.collect(Collectors.joining(", ", this.participants.size() + " participant(s): ", ""));
	}

	/**
	 * Returns the participants' state types.
	 * @return the types, one per participant
	 */
	List<JavaType> stateTypes() {
		return this.participants.values().stream().map((participant) -> participant.receiver().type).toList();
	}

	Collection<String> labels() {
		return this.participants.keySet();
	}

	@Nullable Participant<?> get(String label) {
		return this.participants.get(label);
	}

	boolean isEmpty() {
		return this.participants.isEmpty();
	}

	private void register(ListableBeanFactory beanFactory, HandoffTemplate template, String beanName,
			Map<String, Integer> versions) {
		Object bean = beanFactory.getBean(beanName);
		Class<?> beanClass = AopUtils.getTargetClass(bean);
		if (!(bean instanceof HandoffParticipant<?> participant)) {
			throw new HandoffConfigurationException(
					"Bean '" + beanName + "' of type " + beanClass.getName()
							+ " is annotated with @Handoff but does not implement HandoffParticipant.",
					"Implement HandoffParticipant<S>, where S is the type of the state to hand off, or remove "
							+ "@Handoff.");
		}
		Handoff annotation = beanFactory.findAnnotationOnBean(beanName, Handoff.class);
		Assert.state(annotation != null, "@Handoff disappeared from bean '" + beanName + "'");
		String label = StringUtils.hasText(annotation.value()) ? annotation.value() : beanName;
		try {
			HandoffTemplate.checkLabel(label);
		}
		catch (HandoffException ex) {
			throw new HandoffConfigurationException(ex.getMessage() + " (bean '" + beanName + "').",
					"Set a valid label with @Handoff(\"...\") on bean '" + beanName + "'.");
		}
		Participant<?> existing = this.participants.get(label);
		if (existing != null) {
			throw new HandoffConfigurationException("Beans '" + existing.beanName() + "' and '" + beanName
					+ "' both hand off under label '" + label + "'.",
					"Give each participant a label of its own with @Handoff(\"...\") on either bean.");
		}
		ResolvableType stateType = ResolvableType.forClass(beanClass).as(HandoffParticipant.class).getGeneric(0);
		if (stateType.resolve() == null || stateType.hasUnresolvableGenerics()) {
			throw new HandoffConfigurationException(
					"Cannot tell the state type of @Handoff bean '" + beanName + "' (" + beanClass.getName()
							+ "): it implements HandoffParticipant<" + stateType + ">.",
					"Declare its class with a concrete state type, such as "
							+ "'implements HandoffParticipant<Map<String, Long>>'.");
		}
		this.participants.put(label, participant(template, beanName, label,
				versions.getOrDefault(label, annotation.version()), stateType, participant));
	}

	private static <S> Participant<S> participant(HandoffTemplate template, String beanName, String label, int version,
			ResolvableType stateType, HandoffParticipant<S> bean) {
		Receiver<S> receiver = new Receiver<>(label, version, template.constructType(stateType),
				"participant '" + beanName + "'", bean::receiveHandoff, bean::upgradeHandoff, bean::checkpointState);
		return new Participant<>(beanName, bean, receiver);
	}

}
