package dev.handoff.it.app;

import java.util.Map;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class TestController {

	private final Counters counters;

	private final Notes notes;

	TestController(Counters counters, Notes notes) {
		this.counters = counters;
		this.notes = notes;
	}

	/** Increments a counter after a delay, so that requests can still be running when shutdown begins. */
	@PostMapping("/increment")
	ResponseEntity<String> increment(@RequestParam String key, @RequestParam(defaultValue = "0") long delay)
			throws InterruptedException {
		Thread.sleep(delay);
		return this.counters.increment(key) ? ResponseEntity.ok("ok") : ResponseEntity.status(503).body("refused");
	}

	@PostMapping("/notes")
	String note(@RequestParam String text) {
		this.notes.add(text);
		return "ok";
	}

	@GetMapping("/counters")
	Map<String, Long> counters() {
		return this.counters.snapshot();
	}

}
