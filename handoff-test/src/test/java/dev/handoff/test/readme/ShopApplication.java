package dev.handoff.test.readme;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application of README.md's examples.
 */
@SpringBootApplication
class ShopApplication {

}
