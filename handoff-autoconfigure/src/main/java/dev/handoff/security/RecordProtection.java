package dev.handoff.security;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Signs, and optionally encrypts, the records an instance hands off, and verifies those
 * it receives before any of their payload is parsed.
 * <p>
 * A protected record carries, in its {@linkplain HandoffRecord#headers() headers}:
 * <ul>
 * <li>{@code handoff-key}: the id of the key that made it;</li>
 * <li>{@code handoff-namespace}: the namespace it was handed off in;</li>
 * <li>{@code handoff-nonce}: with encryption, the 96-bit AES-GCM nonce, fresh per record
 * (base64url);</li>
 * <li>{@code handoff-chunk-nonce}: on a large record whose payload is stored in chunks,
 * with encryption, the base nonce of its chunks, each of which is sealed on its own (see
 * {@link #chunkSeal(String, String)});</li>
 * <li>{@code handoff-signature}: HMAC-SHA256 (base64url) over the namespace, label,
 * record id, version, origin, creation time, every other header, and the payload as
 * stored (the ciphertext, with encryption).</li>
 * </ul>
 * Each listed secret yields two keys through HKDF-SHA256, one to sign
 * ({@code info = "handoff hmac-sha256 v1"}) and one to encrypt
 * ({@code info = "handoff aes-256-gcm v1"}), so signing and encryption never share a key.
 * Encryption uses the signed fields (all but the payload) as associated data. Signatures
 * are compared in constant time.
 * <p>
 * Verification rejects a record (see {@link Rejection}) that is unsigned while signatures
 * are required, signed by a key not listed, bound to another namespace or label, altered
 * in any signed field, or older than the time Redis remembers acknowledged ids (then it
 * can only be a replay). An instance without keys verifies nothing: it takes a signed
 * record as it takes an unsigned one, and rejects only an encrypted one, which it cannot
 * read.
 */
public final class RecordProtection {

	static final String KEY = "handoff-key";

	static final String NAMESPACE = "handoff-namespace";

	static final String NONCE = "handoff-nonce";

	static final String SIGNATURE = "handoff-signature";

	static final String CHUNK_NONCE = "handoff-chunk-nonce";

	private static final Set<String> OWN_HEADERS = Set.of(KEY, NAMESPACE, NONCE, SIGNATURE, CHUNK_NONCE);

	private static final byte[] CHUNK_AS = "handoff chunk v1".getBytes(StandardCharsets.UTF_8);

	private static final int TAG_BYTES = 32;

	private static final byte[] SIGNED_AS = "handoff record v1".getBytes(StandardCharsets.UTF_8);

	private static final int NONCE_BYTES = 12;

	private static final int MIN_SECRET_BYTES = 32;

	private static final Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder base64Decoder = Base64.getUrlDecoder();

	private static final SecureRandom random = new SecureRandom();

	private final String namespace;

	private final Map<String, Keys> keys;

	private final @Nullable String activeKey;

	private final boolean encrypt;

	private final boolean requireSigned;

	private final Duration maxAge;

	private RecordProtection(String namespace, Map<String, Keys> keys, @Nullable String activeKey, boolean encrypt,
			boolean requireSigned, Duration maxAge) {
		this.namespace = namespace;
		this.keys = keys;
		this.activeKey = activeKey;
		this.encrypt = encrypt;
		this.requireSigned = requireSigned;
		this.maxAge = maxAge;
	}

	/**
	 * No keys: records are handed off unsigned, and received unverified.
	 * @return protection that does nothing
	 */
	public static RecordProtection none() {
		return new RecordProtection("", Map.of(), null, false, false, Duration.ZERO);
	}

	/**
	 * Creates the protection of one namespace.
	 * @param namespace the namespace records are bound to
	 * @param secrets key id to secret, base64 (standard or URL-safe), at least 32 bytes
	 * each; every one verifies
	 * @param activeKey the key that signs (and encrypts), one of the secrets
	 * @param encrypt whether to encrypt payloads
	 * @param requireSigned whether unsigned records are rejected
	 * @param maxAge the age beyond which a signed record is rejected as a replay: how
	 * long the store remembers acknowledged ids
	 * @return the protection
	 * @throws HandoffConfigurationException when a secret or the active key is not valid
	 */
	public static RecordProtection of(String namespace, Map<String, String> secrets, @Nullable String activeKey,
			boolean encrypt, boolean requireSigned, Duration maxAge) {
		Assert.hasText(namespace, "'namespace' must not be empty");
		Map<String, Keys> keys = new LinkedHashMap<>();
		secrets.forEach((id, secret) -> keys.put(id, Keys.derive(id, secret)));
		if (keys.isEmpty()) {
			if (encrypt || requireSigned || activeKey != null) {
				throw new HandoffConfigurationException("handoff.security has no keys, but "
						+ (encrypt ? "encrypt" : (requireSigned ? "require-signed" : "active-key")) + " is set.",
						"List at least one key under handoff.security.keys (key id: base64 secret of at least 32 "
								+ "bytes, for example from 'openssl rand -base64 32'), and name it in "
								+ "handoff.security.active-key.");
			}
			return none();
		}
		if (activeKey == null || !keys.containsKey(activeKey)) {
			throw new HandoffConfigurationException(
					"handoff.security.active-key is "
							+ ((activeKey != null) ? "'" + activeKey + "', which is not one"
									: "not set, and must be one")
							+ " of the keys listed under handoff.security.keys " + keys.keySet() + ".",
					"Set handoff.security.active-key to the id of the key that signs what this instance hands off.");
		}
		return new RecordProtection(namespace, Map.copyOf(keys), activeKey, encrypt, requireSigned, maxAge);
	}

	/**
	 * Whether this instance signs what it hands off.
	 * @return whether there are keys
	 */
	public boolean isSigning() {
		return this.activeKey != null;
	}

	/**
	 * Describes the protection for the startup line.
	 * @return for example {@code "records signed with key 'k2', encrypted"}
	 */
	public String describe() {
		if (this.activeKey == null) {
			return "records unsigned";
		}
		return "records signed with key '" + this.activeKey + "'" + (this.encrypt ? ", encrypted" : "")
				+ (this.requireSigned ? "" : ", unsigned records accepted");
	}

	/**
	 * Signs, and encrypts when configured, a record about to be handed off.
	 * @param record the record, its data the serialized state
	 * @return the record to store
	 */
	public HandoffRecord<byte[]> protect(HandoffRecord<byte[]> record) {
		String keyId = this.activeKey;
		if (keyId == null) {
			return record;
		}
		Keys key = Objects.requireNonNull(this.keys.get(keyId), "the active key is one of the keys");
		Map<String, String> headers = new TreeMap<>(record.headers());
		headers.keySet().removeIf((name) -> OWN_HEADERS.contains(name) && !CHUNK_NONCE.equals(name));
		headers.put(KEY, keyId);
		headers.put(NAMESPACE, this.namespace);
		byte[] payload = record.data();
		if (this.encrypt) {
			byte[] nonce = new byte[NONCE_BYTES];
			random.nextBytes(nonce);
			headers.put(NONCE, base64.encodeToString(nonce));
			payload = key.crypt(Cipher.ENCRYPT_MODE, nonce, signedFields(record, headers), payload);
		}
		HandoffRecord<byte[]> stored = new HandoffRecord<>(record.id(), record.label(), record.version(), payload,
				record.origin(), record.createdAt(), headers);
		headers.put(SIGNATURE, base64.encodeToString(key.sign(signedFields(stored, headers), payload)));
		return stored.withHeaders(headers);
	}

	/**
	 * Verifies, and decrypts when it is encrypted, a record claimed under a label, before
	 * its payload is parsed.
	 * @param record the record as stored
	 * @param label the label it was claimed under
	 * @param now the time
	 * @return the record with its clear payload, without Handoff's headers
	 * @throws RejectedRecordException when it must not be delivered
	 */
	public HandoffRecord<byte[]> verify(HandoffRecord<byte[]> record, String label, Instant now) {
		if (!record.label().equals(label)) {
			throw new RejectedRecordException(Rejection.WRONG_LABEL,
					"it is bound to label '" + record.label() + "' but was claimed under label '" + label + "'");
		}
		Map<String, String> headers = record.headers();
		String signature = headers.get(SIGNATURE);
		if (signature == null) {
			if (this.requireSigned) {
				throw new RejectedRecordException(Rejection.UNSIGNED,
						"it is unsigned, and " + "handoff.security.require-signed is on");
			}
			if (headers.containsKey(NONCE)) {
				throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "it is encrypted but carries no signature");
			}
			return record;
		}
		String keyId = headers.getOrDefault(KEY, "");
		if (this.keys.isEmpty() && !headers.containsKey(NONCE)) {
			// Without keys nothing is verified, a signed record no less than an unsigned
			// one: a rollback to an instance without keys still receives what a signing
			// instance handed off.
			return withoutProtectionHeaders(record, record.data());
		}
		Keys key = this.keys.get(keyId);
		if (key == null) {
			throw new RejectedRecordException(Rejection.UNKNOWN_KEY,
					"it is signed by key '" + keyId + "', which is " + "not listed under handoff.security.keys"
							+ (this.keys.isEmpty() ? " (none are)" : " " + this.keys.keySet()));
		}
		String boundTo = headers.getOrDefault(NAMESPACE, "");
		if (!boundTo.equals(this.namespace)) {
			throw new RejectedRecordException(Rejection.WRONG_NAMESPACE,
					"it is bound to namespace '" + boundTo + "', not to '" + this.namespace + "'");
		}
		Map<String, String> signed = new TreeMap<>(headers);
		signed.remove(SIGNATURE);
		byte[] fields = signedFields(record, signed);
		byte[] expected = key.sign(fields, record.data());
		byte[] actual;
		try {
			actual = base64Decoder.decode(signature);
		}
		catch (IllegalArgumentException ex) {
			actual = new byte[0];
		}
		if (!MessageDigest.isEqual(expected, actual)) {
			throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "its signature does not match its content "
					+ "(altered in Redis, or signed by another secret under key id '" + keyId + "')");
		}
		if (Duration.between(record.createdAt(), now).compareTo(this.maxAge) > 0) {
			throw new RejectedRecordException(Rejection.REPLAYED,
					"it was handed off at " + record.createdAt()
							+ ", longer ago than Redis remembers acknowledged records (handoff.ttl + "
							+ "handoff.dead-letter-ttl, " + this.maxAge + "): a replay of a record already delivered");
		}
		byte[] payload = record.data();
		String nonce = headers.get(NONCE);
		if (nonce != null) {
			payload = key.crypt(Cipher.DECRYPT_MODE, base64Decoder.decode(nonce), fields, payload);
		}
		return withoutProtectionHeaders(record, payload);
	}

	private static HandoffRecord<byte[]> withoutProtectionHeaders(HandoffRecord<byte[]> record, byte[] payload) {
		Map<String, String> plain = new LinkedHashMap<>(record.headers());
		plain.keySet().removeIf(OWN_HEADERS::contains);
		return new HandoffRecord<>(record.id(), record.label(), record.version(), payload, record.origin(),
				record.createdAt(), plain);
	}

	/**
	 * The seal of the chunks of a large record about to be handed off: with a key, each
	 * chunk carries an HMAC-SHA256 tag over the namespace, label, record id, index and
	 * its bytes, or, with encryption, is encrypted with AES-256-GCM under a nonce of its
	 * own (a fresh base nonce per record, its last four bytes XORed with the index) with
	 * those fields as associated data. Without a key chunks are stored as they are.
	 * @param label the record's label
	 * @param recordId the record id
	 * @return the seal
	 */
	public ChunkSeal chunkSeal(String label, String recordId) {
		String keyId = this.activeKey;
		if (keyId == null) {
			return new Seal(null, label, recordId, null, false);
		}
		Keys key = Objects.requireNonNull(this.keys.get(keyId), "the active key is one of the keys");
		byte[] nonce = null;
		if (this.encrypt) {
			nonce = new byte[NONCE_BYTES];
			random.nextBytes(nonce);
		}
		return new Seal(key, label, recordId, nonce, true);
	}

	/**
	 * The seal that opens the chunks of a large record claimed under a label, once the
	 * record itself {@linkplain #verify verified}.
	 * @param stored the record as stored, its protection headers still on it
	 * @return the seal
	 */
	public ChunkSeal chunkSeal(HandoffRecord<byte[]> stored) {
		Map<String, String> headers = stored.headers();
		if (!headers.containsKey(SIGNATURE)) {
			return new Seal(null, stored.label(), stored.id(), null, false);
		}
		String nonce = headers.get(CHUNK_NONCE);
		// verify() let the record through, so the key is listed, unless there are no
		// keys at all: then a signed record's tags are not checked, like its signature.
		Keys key = this.keys.get(headers.getOrDefault(KEY, ""));
		return new Seal(key, stored.label(), stored.id(), (nonce != null) ? base64Decoder.decode(nonce) : null, true);
	}

	/** A {@link ChunkSeal} with a key, or without one. */
	private final class Seal implements ChunkSeal {

		private final @Nullable Keys key;

		private final String label;

		private final String recordId;

		private final byte @Nullable [] nonce;

		private final boolean tagged;

		Seal(@Nullable Keys key, String label, String recordId, byte @Nullable [] nonce, boolean tagged) {
			this.key = key;
			this.label = label;
			this.recordId = recordId;
			this.nonce = nonce;
			this.tagged = tagged;
		}

		@Override
		public byte[] seal(int index, byte[] chunk, int length) {
			Keys key = this.key;
			if (key == null) {
				return Arrays.copyOf(chunk, length);
			}
			if (this.nonce != null) {
				return key.crypt(Cipher.ENCRYPT_MODE, nonce(index), fields(index), chunk, length);
			}
			byte[] stored = Arrays.copyOf(chunk, length + TAG_BYTES);
			key.tag(fields(index), chunk, length, stored);
			return stored;
		}

		@Override
		public byte[] open(int index, byte[] stored) {
			Keys key = this.key;
			if (this.nonce != null) {
				if (key == null) {
					throw new RejectedRecordException(Rejection.UNKNOWN_KEY, "its chunks are encrypted");
				}
				try {
					return key.crypt(Cipher.DECRYPT_MODE, nonce(index), fields(index), stored, stored.length);
				}
				catch (RejectedRecordException ex) {
					throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "its chunk " + index
							+ " could not be decrypted (altered or swapped in Redis, or sealed by another secret)");
				}
			}
			if (!this.tagged) {
				return stored;
			}
			if (stored.length < TAG_BYTES) {
				throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "its chunk " + index + " has no tag");
			}
			int length = stored.length - TAG_BYTES;
			if (key != null) {
				byte[] expected = new byte[length + TAG_BYTES];
				key.tag(fields(index), stored, length, expected);
				if (!MessageDigest.isEqual(Arrays.copyOfRange(expected, length, expected.length),
						Arrays.copyOfRange(stored, length, stored.length))) {
					throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "its chunk " + index
							+ " does not match its tag (altered or swapped in Redis, or sealed by another secret)");
				}
			}
			return Arrays.copyOf(stored, length);
		}

		@Override
		public Map<String, String> headers() {
			return (this.nonce != null) ? Map.of(CHUNK_NONCE, base64.encodeToString(this.nonce)) : Map.of();
		}

		private byte[] nonce(int index) {
			byte[] nonce = Arrays.copyOf(Objects.requireNonNull(this.nonce), NONCE_BYTES);
			for (int i = 0; i < 4; i++) {
				nonce[NONCE_BYTES - 1 - i] ^= (byte) (index >>> (8 * i));
			}
			return nonce;
		}

		private byte[] fields(int index) {
			ByteArrayOutputStream out = new ByteArrayOutputStream(128);
			write(out, CHUNK_AS);
			write(out, RecordProtection.this.namespace);
			write(out, this.label);
			write(out, this.recordId);
			write(out, Integer.toString(index));
			return out.toByteArray();
		}

	}

	/**
	 * Every signed field but the payload, each length-prefixed, so no two records share
	 * an encoding.
	 */
	private static byte[] signedFields(HandoffRecord<byte[]> record, Map<String, String> headers) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(256);
		write(out, SIGNED_AS);
		write(out, record.label());
		write(out, record.id());
		write(out, Integer.toString(record.version()));
		write(out, record.origin());
		write(out, record.createdAt().toString());
		new TreeMap<>(headers).forEach((name, value) -> {
			if (!SIGNATURE.equals(name)) {
				write(out, name);
				write(out, value);
			}
		});
		return out.toByteArray();
	}

	private static void write(ByteArrayOutputStream out, String value) {
		write(out, value.getBytes(StandardCharsets.UTF_8));
	}

	private static void write(ByteArrayOutputStream out, byte[] value) {
		out.writeBytes(ByteBuffer.allocate(4).putInt(value.length).array());
		out.writeBytes(value);
	}

	/** The two keys derived from one secret. */
	private record Keys(SecretKeySpec signing, SecretKeySpec encryption) {

		static Keys derive(String id, String secret) {
			byte[] bytes;
			try {
				bytes = Base64.getDecoder().decode(secret.strip().replace('-', '+').replace('_', '/'));
			}
			catch (IllegalArgumentException ex) {
				throw invalid(id, "is not base64");
			}
			if (bytes.length < MIN_SECRET_BYTES) {
				throw invalid(id, "has " + bytes.length + " bytes, fewer than " + MIN_SECRET_BYTES);
			}
			byte[] salt = "handoff".getBytes(StandardCharsets.UTF_8);
			return new Keys(
					new SecretKeySpec(Hkdf.derive(bytes, salt, info("handoff hmac-sha256 v1"), 32), "HmacSHA256"),
					new SecretKeySpec(Hkdf.derive(bytes, salt, info("handoff aes-256-gcm v1"), 32), "AES"));
		}

		private static byte[] info(String info) {
			return info.getBytes(StandardCharsets.UTF_8);
		}

		private static HandoffConfigurationException invalid(String id, String problem) {
			return new HandoffConfigurationException("The secret of handoff.security.keys." + id + " " + problem + ".",
					"Set it to at least 32 random bytes in base64, for example from 'openssl rand -base64 32'.");
		}

		byte[] sign(byte[] fields, byte[] payload) {
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(this.signing);
				mac.update(fields);
				mac.update(ByteBuffer.allocate(4).putInt(payload.length).array());
				return mac.doFinal(payload);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("HMAC-SHA256 is not available", ex);
			}
		}

		/**
		 * HMAC-SHA256 of the fields and the first {@code length} bytes of the data,
		 * written into {@code out} after those bytes.
		 */
		void tag(byte[] fields, byte[] data, int length, byte[] out) {
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(this.signing);
				mac.update(fields);
				mac.update(data, 0, length);
				mac.doFinal(out, length);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("HMAC-SHA256 is not available", ex);
			}
		}

		byte[] crypt(int mode, byte[] nonce, byte[] associatedData, byte[] data) {
			return crypt(mode, nonce, associatedData, data, data.length);
		}

		byte[] crypt(int mode, byte[] nonce, byte[] associatedData, byte[] data, int length) {
			try {
				Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
				cipher.init(mode, this.encryption, new GCMParameterSpec(128, nonce));
				cipher.updateAAD(associatedData);
				return cipher.doFinal(data, 0, length);
			}
			catch (GeneralSecurityException ex) {
				if (mode == Cipher.ENCRYPT_MODE) {
					throw new IllegalStateException("AES-256-GCM is not available", ex);
				}
				throw new RejectedRecordException(Rejection.BAD_SIGNATURE, "its payload could not be decrypted: " + ex);
			}
		}

	}

}
