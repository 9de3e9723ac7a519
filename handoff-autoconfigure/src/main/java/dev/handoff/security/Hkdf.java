package dev.handoff.security;

import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), which the JDK offers only from Java 24 on: derives
 * the signing and the encryption key from one secret, so the two never share a key.
 */
final class Hkdf {

	private static final String HMAC = "HmacSHA256";

	private Hkdf() {
	}

	/**
	 * Derives a key.
	 * @param secret the input key material
	 * @param salt the salt (may be empty)
	 * @param info what the key is for
	 * @param length the key's length in bytes, at most 255 * 32
	 * @return the key
	 */
	static byte[] derive(byte[] secret, byte[] salt, byte[] info, int length) {
		try {
			Mac extract = Mac.getInstance(HMAC);
			extract.init(new SecretKeySpec((salt.length > 0) ? salt : new byte[32], HMAC));
			byte[] prk = extract.doFinal(secret);
			Mac expand = Mac.getInstance(HMAC);
			expand.init(new SecretKeySpec(prk, HMAC));
			byte[] okm = new byte[length];
			byte[] block = new byte[0];
			for (int offset = 0, counter = 1; offset < length; counter++) {
				expand.update(block);
				expand.update(info);
				expand.update((byte) counter);
				block = expand.doFinal();
				int n = Math.min(block.length, length - offset);
				System.arraycopy(block, 0, okm, offset, n);
				offset += n;
			}
			return okm;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HMAC-SHA256 is not available", ex);
		}
	}

}
