package dev.handoff.demo;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the demo.
 */
@ConfigurationProperties("demo")
public class DemoProperties {

	/**
	 * Version of this deployment, shown on the page; rolling-deploy.sh starts "v1" and
	 * then "v2".
	 */
	private String version = "v1";

	private final RateLimit rateLimit = new RateLimit();

	public String getVersion() {
		return this.version;
	}

	public void setVersion(String version) {
		this.version = version;
	}

	public RateLimit getRateLimit() {
		return this.rateLimit;
	}

	/**
	 * The rate limit of each client.
	 */
	public static class RateLimit {

		/**
		 * Requests a client may make within one window.
		 */
		private int requests = 20;

		/**
		 * Length of the sliding window.
		 */
		private Duration window = Duration.ofMinutes(1);

		public int getRequests() {
			return this.requests;
		}

		public void setRequests(int requests) {
			this.requests = requests;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

	}

}
