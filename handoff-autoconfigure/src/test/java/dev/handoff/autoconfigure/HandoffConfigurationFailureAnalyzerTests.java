package dev.handoff.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.handoff.HandoffConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link HandoffConfigurationFailureAnalyzer}.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandoffConfigurationFailureAnalyzerTests {

	@Test
	void analysisHasTheProblemAsDescriptionAndTheChangeAsAction() {
		HandoffConfigurationException failure = new HandoffConfigurationException("handoff.lease is PT0S.",
				"Set it to at least 1ms, for example 10s.");
		FailureAnalysis analysis = new HandoffConfigurationFailureAnalyzer()
			.analyze(new BeanCreationException("handoffSettings", "Failed to instantiate", failure));
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).isEqualTo("handoff.lease is PT0S.");
		assertThat(analysis.getAction()).isEqualTo("Set it to at least 1ms, for example 10s.");
		assertThat(analysis.getCause()).isSameAs(failure);
	}

	@Test
	void otherFailuresAreLeftToOtherAnalyzers() {
		assertThat(new HandoffConfigurationFailureAnalyzer().analyze(new IllegalStateException("not ours"))).isNull();
	}

	@Test
	void analyzerIsRegisteredForSpringBoot() {
		// Boot's own analyzers want constructor arguments that only a running application
		// has; they are not the point.
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, FailureHandler.handleMessage((message, failure) -> {
			}));
		assertThat(analyzers).hasAtLeastOneElementOfType(HandoffConfigurationFailureAnalyzer.class);
	}

	@Test
	void springBootReportsAMisconfigurationWithTheAnalysis(CapturedOutput output) {
		SpringApplication application = new SpringApplication(MisconfiguredApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--handoff.max-deliveries=0"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.containsPattern("Description:\\s+handoff.max-deliveries is 0.\\s+Action:\\s+Set it to at least 1");
	}

	@Test
	void spillDirectoryThatIsNotADirectoryFailsStartupWithWhatToChange(@TempDir Path temporary, CapturedOutput output)
			throws IOException {
		Path file = Files.writeString(temporary.resolve("not-a-directory"), "");
		SpringApplication application = new SpringApplication(MisconfiguredApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--handoff.spill.directory=" + file));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.containsPattern("Description:\\s+handoff.spill.directory '" + file + "' is not a directory.\\s+"
					+ "Action:\\s+Set handoff.spill.directory to a directory this application may write");
	}

	@Test
	void spillDirectoryIsCreatedOwnerOnlyAtStartup(@TempDir Path temporary) throws IOException {
		Path directory = temporary.resolve("spill");
		SpringApplication application = new SpringApplication(MisconfiguredApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.run("--handoff.spill.directory=" + directory).close();
		assertThat(Files.getPosixFilePermissions(directory)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(HandoffAutoConfiguration.class)
	static class MisconfiguredApplication {

	}

}
