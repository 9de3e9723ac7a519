package dev.handoff.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.jspecify.annotations.Nullable;

/**
 * Certificates for a TLS Redis on loopback, made with the JDK alone: {@code keytool}
 * makes a throwaway CA and a server key pair it signs, for the names {@code localhost}
 * and {@code 127.0.0.1} (Boot's default host is {@code localhost}, the harness connects
 * to {@code 127.0.0.1}). From them it writes what {@code redis-server} reads (PEM
 * certificate and PKCS#8 key) and what a client needs to trust the server: the CA
 * certificate as PEM and as a PKCS12 trust store. The server does not ask clients for
 * certificates.
 * <p>
 * The material is made once per JVM, in a temporary directory, by {@link #shared()}; the
 * keys are EC P-256, which keytool makes in milliseconds. The certificates are valid for
 * {@value #VALIDITY_DAYS} days from now.
 */
public final class RedisTlsMaterial {

	/** The password of the PKCS12 stores; nothing secret is kept in them. */
	public static final String STORE_PASSWORD = "handoff";

	private static final int VALIDITY_DAYS = 7;

	private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

	private static @Nullable RedisTlsMaterial shared;

	private final Path directory;

	private final SSLContext sslContext;

	private RedisTlsMaterial(Path directory) throws IOException, GeneralSecurityException {
		this.directory = directory;
		keytool("-genkeypair", "-keystore", "ca.p12", "-alias", "ca", "-dname", "CN=Handoff Test CA", "-ext", "bc:c");
		keytool("-genkeypair", "-keystore", "server.p12", "-alias", "server", "-dname", "CN=localhost");
		keytool("-certreq", "-keystore", "server.p12", "-alias", "server", "-file", "server.csr");
		keytool("-gencert", "-keystore", "ca.p12", "-alias", "ca", "-infile", "server.csr", "-outfile", "server.crt",
				"-rfc", "-ext", "san=dns:localhost,ip:127.0.0.1");
		Certificate ca = load("ca.p12").getCertificate("ca");
		Key serverKey = load("server.p12").getKey("server", STORE_PASSWORD.toCharArray());
		writePem(caCertificate(), "CERTIFICATE", ca.getEncoded());
		// getEncoded() of a private key is PKCS#8, which is what "BEGIN PRIVATE KEY"
		// holds.
		writePem(serverKey(), "PRIVATE KEY", serverKey.getEncoded());
		KeyStore trustStore = KeyStore.getInstance("PKCS12");
		trustStore.load(null, null);
		trustStore.setCertificateEntry("ca", ca);
		try (OutputStream out = Files.newOutputStream(trustStore())) {
			trustStore.store(out, STORE_PASSWORD.toCharArray());
		}
		TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trustManagers.init(trustStore);
		this.sslContext = SSLContext.getInstance("TLS");
		this.sslContext.init(null, trustManagers.getTrustManagers(), null);
		checkServerCertificate(ca);
	}

	/**
	 * Returns the material of this JVM, making it on first use.
	 * @return the material
	 */
	public static synchronized RedisTlsMaterial shared() {
		if (shared == null) {
			try {
				Path directory = Files.createTempDirectory("handoff-redis-tls-");
				RedisServerProcess.deleteOnExit(directory);
				shared = new RedisTlsMaterial(directory);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("Cannot make the TLS material", ex);
			}
		}
		return shared;
	}

	/**
	 * Returns the CA certificate as PEM: the file a client trusts.
	 * @return the path of {@code ca.crt}
	 */
	public Path caCertificate() {
		return this.directory.resolve("ca.crt");
	}

	/**
	 * Returns the CA certificate in a PKCS12 trust store, with password
	 * {@link #STORE_PASSWORD}.
	 * @return the path of {@code truststore.p12}
	 */
	public Path trustStore() {
		return this.directory.resolve("truststore.p12");
	}

	/**
	 * Returns the server's certificate, signed by the CA, as PEM.
	 * @return the path of {@code server.crt}
	 */
	public Path serverCertificate() {
		return this.directory.resolve("server.crt");
	}

	/**
	 * Returns the server's private key as unencrypted PKCS#8 PEM.
	 * @return the path of {@code server.key}
	 */
	public Path serverKey() {
		return this.directory.resolve("server.key");
	}

	/**
	 * Returns a TLS context that trusts the CA and nothing else.
	 * @return the TLS context
	 */
	public SSLContext sslContext() {
		return this.sslContext;
	}

	/**
	 * Returns the {@code redis-server} arguments that serve TLS on {@code port} and
	 * nothing in clear.
	 * @param port the TLS port
	 * @return the arguments
	 */
	List<String> serverArguments(int port) {
		List<String> arguments = new ArrayList<>();
		arguments.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port)));
		arguments.addAll(List.of("--tls-cert-file", serverCertificate().toString()));
		arguments.addAll(List.of("--tls-key-file", serverKey().toString()));
		arguments.addAll(List.of("--tls-ca-cert-file", caCertificate().toString()));
		arguments.addAll(List.of("--tls-auth-clients", "no"));
		return arguments;
	}

	private void checkServerCertificate(Certificate ca) throws IOException, GeneralSecurityException {
		try (InputStream in = Files.newInputStream(serverCertificate())) {
			Certificate server = CertificateFactory.getInstance("X.509").generateCertificate(in);
			server.verify(ca.getPublicKey());
		}
	}

	private KeyStore load(String name) throws IOException, GeneralSecurityException {
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(this.directory.resolve(name))) {
			store.load(in, STORE_PASSWORD.toCharArray());
		}
		return store;
	}

	private void keytool(String command, String... args) throws IOException {
		List<String> line = new ArrayList<>();
		line.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		line.add(command);
		line.addAll(List.of(args));
		line.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-noprompt"));
		if (command.equals("-genkeypair")) {
			line.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1"));
		}
		if (command.equals("-genkeypair") || command.equals("-gencert")) {
			line.addAll(List.of("-validity", String.valueOf(VALIDITY_DAYS)));
		}
		Process process = new ProcessBuilder(line).directory(this.directory.toFile()).redirectErrorStream(true).start();
		try {
			process.getOutputStream().close();
			boolean exited = process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			if (!exited) {
				process.destroyForcibly();
			}
			String output = new String(process.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8);
			if (!exited || process.exitValue() != 0) {
				throw new IllegalStateException("keytool " + command + " failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void writePem(Path path, String type, byte[] der) throws IOException {
		String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
		Files.writeString(path, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
	}

	@Override
	public String toString() {
		return "TLS material in " + this.directory;
	}

}
