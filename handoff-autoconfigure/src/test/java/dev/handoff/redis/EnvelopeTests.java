package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The stored envelope: what it round-trips, and that it reads format 1 as earlier
 * versions wrote it.
 */
class EnvelopeTests {

	private static final HandoffRecord<byte[]> RECORD = new HandoffRecord<>("id-1", "cache", 3,
			"{\"a\":1}\n{".getBytes(StandardCharsets.UTF_8), "instance-a",
			Instant.parse("2026-12-01T10:00:00.123456Z"));

	@Test
	void recordRoundTripsWithItsPayloadBytesUntouched() {
		HandoffRecord<byte[]> decoded = Envelope.decode(Envelope.encode(RECORD));
		assertThat(decoded).usingRecursiveComparison().isEqualTo(RECORD);
	}

	@Test
	void headersRoundTrip() {
		HandoffRecord<byte[]> record = RECORD.withHeaders(Map.of("traceparent",
				"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate", "vendor=1"));
		HandoffRecord<byte[]> decoded = Envelope.decode(Envelope.encode(record));
		assertThat(decoded.headers()).isEqualTo(record.headers());
		assertThat(decoded.data()).isEqualTo(record.data());
	}

	@Test
	void envelopeWrittenByDataBindingAsEarlierVersionsDidIsRead() {
		byte[] header = JsonMapper.builder()
			.build()
			.writeValueAsBytes(new Envelope.Header(1, RECORD.id(), RECORD.label(), RECORD.version(), RECORD.origin(),
					RECORD.createdAt(), Map.of()));
		HandoffRecord<byte[]> decoded = Envelope.decode(concat(header, RECORD.data()));
		assertThat(decoded).usingRecursiveComparison().isEqualTo(RECORD);
	}

	@Test
	void fieldsALaterFormatAddsAreSkipped() {
		String header = "{\"format\":1,\"id\":\"id-1\",\"label\":\"cache\",\"version\":3,\"origin\":\"instance-a\","
				+ "\"signature\":{\"key\":\"k1\",\"mac\":[1,2]},\"createdAt\":\"2026-12-01T10:00:00.123456Z\"}";
		HandoffRecord<byte[]> decoded = Envelope.decode(concat(header.getBytes(StandardCharsets.UTF_8), RECORD.data()));
		assertThat(decoded).usingRecursiveComparison().isEqualTo(RECORD);
	}

	@Test
	void envelopeOfAnotherFormatIsRefusedWithTheFormatItHas() {
		String header = "{\"format\":2,\"id\":\"id-1\",\"label\":\"cache\",\"version\":3,\"origin\":\"instance-a\","
				+ "\"createdAt\":\"2026-12-01T10:00:00Z\"}";
		assertThatExceptionOfType(HandoffException.class)
			.isThrownBy(() -> Envelope.decode(concat(header.getBytes(StandardCharsets.UTF_8), RECORD.data())))
			.withMessageContaining("envelope format 2");
	}

	@Test
	void envelopeWithoutAHeaderIsRefused() {
		assertThatExceptionOfType(HandoffException.class)
			.isThrownBy(() -> Envelope.decode("no header".getBytes(StandardCharsets.UTF_8)))
			.withMessageContaining("not written by Handoff");
	}

	private static byte[] concat(byte[] header, byte[] payload) {
		byte[] envelope = new byte[header.length + 1 + payload.length];
		System.arraycopy(header, 0, envelope, 0, header.length);
		envelope[header.length] = '\n';
		System.arraycopy(payload, 0, envelope, header.length + 1, payload.length);
		return envelope;
	}

}
