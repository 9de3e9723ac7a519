package dev.handoff.redis;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Keeps the store's Lua scripts, which {@link Script} reads from the classpath, in a
 * GraalVM native image. Registered in {@code META-INF/spring/aot.factories}.
 */
final class RedisScriptsRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern("dev/handoff/redis/*.lua");
	}

}
