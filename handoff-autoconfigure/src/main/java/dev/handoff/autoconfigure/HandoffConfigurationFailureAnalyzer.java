package dev.handoff.autoconfigure;

import dev.handoff.HandoffConfigurationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link HandoffConfigurationException} as Spring Boot reports its own
 * misconfigurations: what is wrong, then what to change.
 */
final class HandoffConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<HandoffConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, HandoffConfigurationException cause) {
		return new FailureAnalysis(cause.getProblem(), cause.getAction(), cause);
	}

}
