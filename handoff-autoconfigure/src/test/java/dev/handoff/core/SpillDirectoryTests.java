package dev.handoff.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.redis.RedisHandoffStore;
import dev.handoff.security.RecordProtection;
import dev.handoff.test.RedisExtension;
import dev.handoff.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SpillDirectory}: the file round trip, what is moved aside, and the
 * hand-off of spilled records to a real Redis.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpillDirectoryTests {

	private static final String KEY = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ==";

	private static final String OTHER_KEY = "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMTIzNA==";

	private static final Duration RETENTION = Duration.ofHours(1);

	@RegisterExtension
	static final RedisExtension redis = new RedisExtension();

	@TempDir
	Path temporary;

	private final String namespace = "spill-" + UUID.randomUUID().toString().substring(0, 8);

	private final RecordProtection protection = RecordProtection.of(this.namespace, Map.of("k1", KEY), "k1", true, true,
			RETENTION);

	private RedisHandoffStore store;

	@BeforeEach
	void createStore() {
		this.store = new RedisHandoffStore(redis.connectionFactory(), this.namespace,
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));
	}

	@AfterEach
	void destroyStore() {
		this.store.destroy();
	}

	@Test
	void spilledRecordIsReadBackInItsProtectedFormAndVerifiesWithTheKey() throws IOException {
		Path directory = this.temporary.resolve("spill");
		SpillDirectory spill = SpillDirectory.open(directory, this.protection, RETENTION);
		HandoffRecord<byte[]> protectedRecord = this.protection.protect(record("counters"));

		Path file = spill.write(protectedRecord);

		assertThat(file).hasParent(directory).hasFileName("counters." + protectedRecord.id() + ".handoff");
		assertThat(Files.getPosixFilePermissions(directory)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
		assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
		// Encrypted on disk: the state is nowhere in clear text.
		assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).doesNotContain("alice");
		// Nothing but the file: the temporary one was moved into place.
		try (var files = Files.list(directory)) {
			assertThat(files).containsExactly(file);
		}
		List<SpillDirectory.Spilled> spilled = spill.read();
		assertThat(spilled).singleElement().satisfies((read) -> {
			assertThat(read.file()).isEqualTo(file);
			assertThat(read.record()).usingRecursiveComparison().isEqualTo(protectedRecord);
			HandoffRecord<byte[]> clear = this.protection.verify(read.record(), "counters", Instant.now());
			assertThat(new String(clear.data(), StandardCharsets.UTF_8)).isEqualTo("{\"alice\":3}");
		});
	}

	@Test
	void fileOfAnotherKeyIsMovedAsideWithAnErrorThatNamesIt(CapturedOutput output) throws IOException {
		Path file = SpillDirectory.open(this.temporary, this.protection, RETENTION)
			.write(this.protection.protect(record("counters")));
		RecordProtection other = RecordProtection.of(this.namespace, Map.of("k1", OTHER_KEY), "k1", true, true,
				RETENTION);

		assertThat(SpillDirectory.open(this.temporary, other, RETENTION).read()).isEmpty();

		assertThat(file).doesNotExist();
		assertThat(Path.of(file + ".rejected")).exists();
		assertThat(output).containsPattern("ERROR .*Spilled handoff file " + file + " cannot be handed off: .*"
				+ "does not verify: .*signature does not match.*moved aside to " + file + ".rejected");
	}

	@Test
	void damagedTruncatedOrForeignFilesAreMovedAsideNeverDeleted(CapturedOutput output) throws Exception {
		SpillDirectory spill = SpillDirectory.open(this.temporary, this.protection, RETENTION);
		Path damaged = spill.write(this.protection.protect(record("damaged")));
		byte[] bytes = Files.readAllBytes(damaged);
		bytes[bytes.length / 2] ^= 1;
		Files.write(damaged, bytes);
		Path truncated = spill.write(this.protection.protect(record("truncated")));
		byte[] whole = Files.readAllBytes(truncated);
		Files.write(truncated, Arrays.copyOf(whole, whole.length - 10));
		Path foreign = Files.writeString(this.temporary.resolve("notes.handoff"), "{\"not\":\"handoff\"}");
		// Whole, with a matching digest, but a createdAt that is not a time.
		byte[] content = ("handoff-spill 1\n{\"id\":\"x\",\"label\":\"l\",\"origin\":\"o\",\"createdAt\":5}\n{}")
			.getBytes(StandardCharsets.UTF_8);
		Path malformed = this.temporary.resolve("malformed.handoff");
		Files.write(malformed, content);
		Files.write(malformed, MessageDigest.getInstance("SHA-256").digest(content), StandardOpenOption.APPEND);

		assertThat(spill.read()).isEmpty();

		for (Path file : List.of(damaged, truncated, foreign, malformed)) {
			assertThat(file).doesNotExist();
			assertThat(Path.of(file + ".rejected")).exists();
			assertThat(output).containsPattern("ERROR .*Spilled handoff file " + file + " cannot be handed off");
		}
		assertThat(output).contains("its SHA-256 does not match its content")
			.contains("it does not start with 'handoff-spill 1'")
			.contains("its metadata cannot be read");
	}

	@Test
	void spillOlderThanTheStoreRemembersDeliveredRecordsIsMovedAside(CapturedOutput output) throws IOException {
		SpillDirectory spill = SpillDirectory.open(this.temporary, RecordProtection.none(), RETENTION);
		HandoffRecord<byte[]> old = new HandoffRecord<>(UUID.randomUUID().toString(), "counters", 1,
				"{}".getBytes(StandardCharsets.UTF_8), "old", Instant.now().minus(RETENTION).minusSeconds(60));
		Path file = spill.write(old);

		assertThat(spill.read()).isEmpty();

		assertThat(Path.of(file + ".rejected")).exists();
		assertThat(output).contains("could deliver it a second time");
	}

	@Test
	void spilledRecordsAreHandedOffOnceWithTheirIdsAndTheirFilesDeleted() throws IOException {
		SpillDirectory spill = SpillDirectory.open(this.temporary, this.protection, RETENTION);
		HandoffRecord<byte[]> landed = this.protection.protect(record("counters"));
		HandoffRecord<byte[]> notLanded = this.protection.protect(record("counters"));
		// The first had reached Redis before the spill, and was delivered already.
		assertThat(this.store.initiate(landed).isStored()).isTrue();
		HandoffClaim first = this.store.claim("counters", "taker");
		assertThat(this.store.acknowledge(first, List.of(landed.id()))).isOne();
		Path landedFile = spill.write(landed);
		Path notLandedFile = spill.write(notLanded);

		assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isZero();

		assertThat(landedFile).doesNotExist();
		assertThat(notLandedFile).doesNotExist();
		HandoffClaim claim = this.store.claim("counters", "taker");
		assertThat(claim.deliveries()).singleElement()
			.satisfies((delivery) -> assertThat(delivery.record().id()).isEqualTo(notLanded.id()));
		// Handing the same record off again stores nothing twice.
		spill.write(notLanded);
		assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isZero();
		assertThat(this.store.acknowledge(claim, List.of(notLanded.id()))).isOne();
		assertThat(this.store.claim("counters", "taker").isEmpty()).isTrue();
	}

	@Test
	void spilledRecordReplacesTheCheckpointItsInstanceHadAndIsDeadLetteredWhenThatCheckpointWasClaimed()
			throws IOException, InterruptedException {
		SpillDirectory spill = SpillDirectory.open(this.temporary, this.protection, RETENTION);
		Duration lease = Duration.ofMillis(300);
		HandoffRecord<byte[]> kept = this.protection.protect(record("counters"));
		HandoffRecord<byte[]> claimed = this.protection.protect(record("presence"));
		this.store.checkpoint(List.of(new HandoffStore.Checkpoint(kept.origin(), "counters", kept, null, lease),
				new HandoffStore.Checkpoint(claimed.origin(), "presence", claimed, null, lease)));
		Thread.sleep(lease.multipliedBy(2).toMillis());
		// Another instance claims one lapsed checkpoint before the spill is handed off.
		assertThat(this.store.claim("presence", "taker").deliveries()).hasSize(1);
		HandoffRecord<byte[]> counters = this.protection.protect(record("counters"));
		HandoffRecord<byte[]> presence = this.protection.protect(record("presence"));
		Path countersFile = spill.write(counters, kept.id());
		Path presenceFile = spill.write(presence, claimed.id());

		assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isZero();

		assertThat(countersFile).doesNotExist();
		assertThat(presenceFile).doesNotExist();
		assertThat(this.store.claim("counters", "taker").deliveries()).singleElement()
			.satisfies((delivery) -> assertThat(delivery.record().id()).isEqualTo(counters.id()));
		assertThat(this.store.claim("presence", "taker").isEmpty()).isTrue();
		assertThat(this.store.list("presence", 10)).anySatisfy((stored) -> {
			assertThat(stored.id()).isEqualTo(presence.id());
			assertThat(stored.where()).isEqualTo(HandoffStore.Where.DEAD_LETTERED);
		});
	}

	@Test
	void filesStayWhileRedisCannotBeReached() throws IOException {
		SpillDirectory spill = SpillDirectory.open(this.temporary, this.protection, RETENTION);
		Path file = spill.write(this.protection.protect(record("counters")));
		LettuceConnectionFactory unreachable = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", RedisServerProcess.freePort()),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
		unreachable.afterPropertiesSet();
		unreachable.start();
		RedisHandoffStore away = new RedisHandoffStore(unreachable, this.namespace,
				new HandoffStore.Policy(Duration.ofHours(1), Duration.ofSeconds(30), 5, Duration.ofDays(1)));
		try {
			assertThat(spill.handOff(away, Duration.ofSeconds(1))).isOne();
			assertThat(file).exists();
		}
		finally {
			away.destroy();
			unreachable.destroy();
		}
		assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isZero();
		assertThat(file).doesNotExist();
		assertThat(this.store.claim("counters", "taker").deliveries()).hasSize(1);
	}

	@Test
	void fileStaysWhileRedisRefusesItAndIsHandedOffOnceRedisTakesIt() throws IOException {
		SpillDirectory spill = SpillDirectory.open(this.temporary, this.protection, RETENTION);
		Path file = spill.write(this.protection.protect(record("counters")));
		redis.server().command("CONFIG", "SET", "maxmemory", "1");
		try {
			assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isOne();
			assertThat(file).exists();
			assertThat(Path.of(file + ".rejected")).doesNotExist();
		}
		finally {
			redis.server().command("CONFIG", "SET", "maxmemory", "0");
		}
		assertThat(spill.handOff(this.store, Duration.ofSeconds(5))).isZero();
		assertThat(file).doesNotExist();
		assertThat(this.store.claim("counters", "taker").deliveries()).hasSize(1);
	}

	@Test
	void directoryThatIsAFileFailsWithWhatToChange() throws IOException {
		Path file = Files.writeString(this.temporary.resolve("file"), "");
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(() -> SpillDirectory.open(file, this.protection, RETENTION))
			.satisfies((ex) -> {
				assertThat(ex.getProblem()).isEqualTo("handoff.spill.directory '" + file + "' is not a directory.");
				assertThat(ex.getAction()).contains("Set handoff.spill.directory to a directory");
			});
		assertThatExceptionOfType(HandoffConfigurationException.class)
			.isThrownBy(() -> SpillDirectory.open(file.resolve("below"), this.protection, RETENTION))
			.satisfies((ex) -> {
				assertThat(ex.getProblem()).startsWith("handoff.spill.directory '" + file.resolve("below")
						+ "' is not a directory that this application (user '");
				assertThat(ex.getAction()).contains("Make it writable");
			});
	}

	private static HandoffRecord<byte[]> record(String label) {
		return new HandoffRecord<>(UUID.randomUUID().toString(), label, 1,
				"{\"alice\":3}".getBytes(StandardCharsets.UTF_8), "old", Instant.now(),
				Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
	}

}
