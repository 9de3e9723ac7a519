package dev.handoff.security;

import java.util.Map;

/**
 * How the chunks of one large record are protected in the store, as
 * {@link RecordProtection} makes them: each chunk is sealed on its own, bound to its
 * namespace, label, record id and index, so that the taker can check each one before it
 * parses it, and nobody can swap, reorder or move chunks unnoticed. The record's signed
 * headers name the number of chunks, so none can be dropped either.
 */
public interface ChunkSeal {

	/**
	 * Seals a chunk for the store.
	 * @param index the chunk's index, from 0
	 * @param chunk a buffer holding the chunk
	 * @param length the chunk's length, from the buffer's start
	 * @return the chunk as stored, a new array, so the buffer can be reused at once
	 */
	byte[] seal(int index, byte[] chunk, int length);

	/**
	 * Opens a chunk read from the store.
	 * @param index the chunk's index, from 0
	 * @param stored the chunk as stored
	 * @return the chunk in clear
	 * @throws RejectedRecordException when it was altered, moved or forged
	 */
	byte[] open(int index, byte[] stored);

	/**
	 * The headers the record needs to open its chunks again, signed with it: the base
	 * nonce, when chunks are encrypted.
	 * @return the headers, empty when there are none
	 */
	Map<String, String> headers();

}
