package dev.handoff.demo;

import java.nio.file.Path;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;

/**
 * The Handoff demo.
 * <p>
 * {@code java -jar demo-app.jar} runs the service.
 * {@code java -jar demo-app.jar redis-server-path
 *
<dir>
 * } prints the path of a {@code redis-server} binary (from the PATH, or extracted into
 * {@code
 *
<dir>
 * }) and exits; rolling-deploy.sh uses it to start the one Redis that all instances
 * share.
 */
@SpringBootApplication
@EnableConfigurationProperties(DemoProperties.class)
public class DemoApplication {

	public static void main(String[] args) {
		if (args.length == 2 && args[0].equals("redis-server-path")) {
			System.out.println(LocalRedis.executable(Path.of(args[1]).toAbsolutePath()));
			return;
		}
		SpringApplication application = new SpringApplication(DemoApplication.class);
		if (System.getenv("PORTFILE") != null) {
			// Written once the server listens, so a script can start instances on port 0.
			application.addListeners(new WebServerPortFileWriter());
		}
		application.run(args);
	}

}
