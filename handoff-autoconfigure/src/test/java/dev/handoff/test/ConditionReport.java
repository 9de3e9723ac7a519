package dev.handoff.test;

import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport.ConditionAndOutcomes;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What Spring Boot's condition evaluation report says about one configuration class. With
 * a class filtered out of the class path, a bean condition on that class backs off too,
 * so a test that only looks at the beans cannot tell whether the
 * {@code @ConditionalOnClass} it means to test is there at all; the report names the
 * condition that did not match.
 */
public final class ConditionReport {

	private ConditionReport() {
	}

	/**
	 * Returns the messages of the conditions evaluated on a configuration class, one a
	 * line.
	 * @param context the application context
	 * @param configuration the configuration class
	 * @return the messages; empty when none of its conditions was evaluated
	 */
	public static String of(ConfigurableApplicationContext context, Class<?> configuration) {
		ConditionAndOutcomes outcomes = ConditionEvaluationReport.get(context.getBeanFactory())
			.getConditionAndOutcomesBySource()
			.get(configuration.getName());
		if (outcomes == null) {
			return "";
		}
		return StreamSupport.stream(outcomes.spliterator(), false)
			.map((outcome) -> outcome.getOutcome().getMessage())
			.collect(Collectors.joining("\n"));
	}

}
