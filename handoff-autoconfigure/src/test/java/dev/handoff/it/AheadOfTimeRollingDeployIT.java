package dev.handoff.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.handoff.it.app.TestApplication;
import dev.handoff.test.RedisExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplicationAotProcessor;
import org.springframework.context.aot.AbstractAotProcessor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test application processed by Spring AOT, as {@code spring-boot:process-aot} does
 * for a native image or an AOT-optimized JVM, then started with
 * {@code -Dspring.aot.enabled=true}: it receives the state a stopping instance handed
 * off, and hands it off again. Under AOT the bean definitions are fixed at build time,
 * {@code handoff.enabled} included.
 */
class AheadOfTimeRollingDeployIT {

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@TempDir
	static Path aot;

	private final String namespace = "aot-" + UUID.randomUUID().toString().substring(0, 8);

	private final List<AppProcess> processes = new ArrayList<>();

	@BeforeAll
	static void processAheadOfTime() throws IOException {
		AbstractAotProcessor.Settings settings = AbstractAotProcessor.Settings.builder()
			.sourceOutput(aot.resolve("sources"))
			.resourceOutput(aot.resolve("resources"))
			.classOutput(aot.resolve("classes"))
			.groupId("dev.handoff")
			.artifactId("handoff-it")
			.build();
		new SpringApplicationAotProcessor(TestApplication.class, settings, new String[0]).process();
		List<String> sources;
		try (Stream<Path> files = Files.walk(aot.resolve("sources"))) {
			sources = files.filter((file) -> file.toString().endsWith(".java")).map(Path::toString).toList();
		}
		assertThat(sources)
			.anyMatch((source) -> source.endsWith("TestApplication__ApplicationContextInitializer.java"));
		JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
		List<String> arguments = new ArrayList<>(List.of("-proc:none", "-parameters", "-nowarn", "-d",
				aot.resolve("classes").toString(), "-cp", System.getProperty("java.class.path")));
		arguments.addAll(sources);
		assertThat(javac.run(null, null, null, arguments.toArray(String[]::new))).as("javac of the AOT sources")
			.isZero();
	}

	@AfterEach
	void stopProcesses() {
		this.processes.forEach(AppProcess::close);
	}

	@Test
	void applicationProcessedAheadOfTimeReceivesAndHandsOffState() {
		AppProcess old = track(AppProcess.start("old", redis.server().port(), this.namespace));
		old.awaitReady();
		Map<String, Long> state = old.mutate(12);
		old.terminate();
		old.awaitExit(AppProcess.STARTUP);

		AppProcess next = track(AppProcess.startAheadOfTime("aot", redis.server().port(), this.namespace,
				List.of(aot.resolve("classes"), aot.resolve("resources"))));
		String ready = next.awaitReady();
		assertThat(next.output()).anyMatch((line) -> line.contains("Starting AOT-processed TestApplication"));
		assertThat(AppProcess.countersIn(ready)).isEqualTo(state);
		next.terminate();
		next.awaitExit(AppProcess.STARTUP);

		AppProcess last = track(AppProcess.start("last", redis.server().port(), this.namespace));
		assertThat(AppProcess.countersIn(last.awaitReady())).isEqualTo(state);
	}

	private AppProcess track(AppProcess process) {
		this.processes.add(process);
		return process;
	}

}
