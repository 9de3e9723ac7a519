package dev.handoff.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;

/**
 * At build time (Spring AOT), registers reflection hints for the state type of every
 * {@code @Handoff} bean, so that Jackson can write and read it in a GraalVM native image.
 * Registered in {@code META-INF/spring/aot.factories}.
 */
final class HandoffStateTypesAotProcessor implements BeanFactoryInitializationAotProcessor {

	private final BindingReflectionHintsRegistrar bindingHints = new BindingReflectionHintsRegistrar();

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		Set<ResolvableType> stateTypes = new LinkedHashSet<>();
		for (String beanName : beanFactory.getBeanNamesForAnnotation(Handoff.class)) {
			Class<?> beanClass = beanFactory.getType(beanName, false);
			if (beanClass != null) {
				// As the engine resolves it at runtime (ParticipantRegistry).
				ResolvableType stateType = ResolvableType.forClass(beanClass)
					.as(HandoffParticipant.class)
					.getGeneric(0);
				if (stateType.resolve() != null) {
					stateTypes.add(stateType);
				}
			}
		}
		if (stateTypes.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> stateTypes
			.forEach((stateType) -> register(generationContext.getRuntimeHints().reflection(), stateType));
	}

	/**
	 * The type and its generics, resolved: a {@code Map<String, Window>} needs
	 * {@code Window} too.
	 */
	private void register(ReflectionHints hints, ResolvableType type) {
		Class<?> resolved = type.resolve();
		if (resolved != null) {
			this.bindingHints.registerReflectionHints(hints, resolved);
		}
		for (ResolvableType generic : type.getGenerics()) {
			register(hints, generic);
		}
		if (type.isArray()) {
			register(hints, type.getComponentType());
		}
	}

}
