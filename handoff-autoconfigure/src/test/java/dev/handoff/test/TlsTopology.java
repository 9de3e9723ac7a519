package dev.handoff.test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;

/**
 * One {@code redis-server} that serves TLS only ({@code --port 0 --tls-port ...}), with a
 * certificate for {@code localhost} and {@code 127.0.0.1} signed by a throwaway CA
 * ({@link RedisTlsMaterial}), and that asks no client certificate. Boot connects to it
 * through an SSL bundle, named {@value #SSL_BUNDLE}, that trusts the CA.
 */
public final class TlsTopology implements RedisTopology {

	/** The name of the SSL bundle in {@link #springProperties()}. */
	public static final String SSL_BUNDLE = "handoff-redis";

	private final RedisServerProcess server;

	private final RedisTlsMaterial tls;

	private TlsTopology(RedisServerProcess server, RedisTlsMaterial tls) {
		this.server = server;
		this.tls = tls;
	}

	static TlsTopology start() {
		RedisTlsMaterial tls = RedisTlsMaterial.shared();
		try {
			return new TlsTopology(RedisServerProcess.builder().tls(tls).start(), tls);
		}
		catch (IllegalStateException ex) {
			// A binary built without BUILD_TLS=yes refuses the tls-* directives when it
			// reads its arguments.
			boolean noTls = String.valueOf(ex.getMessage()).contains("Bad directive")
					&& String.valueOf(ex.getMessage()).contains("tls-");
			Assumptions.assumeFalse(noTls, () -> RedisServerProcess.executable()
					+ " was built without TLS support, so the TLS topology cannot run: " + ex.getMessage());
			throw ex;
		}
	}

	/**
	 * Returns the server; {@link RedisServerProcess#command(String...)} talks TLS to it.
	 * @return the server
	 */
	public RedisServerProcess server() {
		return this.server;
	}

	/**
	 * Returns the certificates: the CA a client must trust, as PEM or as a PKCS12 trust
	 * store.
	 * @return the certificates
	 */
	public RedisTlsMaterial tlsMaterial() {
		return this.tls;
	}

	@Override
	public String name() {
		return "TLS";
	}

	/**
	 * Returns the host and port, and a PEM SSL bundle that trusts the CA. The host is
	 * {@code 127.0.0.1}; the certificate names {@code localhost} too, so a user who keeps
	 * Boot's default host connects as well.
	 * @return the properties
	 */
	@Override
	public Map<String, String> springProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.host", "127.0.0.1");
		properties.put("spring.data.redis.port", String.valueOf(this.server.port()));
		properties.put("spring.data.redis.ssl.bundle", SSL_BUNDLE);
		properties.put("spring.ssl.bundle.pem." + SSL_BUNDLE + ".truststore.certificate",
				tlsMaterial().caCertificate().toString());
		return properties;
	}

	@Override
	public List<RedisServerProcess> nodes() {
		return List.of(this.server);
	}

	@Override
	public void close() {
		this.server.close();
	}

	@Override
	public String toString() {
		return name() + " " + ports();
	}

}
