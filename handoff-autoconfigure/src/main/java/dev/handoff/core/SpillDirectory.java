package dev.handoff.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.security.RecordProtection;
import dev.handoff.security.RejectedRecordException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The directory ({@code handoff.spill.directory}) where the final handoff writes the
 * records it could not store in time, and from which the next instance that starts with
 * the same directory hands them off.
 * <p>
 * One file per record, named {@code <label>.<record id>.handoff}, holding the record in
 * its protected form (signed and encrypted as it would have been stored, when
 * {@code handoff.security} has keys): a line {@code handoff-spill 1}, a line of JSON
 * metadata ({@code id}, {@code label}, {@code version}, {@code origin},
 * {@code createdAt}, {@code headers}, {@code spilledAt}), the payload bytes, and a
 * SHA-256 of all that before it, so a truncated or damaged file is never taken for a
 * record. Each file is written to a temporary file in the same directory, forced to disk
 * and moved into place atomically, so a reader sees a whole file or none; files are
 * {@code rw-------} and a directory created here {@code rwx------} where the file system
 * is POSIX.
 * <p>
 * A spilled record is handed off through the store's normal initiate with its original
 * record id, so one that had reached the store after all is stored once. Its file is
 * deleted once the store has it (or knows its id, delivered or not); it stays while the
 * store cannot be reached or refuses it. A file that cannot be read or verified, or that
 * is older than the store remembers delivered record ids (handing it off then could
 * deliver it twice), is renamed to {@code <name>.rejected} with an ERROR that names it,
 * never deleted.
 */
final class SpillDirectory {

	static final String SUFFIX = ".handoff";

	static final String REJECTED = ".rejected";

	private static final Log logger = LogFactory.getLog(SpillDirectory.class);

	private static final byte[] MAGIC = "handoff-spill 1\n".getBytes(StandardCharsets.US_ASCII);

	private static final int DIGEST_BYTES = 32;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

	private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private final Path directory;

	private final RecordProtection protection;

	private final Duration maxAge;

	private final boolean posix;

	private final Clock clock = Clock.systemUTC();

	/** One hand-off pass at a time: at startup, then at each poll. */
	private final ReentrantLock handingOff = new ReentrantLock();

	/** The files last reported as waiting, so that each poll does not warn again. */
	private volatile List<Path> lastReported = List.of();

	private SpillDirectory(Path directory, RecordProtection protection, Duration maxAge) {
		this.directory = directory;
		this.protection = protection;
		this.maxAge = maxAge;
		this.posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
	}

	/**
	 * Opens the spill directory, creating it owner-only when it does not exist, and
	 * checks that this process can write files in it.
	 * @param directory the directory
	 * @param protection how records are signed and encrypted, to verify spilled ones
	 * @param maxAge how long the store remembers delivered record ids: an older spill is
	 * not handed off
	 * @return the spill directory
	 * @throws HandoffConfigurationException when it is not a directory, or not writable
	 */
	static SpillDirectory open(Path directory, RecordProtection protection, Duration maxAge) {
		Path absolute = directory.toAbsolutePath().normalize();
		SpillDirectory spill = new SpillDirectory(absolute, protection, maxAge);
		if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
			throw new HandoffConfigurationException("handoff.spill.directory '" + absolute + "' is not a directory.",
					"Set handoff.spill.directory to a directory this application may write, on storage that outlives "
							+ "the instance (a StatefulSet's persistent volume, or a directory of the host), or "
							+ "remove it to turn the spill off.");
		}
		try {
			if (!Files.isDirectory(absolute)) {
				if (spill.posix) {
					Files.createDirectories(absolute, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
				}
				else {
					Files.createDirectories(absolute);
				}
			}
			else if (spill.posix) {
				Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(absolute);
				if (!OWNER_ONLY_DIRECTORY.containsAll(permissions)) {
					logger.warn("handoff.spill.directory '" + absolute + "' is "
							+ PosixFilePermissions.toString(permissions) + "; Handoff writes its files there "
							+ "rw-------, but others may list or remove them. Make it rwx------.");
				}
			}
			Path probe = spill.createTemporary("probe");
			Files.delete(probe);
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			String user = System.getProperty("user.name");
			throw new HandoffConfigurationException(
					"handoff.spill.directory '" + absolute + "' is not a directory that this application (user '" + user
							+ "') can write files in: " + describe(ex) + ".",
					"Make it writable for that user (on Kubernetes, the pod's securityContext.fsGroup), or set "
							+ "handoff.spill.directory to another directory, or remove it to turn the spill off.");
		}
		return spill;
	}

