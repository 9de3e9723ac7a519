package dev.handoff.redis;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stored form of a record: one line of JSON metadata, a newline, then the payload
 * bytes untouched.
 * <p>
 * Keeping the payload outside the header means it is never re-encoded, and a later format
 * can add fields to the header (a key id and a signature over the payload bytes) without
 * breaking readers of format 1, which ignore fields they do not know. The header's
 * fields: {@code format}, {@code id}, {@code label}, {@code version}, {@code origin},
 * {@code createdAt}, and {@code headers}, an object of string values (the trace context),
 * left out when empty.
 */
final class Envelope {

	static final int FORMAT = 1;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private Envelope() {
	}

	/**
	 * Writes a record's envelope: the header through Jackson's streaming generator (no
	 * data binding), then the payload with a single copy into an array of the exact size.
	 * @param record the record
	 * @return the envelope
	 */
	static byte[] encode(HandoffRecord<byte[]> record) {
		ByteArrayOutputStream header = new ByteArrayOutputStream(160);
		try (JsonGenerator generator = mapper.createGenerator(header)) {
			generator.writeStartObject();
			generator.writeNumberProperty("format", FORMAT);
			generator.writeStringProperty("id", record.id());
			generator.writeStringProperty("label", record.label());
			generator.writeNumberProperty("version", record.version());
			generator.writeStringProperty("origin", record.origin());
			generator.writeStringProperty("createdAt", record.createdAt().toString());
			if (!record.headers().isEmpty()) {
				generator.writeName("headers");
				generator.writeStartObject();
				for (Map.Entry<String, String> entry : record.headers().entrySet()) {
					generator.writeStringProperty(entry.getKey(), entry.getValue());
				}
				generator.writeEndObject();
			}
			generator.writeEndObject();
		}
		byte[] payload = record.data();
		byte[] envelope = new byte[header.size() + 1 + payload.length];
		byte[] json = header.toByteArray();
		System.arraycopy(json, 0, envelope, 0, json.length);
		envelope[json.length] = '\n';
		System.arraycopy(payload, 0, envelope, json.length + 1, payload.length);
		return envelope;
	}

	/**
	 * Reads a record from its envelope, the header with Jackson's streaming parser.
	 * Fields a later format adds are skipped.
	 * @param envelope the envelope
	 * @return the record, its data the payload bytes
	 * @throws HandoffException when the envelope was not written by Handoff or by a
	 * format this version reads
	 */
	static HandoffRecord<byte[]> decode(byte[] envelope) {
		int newline = indexOf(envelope, (byte) '\n');
		if (newline < 0) {
			throw new HandoffException("Stored handoff record has no header line; it was not written by Handoff");
		}
		Header header = readHeader(envelope, newline);
		if (header.format() != FORMAT) {
			throw new HandoffException("Stored handoff record " + header.id() + " has envelope format "
					+ header.format() + "; this version of Handoff reads format " + FORMAT + " only");
		}
		byte[] payload = Arrays.copyOfRange(envelope, newline + 1, envelope.length);
		return new HandoffRecord<>(header.id(), header.label(), header.version(), payload, header.origin(),
				header.createdAt(), header.headers());
	}

	/**
	 * Reads an envelope's header line alone, as {@code list.lua} returns it.
	 * @param header the header line
	 * @return the header
	 * @throws HandoffException when it was not written by Handoff
	 */
	static Header header(byte[] header) {
		return readHeader(header, header.length);
	}

	private static Header readHeader(byte[] envelope, int length) {
		int format = 0;
		int version = 0;
		String id = null;
		String label = null;
		String origin = null;
		Instant createdAt = null;
		Map<String, String> headers = Map.of();
		try (JsonParser parser = mapper.createParser(envelope, 0, length)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new HandoffException("Stored handoff record has a header that is not a JSON object");
			}
			String name;
			while ((name = parser.nextName()) != null) {
				JsonToken value = parser.nextToken();
				switch (name) {
					case "format" -> format = parser.getIntValue();
					case "version" -> version = parser.getIntValue();
					case "id" -> id = parser.getString();
					case "label" -> label = parser.getString();
					case "origin" -> origin = parser.getString();
					case "createdAt" -> createdAt = (value == JsonToken.VALUE_STRING)
							? Instant.parse(parser.getString()) : Instant.ofEpochMilli(parser.getLongValue());
					case "headers" -> headers = readHeaders(parser, value);
					default -> parser.skipChildren();
				}
			}
		}
		catch (JacksonException | DateTimeParseException ex) {
			throw new HandoffException("Stored handoff record has an unreadable header", ex);
		}
		if (id == null || label == null || origin == null || createdAt == null) {
			throw new HandoffException("Stored handoff record has a header without id, label, origin or createdAt");
		}
		return new Header(format, id, label, version, origin, createdAt, headers);
	}

	private static Map<String, String> readHeaders(JsonParser parser, JsonToken value) {
		if (value != JsonToken.START_OBJECT) {
			parser.skipChildren();
			return Map.of();
		}
		Map<String, String> headers = new LinkedHashMap<>();
		String name;
		while ((name = parser.nextName()) != null) {
			if (parser.nextToken() == JsonToken.VALUE_STRING) {
				headers.put(name, parser.getString());
			}
			else {
				parser.skipChildren();
			}
		}
		return headers;
	}

	private static int indexOf(byte[] bytes, byte value) {
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == value) {
				return i;
			}
		}
		return -1;
	}

	record Header(int format, String id, String label, int version, String origin, Instant createdAt,
			Map<String, String> headers) {
	}

}
