package dev.handoff.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.handoff.it.app.TestApplication;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link TestApplication} running in a JVM of its own, started from the test classpath,
 * so that SIGTERM and SIGKILL are real. Its output is kept line by line for the test to
 * wait on and echoed with a prefix.
 */
final class AppProcess implements AutoCloseable {

	static final Duration STARTUP = Duration.ofSeconds(90);

	private static final Pattern PORT = Pattern.compile("READY port=(\\d+) ");

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final String name;

	private final Process process;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private AppProcess(String name, Process process) {
		this.name = name;
		this.process = process;
		Thread reader = new Thread(this::readOutput, "output-" + name);
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts the test application.
	 * @param name the name of this instance in the test's output and as its handoff
	 * instance id
	 * @param redisPort the Redis port
	 * @param namespace the handoff namespace, unique per test
	 * @param arguments {@code --property=value} arguments that add to or override the
	 * defaults
	 * @return the running process; call {@link #awaitReady()} before using it
	 */
	static AppProcess start(String name, int redisPort, String namespace, String... arguments) {
		return start(name,
				Map.of("spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", String.valueOf(redisPort)),
				namespace, arguments);
	}

	/**
	 * Starts the test application on any Redis topology.
	 * @param name the name of this instance in the test's output and as its handoff
	 * instance id
	 * @param redisProperties the {@code spring.data.redis.*} (and {@code spring.ssl.*})
	 * properties of the topology
	 * @param namespace the handoff namespace, unique per test
	 * @param arguments {@code --property=value} arguments that add to or override the
	 * defaults
	 * @return the running process; call {@link #awaitReady()} before using it
	 */
	static AppProcess start(String name, Map<String, String> redisProperties, String namespace, String... arguments) {
		return start(name, List.of(), System.getProperty("java.class.path"),
				properties(name, redisProperties, namespace, arguments));
	}

	/**
	 * Starts the test application as Spring AOT processed it, with
	 * {@code -Dspring.aot.enabled=true}.
	 * @param name the name of this instance in the test's output and as its handoff
	 * instance id
	 * @param redisPort the Redis port
	 * @param namespace the handoff namespace, unique per test
	 * @param aot the classes and resources that AOT processing generated, compiled
	 * @param arguments {@code --property=value} arguments that add to or override the
	 * defaults
	 * @return the running process; call {@link #awaitReady()} before using it
	 */
	static AppProcess startAheadOfTime(String name, int redisPort, String namespace, List<Path> aot,
			String... arguments) {
		List<String> classpath = new ArrayList<>(aot.stream().map(Path::toString).toList());
		classpath.add(System.getProperty("java.class.path"));
		return start(name, List.of("-Dspring.aot.enabled=true"), String.join(File.pathSeparator, classpath), properties(
				name,
				Map.of("spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", String.valueOf(redisPort)),
				namespace, arguments));
	}

	private static Map<String, String> properties(String name, Map<String, String> redisProperties, String namespace,
			String... arguments) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.putAll(redisProperties);
		properties.put("handoff.namespace", namespace);
		properties.put("handoff.instance-id", name);
		properties.put("handoff.lease", "2s");
		properties.put("handoff.startup-timeout", "10s");
		properties.put("handoff.shutdown-timeout", "5s");
		properties.put("spring.lifecycle.timeout-per-shutdown-phase", "10s");
		properties.put("spring.main.banner-mode", "off");
		properties.put("logging.level.root", "WARN");
		properties.put("logging.level.dev.handoff", "INFO");
		for (String argument : arguments) {
			String[] property = argument.replaceFirst("^--", "").split("=", 2);
			properties.put(property[0], property[1]);
		}
		return properties;
	}

	private static AppProcess start(String name, List<String> options, String classpath,
			Map<String, String> properties) {
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
						"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
		command.addAll(options);
		command.addAll(List.of("-cp", classpath, TestApplication.class.getName()));
		properties.forEach((property, value) -> command.add("--" + property + "=" + value));
		try {
			return new AppProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Waits until the application reports ready.
	 * @return the {@code READY} line
	 */
	String awaitReady() {
		return awaitLine((line) -> line.startsWith("READY "), STARTUP);
	}

	String awaitLine(Predicate<String> match, Duration timeout) {
		await().atMost(timeout)
			.pollInterval(Duration.ofMillis(20))
			.failFast(() -> !this.process.isAlive() && findLine(match).isEmpty())
			.until(() -> findLine(match).isPresent());
		return findLine(match).orElseThrow();
	}

	Optional<String> findLine(Predicate<String> match) {
		return this.output.stream().filter(match).findFirst();
	}

	List<String> output() {
		return List.copyOf(this.output);
	}

	int port() {
		Matcher matcher = PORT.matcher(awaitReady());
		if (!matcher.find()) {
			throw new IllegalStateException(this.name + " reported no port");
		}
		return Integer.parseInt(matcher.group(1));
	}

	HttpResponse<String> post(String pathAndQuery) {
		return send(HttpRequest.newBuilder(uri(pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	String get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET()).body();
	}

	/**
	 * Sends increments to a few counters and returns what the instance holds afterwards.
	 * @param requests how many increments
	 * @return the counters
	 */
	Map<String, Long> mutate(int requests) {
		for (int i = 0; i < requests; i++) {
			assertThat(post("/increment?key=client-" + (i % 4)).statusCode()).isEqualTo(200);
		}
		Map<String, Long> state = counters();
		assertThat(state.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(requests);
		return state;
	}

	Map<String, Long> counters() {
		return new TreeMap<>(json.readValue(get("/counters"), new TypeReference<Map<String, Long>>() {
		}));
	}

	/**
	 * Reads the counters an instance reported in its {@code READY} line.
	 * @param readyLine the line
	 * @return the counters
	 */
	static Map<String, Long> countersIn(String readyLine) {
		Matcher matcher = Pattern.compile(" counters=(\\{[^}]*}) ").matcher(readyLine);
		assertThat(matcher.find()).as("counters in %s", readyLine).isTrue();
		return new TreeMap<>(json.readValue(matcher.group(1), new TypeReference<Map<String, Long>>() {
		}));
	}

	boolean received(String label) {
		return findLine((line) -> line.startsWith("RECEIVED " + label)).isPresent();
	}

	private URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
	}

	private static HttpResponse<String> send(HttpRequest.Builder request) {
		try {
			return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Sends SIGTERM, as Kubernetes does, which starts Spring Boot's graceful shutdown.
	 * Through the process handle: {@link Process#destroy()} would also close the pipe the
	 * shutdown logs come through.
	 */
	void terminate() {
		this.process.toHandle().destroy();
	}

	/** Sends SIGKILL: no shutdown code runs. */
	void kill() {
		this.process.toHandle().destroyForcibly();
		awaitExit(Duration.ofSeconds(10));
	}

	int awaitExit(Duration timeout) {
		try {
			if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new AssertionError(this.name + " did not exit within " + timeout);
			}
			// Let the reader drain what the process wrote last.
			await().atMost(Duration.ofSeconds(5)).until(() -> !readerAlive());
			return this.process.exitValue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private volatile boolean reading = true;

	private boolean readerAlive() {
		return this.reading;
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				this.output.add(line);
				System.out.println("[" + this.name + "] " + line);
			}
		}
		catch (IOException ex) {
			// The process is gone.
		}
		finally {
			this.reading = false;
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroyForcibly();
		}
	}

	@Override
	public String toString() {
		return this.name;
	}

}
