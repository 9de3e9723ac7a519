package dev.handoff.autoconfigure;

import java.util.List;
import java.util.Map;

import dev.handoff.Handoff;
import dev.handoff.HandoffParticipant;
import dev.handoff.HandoffRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints a GraalVM native image needs, as Spring AOT finds them through
 * {@code META-INF/spring/aot.factories}: the store's Lua scripts, and the state type of
 * each participant, generics included.
 */
class HandoffRuntimeHintsTests {

	@Test
	void theStoresScriptsAreResources() {
		RuntimeHints hints = new RuntimeHints();
		AotServices.factories()
			.load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));
		for (String script : List.of("initiate", "claim", "acknowledge", "release", "renew", "dead-letter", "locate",
				"inspect", "list", "requeue", "delete-dead-letter")) {
			assertThat(RuntimeHintsPredicates.resource().forResource("dev/handoff/redis/" + script + ".lua"))
				.accepts(hints);
		}
	}

	@Test
	void eachParticipantsStateTypeIsBoundByReflection() {
		GenericApplicationContext context = new GenericApplicationContext();
		context.registerBean("windows", WindowsParticipant.class);
		context.registerBean("plain", StringBuilder.class);
		DefaultGenerationContext generation = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get("com.example", "TestApplication")), new InMemoryGeneratedFiles());
		new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
		RuntimeHints hints = generation.getRuntimeHints();
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(Window.class)
			.withMemberCategories(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Window.class, "hits")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(Window.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(Bucket.class)).accepts(hints);
	}

	record Bucket(long from, long count) {
	}

	record Window(String key, long hits, List<Bucket> buckets) {
	}

	@Handoff("windows")
	static class WindowsParticipant implements HandoffParticipant<Map<String, Window>> {

		@Override
		public @Nullable Map<String, Window> handoffState() {
			return null;
		}

		@Override
		public void receiveHandoff(List<HandoffRecord<Map<String, Window>>> handoffs) {
		}

	}

}