	Path directory() {
		return this.directory;
	}

	/**
	 * Writes a record to its file, atomically: a temporary file in the same directory,
	 * forced to disk, then moved into place.
	 * @param record the record in its protected form, as it would be stored
	 * @return the file
	 * @throws IOException when it could not be written
	 */
	Path write(HandoffRecord<byte[]> record) throws IOException {
		return write(record, null);
	}

	/**
	 * Writes a record to its file, with the id of its instance's last checkpoint of the
	 * label, which handing the record off replaces ({@link HandoffStore#handOff}).
	 * @param record the record in its protected form, as it would be stored
	 * @param checkpoint the id of the instance's last checkpoint of the label, or null
	 * @return the file
	 * @throws IOException when it could not be written
	 */
	Path write(HandoffRecord<byte[]> record, @Nullable String checkpoint) throws IOException {
		Path file = this.directory.resolve(fileName(record));
		byte[] content = encode(record, checkpoint, this.clock.instant());
		Path temporary = createTemporary(file.getFileName().toString());
		try {
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
				ByteBuffer buffer = ByteBuffer.wrap(content);
				while (buffer.hasRemaining()) {
					channel.write(buffer);
				}
				channel.force(true);
			}
			Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			Files.deleteIfExists(temporary);
		}
		forceDirectory();
		return file;
	}

	/**
	 * Hands off the spilled records through the store's normal initiate, with their
	 * original record ids, deletes the file of each that the store has, and moves aside
	 * those that cannot be handed off at all. Returns at once when another pass runs.
	 * @param store the store
	 * @param timeout how long to wait for the store
	 * @return how many files are still waiting for the store
	 */
	int handOff(HandoffStore store, Duration timeout) {
		if (!this.handingOff.tryLock()) {
			return 0;
		}
		try {
			List<Spilled> spilled = read();
			if (spilled.isEmpty()) {
				this.lastReported = List.of();
				return 0;
			}
			List<HandoffStore.Initiated> results;
			try {
				results = handOff(store, spilled, timeout);
			}
			catch (RuntimeException ex) {
				results = spilled.stream()
					.map((file) -> new HandoffStore.Initiated(file.record().id(), HandoffStore.Outcome.UNKNOWN,
							describe(ex), true))
					.toList();
			}
			List<String> handedOff = new ArrayList<>();
			Map<Path, String> waiting = new LinkedHashMap<>();
			for (int i = 0; i < spilled.size(); i++) {
				Spilled file = spilled.get(i);
				HandoffStore.Initiated result = results.get(i);
				if (result.isStored()) {
					handedOff.add("label '" + file.record().label() + "' as record " + file.record().id() + " ("
							+ file.file().getFileName() + ")");
					delete(file.file());
				}
				else if (HandoffStore.LAPSED_CHECKPOINT.equals(result.problem())) {
					logger.error("Spilled handoff record " + file.record().id() + " of label '" + file.record().label()
							+ "' (" + file.file().getFileName() + ") was not handed off: " + result.problem()
							+ ". Requeue it from the dead letters once you have checked that merging it is safe. "
							+ "Its file is deleted.");
					delete(file.file());
				}
				else {
					// Refused (Redis out of memory, say): kept, as Redis may
					// take it later.
					waiting.put(file.file(), String.valueOf(result.problem()));
				}
			}
			if (!handedOff.isEmpty()) {
				logger.info("Handed off " + handedOff.size() + " spilled record(s) from " + this.directory + ": "
						+ String.join(", ", handedOff) + "; their files are deleted");
			}
			report(waiting);
			return waiting.size();
		}
		finally {
			this.handingOff.unlock();
		}
	}

	/**
	 * Hands off what the directory holds at startup, on a thread of its own, waiting at
	 * most the time given: a store that does not answer leaves the files for the next
	 * poll.
	 * @param store the store
	 * @param threads where the thread comes from
	 * @param timeout how long startup may wait
	 */
	void handOffAtStartup(HandoffStore store, ThreadFactory threads, Duration timeout) {
		Duration wait = timeout.isNegative() ? Duration.ZERO : timeout;
		CompletableFuture<Integer> handedOff = CompletableFuture.supplyAsync(() -> handOff(store, wait),
				(task) -> threads.newThread(task).start());
		try {
			handedOff.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			logger.warn("Could not hand off the records spilled to " + this.directory + ": " + ex.getCause()
					+ ". They are tried again at each handoff.poll-interval.", ex.getCause());
		}
		catch (TimeoutException ex) {
			logger.warn("The records spilled to " + this.directory + " were not handed off within "
					+ "handoff.startup-timeout (" + timeout + "); going on, and trying again at each "
					+ "handoff.poll-interval.");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Hands off what the directory holds at each interval, which also takes what another
	 * instance on the same directory spills later.
	 * @param executor where it runs
	 * @param store the store
	 * @param interval how often
	 * @param longest the longest one pass waits for the store (it waits at most the
	 * interval)
	 * @return the scheduled task, to cancel at shutdown
	 */
	ScheduledFuture<?> poll(ScheduledExecutorService executor, HandoffStore store, Duration interval,
			Duration longest) {
		Duration wait = (interval.compareTo(longest) < 0) ? interval : longest;
		return executor.scheduleWithFixedDelay(() -> {
			try {
				handOff(store, wait);
			}
			catch (RuntimeException ex) {
				// Thrown out of a scheduled task, it would end the task for good.
				logger.warn("Could not hand off the records spilled to " + this.directory + ": " + ex
						+ ". They are tried again at the next handoff.poll-interval.", ex);
			}
		}, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * Hands off spilled records as their instance's final handoff, so that each replaces
	 * the checkpoint its instance had of its label: one batch per origin.
	 */
	private static List<HandoffStore.Initiated> handOff(HandoffStore store, List<Spilled> spilled, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Map<String, List<Integer>> byOrigin = new LinkedHashMap<>();
		for (int i = 0; i < spilled.size(); i++) {
			byOrigin.computeIfAbsent(spilled.get(i).record().origin(), (origin) -> new ArrayList<>()).add(i);
		}
		HandoffStore.Initiated[] results = new HandoffStore.Initiated[spilled.size()];
		byOrigin.forEach((origin, positions) -> {
			List<HandoffRecord<byte[]>> records = new ArrayList<>();
			Map<String, String> checkpoints = new LinkedHashMap<>();
			for (int i : positions) {
				Spilled file = spilled.get(i);
				records.add(file.record());
				if (file.checkpoint() != null) {
					checkpoints.put(file.record().label(), file.checkpoint());
				}
			}
			Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
			List<HandoffStore.Initiated> handedOff = store.handOff(records, origin, checkpoints, remaining);
			for (int k = 0; k < positions.size(); k++) {
				results[positions.get(k)] = handedOff.get(k);
			}
		});
		return List.of(results);
	}

	private void report(Map<Path, String> waiting) {
		List<Path> files = List.copyOf(waiting.keySet());
		boolean changed = !files.equals(this.lastReported);
		this.lastReported = files;
		if (waiting.isEmpty()) {
			return;
		}
		String message = waiting.size() + " spilled record(s) in " + this.directory + " could not be handed off yet ("
				+ waiting.values().iterator().next() + "); their files "
				+ files.stream().map(Path::getFileName).toList() + " stay, and are tried again at each "
				+ "handoff.poll-interval and at the next start";
		if (changed) {
			logger.warn(message);
		}
		else {
			logger.debug(message);
		}
	}

	/**
	 * Reads every spill file, moving aside with an ERROR each that cannot be read or
	 * verified.
	 * @return the records that may be handed off, with their files
	 */
	List<Spilled> read() {
		List<Path> files = new ArrayList<>();
		try (DirectoryStream<Path> stream = Files.newDirectoryStream(this.directory, "*" + SUFFIX)) {
			for (Path file : stream) {
				if (Files.isRegularFile(file)) {
					files.add(file);
				}
			}
		}
		catch (IOException ex) {
			logger.warn("Could not list the spill directory " + this.directory + " (handoff.spill.directory): "
					+ describe(ex) + "; its files are tried again later");
			return List.of();
		}
		files.sort(null);
		List<Spilled> spilled = new ArrayList<>();
		for (Path file : files) {
			Spilled read = read(file);
			if (read != null) {
				spilled.add(read);
			}
		}
		return spilled;
	}

	private @Nullable Spilled read(Path file) {
		byte[] content;
		try {
			content = Files.readAllBytes(file);
		}
		catch (NoSuchFileException ex) {
			// Handed off and deleted by another instance on the same directory.
			return null;
		}
		catch (IOException ex) {
			logger.warn("Could not read the spill file " + file + ": " + describe(ex) + "; it is tried again later");
			return null;
		}
		Decoded decoded;
		try {
			decoded = decode(content);
		}
		catch (HandoffException ex) {
			reject(file, ex.getMessage() + "; it is damaged, or was not written by Handoff", "");
			return null;
		}
		HandoffRecord<byte[]> record = decoded.record();
		Instant now = this.clock.instant();
		if (Duration.between(record.createdAt(), now).compareTo(this.maxAge) > 0) {
			reject(file,
					"its record " + record.id() + " of label '" + record.label() + "' was handed off at "
							+ record.createdAt() + ", longer ago than the store remembers delivered records ("
							+ this.maxAge + "), so handing it off now could deliver it a second time",
					"");
			return null;
		}
		try {
			this.protection.verify(record, record.label(), now);
		}
		catch (RejectedRecordException ex) {
			reject(file,
					"its record " + record.id() + " of label '" + record.label() + "' does not verify: "
							+ ex.getMessage(),
					" If it is genuine, list the key that wrote it under handoff.security.keys.");
			return null;
		}
		catch (RuntimeException ex) {
			// For example a nonce that is not base64.
			reject(file, "its record " + record.id() + " of label '" + record.label() + "' does not verify: " + ex, "");
			return null;
		}
		return new Spilled(file, record, decoded.checkpoint());
	}

	private void reject(Path file, String why, String action) {
		Path aside = file.resolveSibling(file.getFileName() + REJECTED);
		try {
			Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
			logger.error("Spilled handoff file " + file + " cannot be handed off: " + why + ". It was moved aside to "
					+ aside + "; nothing of it was delivered." + action);
		}
		catch (NoSuchFileException ex) {
			// Moved aside or handed off by another instance on the same directory.
		}
		catch (IOException ex) {
			logger.error("Spilled handoff file " + file + " cannot be handed off: " + why + ", and could not be moved "
					+ "aside to " + aside + ": " + describe(ex) + "." + action);
		}
	}

	private void delete(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			logger.warn("Could not delete the spill file " + file + " after its record was handed off: " + describe(ex)
					+ ". Handing it off again stores nothing twice; delete it.");
		}
	}

	/**
	 * A temporary file in the directory, owner-only, that no reader takes for a spill.
	 */
	private Path createTemporary(String name) throws IOException {
		FileAttribute<?>[] attributes = this.posix
				? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE) }
				: new FileAttribute<?>[0];
		return Files.createTempFile(this.directory, "." + name + ".", ".tmp", attributes);
	}

	/** Makes the new directory entry durable too, where the platform can. */
	private void forceDirectory() {
		try (FileChannel channel = FileChannel.open(this.directory, StandardOpenOption.READ)) {
			channel.force(true);
		}
		catch (IOException | UnsupportedOperationException ex) {
			// Not every platform opens a directory; the file itself is forced.
		}
	}

	/**
	 * The file name of a record: its label and id, readable by an operator. A ':' of the
	 * id (not allowed in every file system) becomes '~', which an id cannot hold.
	 */
	static String fileName(HandoffRecord<?> record) {
		return record.label() + "." + record.id().replace(':', '~') + SUFFIX;
	}

	static byte[] encode(HandoffRecord<byte[]> record, @Nullable String checkpoint, Instant spilledAt) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(MAGIC.length + 256 + record.data().length);
		out.writeBytes(MAGIC);
		try (JsonGenerator generator = mapper.createGenerator(out)) {
			generator.writeStartObject();
			generator.writeStringProperty("id", record.id());
			generator.writeStringProperty("label", record.label());
			generator.writeNumberProperty("version", record.version());
			generator.writeStringProperty("origin", record.origin());
			generator.writeStringProperty("createdAt", record.createdAt().toString());
			generator.writeName("headers");
			generator.writeStartObject();
			for (Map.Entry<String, String> entry : record.headers().entrySet()) {
				generator.writeStringProperty(entry.getKey(), entry.getValue());
			}
			generator.writeEndObject();
			generator.writeStringProperty("spilledAt", spilledAt.toString());
			if (checkpoint != null) {
				generator.writeStringProperty("checkpoint", checkpoint);
			}
			generator.writeEndObject();
		}
		out.write('\n');
		out.writeBytes(record.data());
		byte[] content = out.toByteArray();
		byte[] file = Arrays.copyOf(content, content.length + DIGEST_BYTES);
		System.arraycopy(sha256(content, content.length), 0, file, content.length, DIGEST_BYTES);
		return file;
	}

	/**
	 * Reads a spill file's record, after checking its digest.
	 * @param content the file's bytes
	 * @return the record in its protected form, and the checkpoint it replaces
	 * @throws HandoffException when it is not a whole spill file of this format
	 */
	static Decoded decode(byte[] content) {
		if (content.length < MAGIC.length + DIGEST_BYTES
				|| !Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
			throw new HandoffException("it does not start with '"
					+ new String(MAGIC, 0, MAGIC.length - 1, StandardCharsets.US_ASCII) + "'");
		}
		int end = content.length - DIGEST_BYTES;
		if (!MessageDigest.isEqual(sha256(content, end), Arrays.copyOfRange(content, end, content.length))) {
			throw new HandoffException("its SHA-256 does not match its content (truncated or altered)");
		}
		int newline = -1;
		for (int i = MAGIC.length; i < end; i++) {
			if (content[i] == '\n') {
				newline = i;
				break;
			}
		}
		if (newline < 0) {
			throw new HandoffException("it has no metadata line");
		}
		String id = null;
		String label = null;
		String origin = null;
		Instant createdAt = null;
		int version = 0;
		String checkpoint = null;
		Map<String, String> headers = new LinkedHashMap<>();
		try (JsonParser parser = mapper.createParser(content, MAGIC.length, newline - MAGIC.length)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new HandoffException("its metadata is not a JSON object");
			}
			String name;
			while ((name = parser.nextName()) != null) {
				JsonToken value = parser.nextToken();
				switch (name) {
					case "id" -> id = parser.getString();
					case "label" -> label = parser.getString();
					case "version" -> version = parser.getIntValue();
					case "origin" -> origin = parser.getString();
					case "createdAt" -> createdAt = Instant.parse(parser.getString());
					case "headers" -> readHeaders(parser, value, headers);
					case "checkpoint" -> {
						checkpoint = (value == JsonToken.VALUE_STRING) ? parser.getString() : null;
						parser.skipChildren();
					}
					default -> parser.skipChildren();
				}
			}
		}
		catch (JacksonException | DateTimeParseException | NullPointerException ex) {
			// A field of the wrong type, such as a createdAt that is not a string.
			throw new HandoffException("its metadata cannot be read: " + ex);
		}
		if (id == null || label == null || origin == null || createdAt == null) {
			throw new HandoffException("its metadata has no id, label, origin or createdAt");
		}
		try {
			return new Decoded(new HandoffRecord<>(id, label, version, Arrays.copyOfRange(content, newline + 1, end),
					origin, createdAt, headers), checkpoint);
		}
		catch (IllegalArgumentException ex) {
			throw new HandoffException("its metadata is not valid: " + ex.getMessage());
		}
	}

	private static void readHeaders(JsonParser parser, JsonToken value, Map<String, String> headers) {
		if (value != JsonToken.START_OBJECT) {
			parser.skipChildren();
			return;
		}
		String name;
		while ((name = parser.nextName()) != null) {
			if (parser.nextToken() == JsonToken.VALUE_STRING) {
				headers.put(name, parser.getString());
			}
			else {
				parser.skipChildren();
			}
		}
	}

	private static byte[] sha256(byte[] content, int length) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(content, 0, length);
			return digest.digest();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

	private static String describe(Exception ex) {
		if (ex instanceof AccessDeniedException) {
			return "access denied (" + ex.getMessage() + ")";
		}
		return (ex.getMessage() != null) ? ex.getMessage() : ex.toString();
	}

	/**
	 * A spilled record and its file.
	 *
	 * @param file the file
	 * @param record the record in its protected form
	 * @param checkpoint the id of the checkpoint of its instance that the record
	 * replaces, or null
	 */
	record Spilled(Path file, HandoffRecord<byte[]> record, @Nullable String checkpoint) {
	}

	/**
	 * What a spill file holds.
	 *
	 * @param record the record in its protected form
	 * @param checkpoint the id of the checkpoint of its instance that the record
	 * replaces, or null
	 */
	record Decoded(HandoffRecord<byte[]> record, @Nullable String checkpoint) {
	}

}
