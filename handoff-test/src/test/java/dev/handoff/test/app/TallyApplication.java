package dev.handoff.test.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application the cluster tests run: one participant, {@link Tally}.
 */
@SpringBootApplication
public class TallyApplication {

}
