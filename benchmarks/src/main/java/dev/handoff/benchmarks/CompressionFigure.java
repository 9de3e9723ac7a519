package dev.handoff.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Figure 11, whether compressing the payload would pay on this machine: a
 * {@code Map<String, Long>} of 400 000 entries written to Redis, read back and parsed, as
 * it is against compressed with DEFLATE at its fastest level first and inflated after.
 * Both go through one raw connection, so the figure is the compression's cost against the
 * transfer it saves, without Handoff's protocol on either side.
 */
final class CompressionFigure {

	private static final TypeReference<Map<String, Long>> MAP_TYPE = new TypeReference<>() {
	};

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private static final byte[] KEY = RawLettuce.bytes("f11:{compression}:payload");

	private CompressionFigure() {
	}

	/**
	 * Stores, reads back and parses the JSON as it is.
	 * @return the nanoseconds from the write to the parsed map
	 */
	static long plain(RawLettuce raw, byte[] json) {
		long start = System.nanoTime();
		raw.sync().set(KEY, json);
		Map<String, Long> read = mapper.readValue(raw.sync().get(KEY), MAP_TYPE);
		long elapsed = System.nanoTime() - start;
		check(read);
		return elapsed;
	}

	/**
	 * Compresses, stores, reads back, inflates and parses the JSON.
	 * @return the nanoseconds from the compression to the parsed map
	 */
	static long compressed(RawLettuce raw, byte[] json) {
		long start = System.nanoTime();
		raw.sync().set(KEY, deflate(json));
		Map<String, Long> read;
		try (InputStream in = new InflaterInputStream(new ByteArrayInputStream(raw.sync().get(KEY)))) {
			read = mapper.readValue(in, MAP_TYPE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		long elapsed = System.nanoTime() - start;
		check(read);
		return elapsed;
	}

	static byte[] deflate(byte[] json) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 3);
		Deflater deflater = new Deflater(Deflater.BEST_SPEED);
		try (DeflaterOutputStream stream = new DeflaterOutputStream(out, deflater, 64 * 1024)) {
			stream.write(json);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			deflater.end();
		}
		return out.toByteArray();
	}

	private static void check(Map<String, Long> read) {
		if (read.size() != ReadFigures.MAP_ENTRIES) {
			throw new IllegalStateException("Read " + read.size() + " entries");
		}
	}

}
