package dev.handoff.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link RecordProtection} on its own: the key derivation against RFC 5869, the
 * configuration errors, and the rejections that need a clock.
 */
class RecordProtectionTests {

	private static final String SECRET = "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=";

	private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

	private static final HandoffRecord<byte[]> RECORD = new HandoffRecord<>("id-1", "tally", 1,
			"{\"hits\":41}".getBytes(StandardCharsets.UTF_8), "v1", NOW,
			Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

	private static RecordProtection protection(boolean encrypt) {
		return RecordProtection.of("shop", Map.of("k1", SECRET), "k1", encrypt, true, Duration.ofHours(2));
	}

	@Test
	void hkdfMatchesRfc5869TestCase1() {
		HexFormat hex = HexFormat.of();
		byte[] okm = Hkdf.derive(hex.parseHex("0b".repeat(22)), hex.parseHex("000102030405060708090a0b0c"),
				hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
		assertThat(hex.formatHex(okm))
			.isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf" + "34007208d5b887185865");
	}

	@Test
	void encryptedRecordRoundTripsAndKeepsItsTraceContext() {
		HandoffRecord<byte[]> stored = protection(true).protect(RECORD);
		assertThat(new String(stored.data(), StandardCharsets.ISO_8859_1)).doesNotContain("hits");
		HandoffRecord<byte[]> verified = protection(true).verify(stored, "tally", NOW.plusSeconds(5));
		assertThat(verified.data()).isEqualTo(RECORD.data());
		assertThat(verified.headers()).isEqualTo(RECORD.headers());
	}

	@Test
	void everyRecordGetsAFreshNonce() {
		assertThat(protection(true).protect(RECORD).headers().get(RecordProtection.NONCE))
			.isNotEqualTo(protection(true).protect(RECORD).headers().get(RecordProtection.NONCE));
	}

	@Test
	void anAlteredTraceContextIsRejected() {
		HandoffRecord<byte[]> stored = protection(false).protect(RECORD);
		Map<String, String> headers = new HashMap<>(stored.headers());
		headers.put("traceparent", "00-ffffffffffffffffffffffffffffffff-b7ad6b7169203331-01");
		assertThatExceptionOfType(RejectedRecordException.class)
			.isThrownBy(() -> protection(false).verify(stored.withHeaders(headers), "tally", NOW))
			.satisfies((ex) -> assertThat(ex.getRejection()).isEqualTo(Rejection.BAD_SIGNATURE));
	}

	@Test
	void aSignedRecordOlderThanTheAcknowledgedRetentionIsAReplay() {
		HandoffRecord<byte[]> stored = protection(false).protect(RECORD);
		assertThat(protection(false).verify(stored, "tally", NOW.plus(Duration.ofHours(2)))).isNotNull();
		assertThatExceptionOfType(RejectedRecordException.class)
			.isThrownBy(() -> protection(false).verify(stored, "tally", NOW.plus(Duration.ofHours(2)).plusSeconds(1)))
			.satisfies((ex) -> assertThat(ex.getRejection()).isEqualTo(Rejection.REPLAYED));
	}

	@Test
	void anInstanceWithoutKeysTakesASignedRecordAndRejectsAnEncryptedOne() {
		HandoffRecord<byte[]> received = RecordProtection.none()
			.verify(protection(false).protect(RECORD), "tally", NOW);
		assertThat(received.data()).isEqualTo(RECORD.data());
		assertThat(received.headers()).isEqualTo(RECORD.headers());
		assertThatExceptionOfType(RejectedRecordException.class)
			.isThrownBy(() -> RecordProtection.none().verify(protection(true).protect(RECORD), "tally", NOW))
			.satisfies((ex) -> assertThat(ex.getRejection()).isEqualTo(Rejection.UNKNOWN_KEY));
	}

	@Test
	void aSecretThatIsNotBase64OrTooShortFailsStartupWithWhatToChange() {
		assertThatExceptionOfType(HandoffConfigurationException.class).isThrownBy(
				() -> RecordProtection.of("shop", Map.of("k1", "not base64!"), "k1", false, true, Duration.ofHours(1)))
			.withMessageContaining("handoff.security.keys.k1 is not base64");
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(
					() -> RecordProtection.of("shop", Map.of("k1", "c2hvcnQ="), "k1", false, true, Duration.ofHours(1)))
			.withMessageContaining("has 5 bytes, fewer than 32");
	}

	@Test
	void anActiveKeyThatIsNotListedFailsStartup() {
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(() -> RecordProtection.of("shop", Map.of("k1", SECRET), "k2", false, true, Duration.ofHours(1)))
			.withMessageContaining("handoff.security.active-key is 'k2', which is not one of the keys");
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(() -> RecordProtection.of("shop", Map.of(), null, true, false, Duration.ofHours(1)))
			.withMessageContaining("has no keys, but encrypt is set");
	}

}
