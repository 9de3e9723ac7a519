package dev.handoff.core;

import dev.handoff.HandoffParticipant;

/**
 * A {@link HandoffParticipant} bean as the engine runs it: its bean name, the bean, and
 * the receiver of its label.
 *
 * @param beanName the bean name
 * @param bean the bean
 * @param receiver what receives the records of its label
 * @param <S> the type of its state
 */
record Participant<S>(String beanName, HandoffParticipant<S> bean, Receiver<S> receiver) {

	String label() {
		return this.receiver.label;
	}

}
