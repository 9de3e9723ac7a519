package dev.handoff.it.app;

import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The application that the end-to-end tests start as child JVMs. It reports what the
 * tests check on standard output, one line per fact: {@code READY}, {@code RECEIVING},
 * {@code RECEIVED}, {@code FINAL}.
 */
@SpringBootApplication
@EnableScheduling
public class TestApplication {

	static final JsonMapper json = JsonMapper.builder().build();

	private final Counters counters;

	private final Notes notes;

	private final Environment environment;

	TestApplication(Counters counters, Notes notes, Environment environment) {
		this.counters = counters;
		this.notes = notes;
		this.environment = environment;
	}

	public static void main(String[] args) {
		SpringApplication.run(TestApplication.class, args);
	}

	@EventListener(ApplicationReadyEvent.class)
	void ready() {
		report("READY port=" + this.environment.getProperty("local.server.port") + " counters="
				+ json.writeValueAsString(this.counters.snapshot()) + " notes="
				+ json.writeValueAsString(this.notes.snapshot()));
	}

	static void report(String line) {
		System.out.println(line);
		System.out.flush();
	}

	static String toJson(Map<String, Long> map) {
		return json.writeValueAsString(map);
	}

}
