package dev.handoff.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One of the store's Lua scripts, read from its {@code .lua} resource and hashed once,
 * when the class loads, so that nothing is re-read or re-hashed per call.
 *
 * @param name the resource name, for messages
 * @param body the script's source
 * @param sha1 the SHA-1 of the source in lower-case hex, as {@code EVALSHA} expects it
 * @param output the shape of the script's reply
 */
// Arrays, as the client takes them: built once and never copied, compared or handed out.
@SuppressWarnings("ArrayRecordComponent")
record Script(String name, byte[] body, String sha1, Output output) {

	static final Script INITIATE = load("initiate.lua", Output.INTEGER, "checkpoints.lua");

	static final Script CLAIM = load("claim.lua", Output.MULTI);

	static final Script ACKNOWLEDGE = load("acknowledge.lua", Output.MULTI, "checkpoints.lua");

	static final Script CHECKPOINT = load("checkpoint.lua", Output.INTEGER, "checkpoints.lua");

	static final Script RELEASE = load("release.lua", Output.INTEGER);

	static final Script RENEW = load("renew.lua", Output.INTEGER);

	static final Script DEAD_LETTER = load("dead-letter.lua", Output.INTEGER);

	static final Script LOCATE = load("locate.lua", Output.VALUE);

	static final Script INSPECT = load("inspect.lua", Output.MULTI);

	static final Script LIST = load("list.lua", Output.MULTI);

	static final Script REQUEUE = load("requeue.lua", Output.INTEGER);

	static final Script DELETE_DEAD_LETTER = load("delete-dead-letter.lua", Output.INTEGER);

	static final Script WRITE_CHUNK = load("write-chunk.lua", Output.INTEGER);

	static final Script READ_CHUNK = load("read-chunk.lua", Output.VALUE);

	static final Script DELETE_CHUNKS = load("delete-chunks.lua", Output.INTEGER);

	/** The shape of a script's reply. */
	enum Output {

		/** An integer, read as a {@code Long}. */
		INTEGER,

		/** A bulk string, read as {@code byte[]}. */
		VALUE,

		/** Nested arrays of bulk strings ({@code byte[]}) and integers ({@code Long}). */
		MULTI

	}

	/**
	 * Loads a script, after the functions it shares with other scripts: Redis runs each
	 * script on its own, so what they share is put before each body.
	 */
	private static Script load(String name, Output output, String... shared) {
		try {
			ByteArrayOutputStream source = new ByteArrayOutputStream();
			for (String functions : shared) {
				source.write(read(functions));
				source.write('\n');
			}
			source.write(read(name));
			byte[] body = source.toByteArray();
			String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
			return new Script(name, body, sha1, output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read Handoff's script " + name, ex);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] read(String name) throws IOException {
		try (InputStream in = Script.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Handoff's script " + name + " is missing from the classpath");
			}
			return in.readAllBytes();
		}
	}

	@Override
	public String toString() {
		return this.name + " (sha1 " + this.sha1 + ")";
	}

}
