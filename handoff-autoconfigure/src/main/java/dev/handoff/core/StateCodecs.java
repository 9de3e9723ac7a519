package dev.handoff.core;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.NativeDetector;

/**
 * The {@link StateCodec codecs} of the state types one template writes and reads, each
 * built the first time its type is asked for, or ahead of it by {@link #prepare}; and the
 * copy of the template's mapper that reads types whose keys are data, derived once one is
 * met.
 */
final class StateCodecs {

	/**
	 * State types are few, each declared in code; a caller of complete that makes up
	 * types gets fresh codecs.
	 */
	private static final int MAX_CACHED = 1000;

	private final JsonMapper mapper;

	private final Map<JavaType, StateCodec> codecs = new ConcurrentHashMap<>();

	private final Object monitor = new Object();

	private @Nullable JsonMapper keysAsData;

	StateCodecs(JsonMapper mapper) {
		this.mapper = mapper;
	}

	/**
	 * Returns the codec of a type, built the first time it is asked for; a caller that
	 * asks while another builds it waits for that one.
	 * @param type the state type
	 * @return the codec
	 */
	StateCodec get(JavaType type) {
		StateCodec codec = this.codecs.get(type);
		if (codec != null) {
			return codec;
		}
		if (this.codecs.size() >= MAX_CACHED) {
			return StateCodec.of(type, this.mapper, this::keysAsData);
		}
		return this.codecs.computeIfAbsent(type, (key) -> StateCodec.of(key, this.mapper, this::keysAsData));
	}

	/**
	 * Builds the codecs of types ahead of their first handoff, then runs Jackson once
	 * through each mapper in use and reads the empty value of each container type, so
	 * that the first handoff does not pay for what a first write and read initializes
	 * ({@link StateCodec#warmUp(JsonMapper)}). Nothing is stored, and no participant is
	 * called. In a native image, which has nothing to warm up, only the codecs are built.
	 * @param types the state types
	 */
	void prepare(Collection<JavaType> types) {
		types.forEach(this::get);
		if (NativeDetector.inNativeImage()) {
			return;
		}
		StateCodec.warmUp(this.mapper);
		JsonMapper keysAsData;
		synchronized (this.monitor) {
			keysAsData = this.keysAsData;
		}
		if (keysAsData != null && keysAsData != this.mapper) {
			StateCodec.warmUp(keysAsData);
		}
		types.forEach((type) -> get(type).warmUp());
	}

	/**
	 * The mapper that reads types whose object keys are data, derived from the mapper
	 * once it is needed.
	 */
	private JsonMapper keysAsData() {
		synchronized (this.monitor) {
			JsonMapper keysAsData = this.keysAsData;
			if (keysAsData == null) {
				keysAsData = StateCodec.withoutCanonicalizing(this.mapper);
				this.keysAsData = keysAsData;
			}
			return keysAsData;
		}
	}

}
