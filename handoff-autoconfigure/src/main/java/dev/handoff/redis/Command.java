package dev.handoff.redis;

/**
 * A command the store sends. All of one operation's commands address keys of one label,
 * so on Redis Cluster the client routes them, by their first key, to the node that owns
 * the label's slot.
 */
// Arrays, as the client takes them: built once and never copied, compared or handed out.
@SuppressWarnings("ArrayRecordComponent")
sealed interface Command {

	/**
	 * {@code EVALSHA} of a script, or {@code EVAL} with its body after Redis answered
	 * {@code NOSCRIPT}.
	 *
	 * @param script the script
	 * @param keys its keys
	 * @param args its arguments
	 * @param sendBody whether to send the body ({@code EVAL}) rather than the hash
	 * ({@code EVALSHA})
	 */
	record Eval(Script script, byte[][] keys, byte[][] args, boolean sendBody) implements Command {

		Eval withBody() {
			return new Eval(this.script, this.keys, this.args, true);
		}

	}

	/**
	 * {@code HGETALL}.
	 *
	 * @param key the hash
	 */
	record HashGetAll(byte[] key) implements Command {
	}

	/**
	 * {@code WAIT numreplicas timeout} or {@code WAITAOF numlocal numreplicas timeout}:
	 * keyless, so it is only sent after the writes it waits for, on their connection
	 * ({@link SpringDataCommandRunner}).
	 *
	 * @param name {@code WAIT} or {@code WAITAOF}
	 * @param args its arguments
	 */
	record Wait(String name, byte[][] args) implements Command {
	}

}
