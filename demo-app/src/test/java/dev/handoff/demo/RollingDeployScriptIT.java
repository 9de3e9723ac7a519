package dev.handoff.demo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code rolling-deploy.sh}, the first command of the README, as a user would, so
 * the build proves the demo: real JVMs, one real Redis (the binary from embedded-redis
 * when none is on the PATH), SIGTERM during traffic. As an integration test it runs after
 * {@code package}, so the script runs the executable jar the build just made
 * ({@code --no-build}), the one a user starts.
 */
class RollingDeployScriptIT {

	private static final long TIMEOUT_SECONDS = 150;

	@Test
	void surgeWithTwoInstancesHandsOffEveryRequest() throws Exception {
		String output = rollingDeploy("--instances", "2");
		assertThat(output).contains("lost: 0").containsPattern("records: [1-9]");
	}

	@Test
	void recreateRestoresEveryRequestBeforeReady() throws Exception {
		String output = rollingDeploy("--mode", "recreate");
		assertThat(output).contains("restored 2 record(s) before ready").contains("lost: 0");
	}

	private String rollingDeploy(String... options) throws IOException, InterruptedException {
		assumeTrue(onPath("bash") && onPath("curl"), "rolling-deploy.sh needs bash and curl");
		List<String> command = new ArrayList<>(List.of("bash", "rolling-deploy.sh", "--no-build"));
		command.addAll(List.of(options));
		Path log = Files.createTempFile(Path.of("target"), "rolling-deploy-", ".txt");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		// The demo jar, not this test's class path.
		builder.environment().remove("DEMO_CLASSPATH");
		builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
		Process process = builder.start();
		boolean exited = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
		if (!exited) {
			// SIGTERM: the script's trap stops every process it started.
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
		}
		String output = Files.readString(log);
		System.out.println("rolling-deploy.sh " + String.join(" ", options) + "\n" + output);
		assertThat(exited).as("rolling-deploy.sh finished within %d s:%n%s", TIMEOUT_SECONDS, output).isTrue();
		assertThat(process.exitValue()).as("exit status of rolling-deploy.sh:%n%s", output).isZero();
		return output;
	}

	private static boolean onPath(String command) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (Files.isExecutable(Path.of(directory, command))) {
				return true;
			}
		}
		return false;
	}

}
