package dev.handoff.test.readme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The complete Java files that README.md shows, in "Use it in three steps" and "Test your
 * handoffs", are the files of this package as they are (but for the package line), so the
 * examples compile and {@link PageViewsHandoffTests} runs the user test the README shows.
 * Blocks without imports are fragments, and not checked.
 */
class ReadmeExamplesTests {

	private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);

	@Test
	void readmeShowsTheFilesOfThisPackage() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		List<String> files = new ArrayList<>();
		try (Stream<Path> sources = Files.list(Path.of("src/test/java/dev/handoff/test/readme"))) {
			for (Path source : sources.toList()) {
				files.add(Files.readString(source).replaceFirst("package [^;]+;\n\n", ""));
			}
		}
		List<String> blocks = new ArrayList<>();
		for (String section : List.of("## Use it in three steps", "## Test your handoffs")) {
			Matcher matcher = JAVA_BLOCK.matcher(section(readme, section));
			while (matcher.find()) {
				if (matcher.group(1).startsWith("import ")) {
					blocks.add(matcher.group(1));
				}
			}
		}
		assertThat(blocks).as("complete Java files in README.md").hasSize(2);
		assertThat(blocks).allSatisfy((block) -> assertThat(files).contains(block));
	}

	private static String section(String readme, String heading) {
		int start = readme.indexOf("\n" + heading + "\n");
		assertThat(start).as("README.md has a section '%s'", heading).isNotNegative();
		int end = readme.indexOf("\n## ", start + heading.length() + 1);
		return readme.substring(start, (end != -1) ? end : readme.length());
	}

}
