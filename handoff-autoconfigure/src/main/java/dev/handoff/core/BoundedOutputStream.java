package dev.handoff.core;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A byte buffer that refuses to grow past a limit, so that serializing a state that is
 * too large stops early, with the heap it would have filled still free.
 */
final class BoundedOutputStream extends ByteArrayOutputStream {

	private final long limit;

	private boolean exceeded;

	BoundedOutputStream(long limit) {
		super(8192);
		this.limit = limit;
	}

	@Override
	public synchronized void write(int b) {
		ensure(1);
		super.write(b);
	}

	@Override
	public synchronized void write(byte[] b, int off, int len) {
		ensure(len);
		super.write(b, off, len);
	}

	private void ensure(int length) {
		if (this.count + (long) length > this.limit) {
			this.exceeded = true;
			// Free what was written at once: the caller is about to report the failure,
			// maybe short of heap.
			this.buf = new byte[0];
			throw new IllegalStateException("More than " + this.limit + " bytes");
		}
	}

	boolean exceeded() {
		return this.exceeded;
	}

	@Override
	public synchronized byte[] toByteArray() {
		// One copy, to the exact size, as ByteArrayOutputStream makes; the buffer is
		// dropped with this stream.
		return Arrays.copyOf(this.buf, this.count);
	}

}
