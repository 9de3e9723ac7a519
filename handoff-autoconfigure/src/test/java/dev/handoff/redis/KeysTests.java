package dev.handoff.redis;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The names of a label's keys and channel, spelled out here and nowhere else in the
 * tests: every other test takes them from {@link Keys}. They are the protocol between the
 * versions of a rolling deploy, since the next version must find what this one wrote, so
 * changing one is a breaking change, and this test says so.
 */
class KeysTests {

	private final Keys keys = new Keys("shop", "cart");

	@Test
	void everyKeyOfALabelSharesItsHashTagUnderTheNamespace() {
		assertThat(this.keys.prefix()).isEqualTo("shop:handoff:{cart}:");
		assertThat(string(this.keys.pending())).isEqualTo("shop:handoff:{cart}:pending");
		assertThat(string(this.keys.claim("c1"))).isEqualTo("shop:handoff:{cart}:claim:c1");
		assertThat(string(this.keys.chunks("r1"))).isEqualTo("shop:handoff:{cart}:chunks:r1");
		assertThat(string(this.keys.report("c1"))).isEqualTo("shop:handoff:{cart}:report:c1");
		assertThat(string(this.keys.claims())).isEqualTo("shop:handoff:{cart}:claims");
		assertThat(string(this.keys.owner())).isEqualTo("shop:handoff:{cart}:owner");
		assertThat(string(this.keys.expiry())).isEqualTo("shop:handoff:{cart}:expiry");
		assertThat(string(this.keys.attempts())).isEqualTo("shop:handoff:{cart}:attempts");
		assertThat(string(this.keys.acked())).isEqualTo("shop:handoff:{cart}:acked");
		assertThat(string(this.keys.ackedBy())).isEqualTo("shop:handoff:{cart}:acked-by");
		assertThat(string(this.keys.released())).isEqualTo("shop:handoff:{cart}:released");
		assertThat(string(this.keys.releasedVersions())).isEqualTo("shop:handoff:{cart}:released-versions");
		assertThat(string(this.keys.dead())).isEqualTo("shop:handoff:{cart}:dead");
		assertThat(string(this.keys.deadExpiry())).isEqualTo("shop:handoff:{cart}:dead-expiry");
		assertThat(string(this.keys.deadReasons())).isEqualTo("shop:handoff:{cart}:dead-reasons");
	}

	@Test
	void notificationChannelOfALabelSharesItsHashTag() {
		assertThat(string(this.keys.channel())).isEqualTo("shop:handoff:{cart}:notify");
	}

	private static String string(byte[] name) {
		return new String(name, StandardCharsets.UTF_8);
	}

}
