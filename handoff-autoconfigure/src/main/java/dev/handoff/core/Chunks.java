package dev.handoff.core;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.security.ChunkSeal;
import org.jspecify.annotations.Nullable;

/**
 * A large record's payload in the chunks of a {@linkplain HandoffStore#chunkSize() store
 * that takes them}: written chunk by chunk as the state is serialized, and read chunk by
 * chunk as it is parsed, so that neither side holds the whole payload, let alone twice.
 * Such a record's stored payload is empty; its signed headers name the number of chunks
 * and their total size in clear.
 */
final class Chunks {

	/** The header that names a large record's number of chunks. */
	static final String COUNT = "handoff-chunks";

	/** The header that names a large record's payload size in clear, in bytes. */
	static final String SIZE = "handoff-size";

	/** Where serialization starts, grown up to the chunk size as the state needs. */
	private static final int INITIAL_BUFFER = 8192;

	private Chunks() {
	}

	static boolean isChunked(HandoffRecord<?> record) {
		return record.headers().containsKey(COUNT);
	}

	/**
	 * The size of a record's payload: its data's, or the size a large record's header
	 * names.
	 * @param record the record
	 * @return the size in bytes
	 */
	static long payloadSize(HandoffRecord<byte[]> record) {
		if (!isChunked(record)) {
			return record.data().length;
		}
		try {
			return size(record);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/**
	 * The payload size a large record's header names.
	 * @param record the record
	 * @return the size in bytes
	 * @throws NumberFormatException when the header is not a number
	 */
	static long size(HandoffRecord<?> record) {
		return Long.parseLong(record.headers().getOrDefault(SIZE, "-1"));
	}

	/**
	 * A large record's headers: its chunks' count and size, and what its seal needs.
	 */
	static Map<String, String> headers(Output output, ChunkSeal seal) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put(COUNT, Integer.toString(output.chunks()));
		headers.put(SIZE, Long.toString(output.size()));
		headers.putAll(seal.headers());
		return headers;
	}

	/** Takes each full chunk: the store's write, sealed. */
	@FunctionalInterface
	interface Sink {

		/**
		 * For a store that takes whole payloads only: an output that never fills a chunk.
		 */
		Sink NONE = (index, buffer, length) -> {
			throw new IllegalStateException("This store takes whole payloads only");
		};

		/**
		 * Sends a chunk to the store; the buffer is reused once this returns.
		 * @param index the chunk's index, from 0
		 * @param buffer the buffer holding it
		 * @param length its length, from the buffer's start
		 * @return the write, to await
		 */
		HandoffStore.ChunkWrite write(int index, byte[] buffer, int length);

	}

	/**
	 * Where state is serialized: in memory while it fits one chunk, so a small state is
	 * one array as before; past that, each full chunk goes to the sink, and the buffer
	 * starts again. One chunk is on its way to the store while the next is written, and
	 * no more. Refuses to grow past a limit, so that a state that is too large stops
	 * early.
	 */
	static final class Output extends OutputStream {

		private final int chunkSize;

		private final long limit;

		private final Sink sink;

		private byte[] buffer = new byte[INITIAL_BUFFER];

		private int count;

		private long size;

		private int chunks;

		private boolean exceeded;

		private @Nullable RuntimeException failure;

		private HandoffStore.@Nullable ChunkWrite inFlight;

		Output(int chunkSize, long limit, Sink sink) {
			this.chunkSize = chunkSize;
			this.limit = limit;
			this.sink = sink;
		}

		@Override
		public void write(int b) {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) {
			if (this.size + length > this.limit) {
				this.exceeded = true;
				// Free what was written at once: the caller is about to report the
				// failure, maybe short of heap.
				this.buffer = new byte[0];
				throw new IllegalStateException("More than " + this.limit + " bytes");
			}
			int off = offset;
			int left = length;
			while (left > 0) {
				if (this.count == this.chunkSize) {
					flush(this.count);
				}
				int n = Math.min(left, this.chunkSize - this.count);
				if (this.count + n > this.buffer.length) {
					this.buffer = Arrays.copyOf(this.buffer,
							(int) Math.min(this.chunkSize, Math.max(this.buffer.length * 2L, this.count + n)));
				}
				System.arraycopy(bytes, off, this.buffer, this.count, n);
				this.count += n;
				off += n;
				left -= n;
			}
			this.size += length;
		}

		private void flush(int length) {
			try {
				awaitInFlight();
				this.inFlight = this.sink.write(this.chunks, this.buffer, length);
			}
			catch (RuntimeException ex) {
				this.failure = ex;
				throw ex;
			}
			this.chunks++;
			this.count = 0;
		}

		private void awaitInFlight() {
			HandoffStore.ChunkWrite previous = this.inFlight;
			this.inFlight = null;
			if (previous != null) {
				previous.await();
			}
		}

		/**
		 * Writes the last chunk, when the state took more than one, and waits until the
		 * store has every chunk.
		 * @throws RuntimeException when the store did not take one
		 */
		void finish() {
			if (this.chunks > 0 && this.count > 0) {
				flush(this.count);
			}
			try {
				awaitInFlight();
			}
			catch (RuntimeException ex) {
				this.failure = ex;
				throw ex;
			}
		}

		/**
		 * Waits for the chunk on its way, if any, whatever becomes of it: a write cut
		 * midway is then deleted after its last chunk arrived, not before.
		 */
		void settle() {
			try {
				awaitInFlight();
			}
			catch (RuntimeException ex) {
				this.failure = ex;
			}
		}

		/** Whether the state went to the store in chunks. */
		boolean isChunked() {
			return this.chunks > 0;
		}

		int chunks() {
			return this.chunks;
		}

		long size() {
			return this.size;
		}

		boolean exceeded() {
			return this.exceeded;
		}

		/** Why the store did not take a chunk, or null. */
		@Nullable RuntimeException failure() {
			return this.failure;
		}

		/** The serialized state, when it fit one chunk: one copy, to the exact size. */
		byte[] toByteArray() {
			return Arrays.copyOf(this.buffer, this.count);
		}

	}

	/**
	 * A large record's payload, read from the store one chunk at a time as the parser
	 * asks for it, each chunk opened (checked, and decrypted) before any of it is parsed.
	 */
	static final class Input extends InputStream {

		private final HandoffStore store;

		private final HandoffRecord<?> record;

		private final int count;

		private final long size;

		private final ChunkSeal seal;

		private byte[] chunk = new byte[0];

		private int position;

		private int next;

		private long read;

		private HandoffStore.@Nullable ChunkRead ahead;

		Input(HandoffStore store, HandoffRecord<?> record, ChunkSeal seal) {
			this.store = store;
			this.record = record;
			this.count = Integer.parseInt(record.headers().get(COUNT));
			this.size = size(record);
			this.seal = seal;
		}

		@Override
		public int read() {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] bytes, int offset, int length) {
			if (length == 0) {
				return 0;
			}
			while (this.position == this.chunk.length) {
				if (!advance()) {
					return -1;
				}
			}
			int n = Math.min(length, this.chunk.length - this.position);
			System.arraycopy(this.chunk, this.position, bytes, offset, n);
			this.position += n;
			return n;
		}

		private boolean advance() {
			if (this.next == this.count) {
				if (this.read != this.size) {
					throw new Unreadable("its " + this.count + " chunks hold " + this.read + " bytes, not the "
							+ this.size + " its header names");
				}
				return false;
			}
			// The next chunk is asked for before this one is parsed, and no further.
			HandoffStore.ChunkRead pending = (this.ahead != null) ? this.ahead
					: this.store.readChunk(this.record.label(), this.record.id(), this.next);
			this.ahead = (this.next + 1 < this.count)
					? this.store.readChunk(this.record.label(), this.record.id(), this.next + 1) : null;
			byte[] stored = pending.await();
			if (stored == null) {
				throw new Unreadable("its chunk " + this.next + " of " + this.count + " is not in the store");
			}
			this.chunk = this.seal.open(this.next, stored);
			this.position = 0;
			this.next++;
			this.read += this.chunk.length;
			if (this.read > this.size) {
				throw new Unreadable("its chunks hold more than the " + this.size + " bytes its header names");
			}
			return true;
		}

	}

	/**
	 * A large record whose chunks cannot make its payload: one is missing, or they do not
	 * add up to its size.
	 */
	static final class Unreadable extends HandoffException {

		private static final long serialVersionUID = 1L;

		Unreadable(String message) {
			super(message);
		}

	}

}
