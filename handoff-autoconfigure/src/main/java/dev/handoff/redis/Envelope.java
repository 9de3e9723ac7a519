package dev.handoff.redis;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;

import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stored form of a record: one line of JSON metadata, a newline, then the payload bytes untouched.
 * <p>
 * Keeping the payload outside the header means it is never re-encoded, and a later format can add fields to the
 * header (a key id and a signature over the payload bytes) without breaking readers of format 1, which ignore fields
 * they do not know.
 */
final class Envelope {

	static final int FORMAT = 1;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private Envelope() {
	}

	static byte[] encode(HandoffRecord<byte[]> record) {
		Header header = new Header(FORMAT, record.id(), record.label(), record.version(), record.origin(),
				record.createdAt());
		byte[] json = mapper.writeValueAsBytes(header);
		ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 1 + record.data().length);
		out.writeBytes(json);
		out.write('\n');
		out.writeBytes(record.data());
		return out.toByteArray();
	}

	static HandoffRecord<byte[]> decode(byte[] envelope) {
		int newline = indexOf(envelope, (byte) '\n');
		if (newline < 0) {
			throw new HandoffException("Stored handoff record has no header line; it was not written by Handoff");
		}
		Header header;
		try {
			header = mapper.readValue(envelope, 0, newline, Header.class);
		}
		catch (JacksonException ex) {
			throw new HandoffException("Stored handoff record has an unreadable header", ex);
		}
		if (header.format() != FORMAT) {
			throw new HandoffException("Stored handoff record " + header.id() + " has envelope format "
					+ header.format() + "; this version of Handoff reads format " + FORMAT + " only");
		}
		byte[] payload = Arrays.copyOfRange(envelope, newline + 1, envelope.length);
		return new HandoffRecord<>(header.id(), header.label(), header.version(), payload, header.origin(),
				header.createdAt());
	}

	private static int indexOf(byte[] bytes, byte value) {
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == value) {
				return i;
			}
		}
		return -1;
	}

	record Header(int format, String id, String label, int version, String origin, Instant createdAt) {
	}

}
