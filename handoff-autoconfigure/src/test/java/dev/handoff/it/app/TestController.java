package dev.handoff.it.app;

import java.util.Map;

import dev.handoff.HandoffOperations;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class TestController {

	private final Counters counters;

	private final Notes notes;

	private final HandoffOperations operations;

	TestController(Counters counters, Notes notes, HandoffOperations operations) {
		this.counters = counters;
		this.notes = notes;
		this.operations = operations;
	}

	/**
	 * Hands off a small state under any label, with the caller's record id when it gives
	 * one.
	 */
	@PostMapping("/initiate")
	String initiate(@RequestParam String label, @RequestParam(required = false) String id) {
		Map<String, Long> state = Map.of("n", 1L);
		return ((id != null) ? this.operations.initiate(label, 1, state, id)
				: this.operations.initiate(label, 1, state))
			.id();
	}

	/**
	 * Increments a counter after a delay, so that requests can still be running when
	 * shutdown begins.
	 */
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
