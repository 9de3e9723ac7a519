package dev.handoff.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import dev.handoff.observation.HandoffObservation;
import dev.handoff.security.ChunkSeal;
import dev.handoff.security.RecordProtection;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.TypeFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;
import org.springframework.util.unit.DataSize;

/**
 * The default {@link HandoffOperations}: serializes state as JSON with Jackson, without
 * type information, and keeps it in a {@link HandoffStore}. The Jackson writer and reader
 * of each state type are built once: a participant's at startup, off its path
 * ({@link HandoffLifecycle}), any other when it is first met. A type whose JSON object
 * keys are data rather than property names, such as a large map's, is read without
 * canonicalizing property names, through a copy of the mapper that is otherwise the same
 * ({@link StateCodec}).
 */
public class HandoffTemplate implements HandoffOperations, DisposableBean {

	private static final Log logger = LogFactory.getLog(HandoffTemplate.class);

	private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._-]{1,200}");

	private static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

	/**
	 * The label and record id of the record that {@link #prepare} observes, which is
	 * never stored.
	 */
	private static final String WARM_UP_LABEL = "handoff.warm-up";

	/**
	 * A serialization whose chunks the store may take as long as it waits for any write.
	 */
	private static final long NO_DEADLINE = Long.MIN_VALUE;

	/**
	 * The wait for a chunk without a deadline: longer than any store waits for a write.
	 */
	private static final Duration NO_TIMEOUT = Duration.ofDays(1);

	private static final HandoffStore.Policy DEFAULT_POLICY = new HandoffStore.Policy(Duration.ofHours(1),
			Duration.ofSeconds(30), 5, Duration.ofDays(7));

	private final HandoffStore store;

	private final JsonMapper mapper;

	private final StateCodecs codecs;

	private final String instanceId;

	private final long maxRecordSize;

	private final Deliveries deliveries;

	private final HandoffActivity activity = new HandoffActivity();

	private final Clock clock = Clock.systemUTC();

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private volatile RecordProtection protection = RecordProtection.none();

	/**
	 * Creates a template with the default lease (30s) and size limit (64 MiB).
	 * @param store where records wait
	 * @param mapper the mapper for state; it must not enable default typing
	 * @param instanceId this instance, recorded as the origin of what it hands off and as
	 * the owner of its claims
	 */
	public HandoffTemplate(HandoffStore store, JsonMapper mapper, String instanceId) {
		this(store, mapper, instanceId, DEFAULT_POLICY);
	}

	/**
	 * Creates a template.
	 * @param store where records wait
	 * @param mapper the mapper for state; it must not enable default typing
	 * @param instanceId this instance, recorded as the origin of what it hands off and as
	 * the owner of its claims
	 * @param policy the store's policy: its lease sets how often a long merge renews it,
	 * its max record size where serialization stops
	 */
	public HandoffTemplate(HandoffStore store, JsonMapper mapper, String instanceId, HandoffStore.Policy policy) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(mapper, "'mapper' must not be null");
		Assert.hasText(instanceId, "'instanceId' must not be empty");
		Assert.notNull(policy, "'policy' must not be null");
		this.store = store;
		this.mapper = mapper;
		this.instanceId = instanceId;
		this.maxRecordSize = policy.maxRecordSize();
		this.codecs = new StateCodecs(mapper);
		this.deliveries = new Deliveries(store, this.codecs, policy, this.activity);
	}

	/**
	 * Returns an id for this instance: the host name (the pod name on Kubernetes) and the
	 * process id.
	 * @return the id
	 */
	public static String defaultInstanceId() {
		String host;
		try {
			host = InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			host = "unknown-host";
		}
		return host + ":" + ProcessHandle.current().pid();
	}

	/**
	 * Sets where initiate, claim and merge are observed
	 * ({@link dev.handoff.observation.HandoffObservation}); by default nowhere.
	 * @param observationRegistry the registry
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		Assert.notNull(observationRegistry, "'observationRegistry' must not be null");
		this.observationRegistry = observationRegistry;
		this.deliveries.setObservationRegistry(observationRegistry);
	}

	public ObservationRegistry getObservationRegistry() {
		return this.observationRegistry;
	}

	/**
	 * Writes a checkpoint with each acknowledgement of a participant's merge.
	 * @param checkpoints this instance's checkpoints, or null for none
	 */
	void setCheckpoints(@Nullable Checkpoints checkpoints) {
		this.deliveries.setCheckpoints(checkpoints);
	}

	/**
	 * Sets how records are signed and encrypted when handed off, and verified when
	 * received; by default they are neither.
	 * @param protection the protection
	 */
	public void setRecordProtection(RecordProtection protection) {
		Assert.notNull(protection, "'protection' must not be null");
		this.protection = protection;
		this.deliveries.setRecordProtection(protection);
	}

	public RecordProtection getRecordProtection() {
		return this.protection;
	}

	/**
	 * Sets the threads that renew the lease of a long merge; by default daemon platform
	 * threads.
	 * @param threads the thread factory, for example of virtual threads
	 */
	public void setThreadFactory(ThreadFactory threads) {
		Assert.notNull(threads, "'threads' must not be null");
		this.deliveries.setThreadFactory(threads);
	}

	public String getInstanceId() {
		return this.instanceId;
	}

	/**
	 * Returns what this instance last sent and received under each label.
	 * @return the activity
	 */
	public HandoffActivity getActivity() {
		return this.activity;
	}

	@Override
	public <S> HandoffRecord<S> initiate(String label, int version, S state) {
		return initiate(serialize(label, version, state), state);
	}

	@Override
	public <S> HandoffRecord<S> initiate(String label, int version, S state, String recordId) {
		Assert.notNull(recordId, "'recordId' must not be null");
		if (!RECORD_ID.matcher(recordId).matches()) {
			throw new HandoffException("Handoff record id '" + recordId + "' is not valid: use 1 to 200 letters, "
					+ "digits, '.', '_', ':' or '-'");
		}
		return initiate(serialize(label, version, state, recordId), state);
	}

	private <S> HandoffRecord<S> initiate(HandoffRecord<byte[]> serialized, S state) {
		long start = System.nanoTime();
		Initiation initiation = startInitiation(serialized);
		HandoffRecord<byte[]> record = initiation.record;
		HandoffStore.Initiated initiated;
		try (Observation.Scope scope = initiation.openScope()) {
			initiated = this.store.initiate(record);
			if (!initiated.isStored()) {
				throw new HandoffException(notStored(record, initiated));
			}
		}
		catch (RuntimeException ex) {
			initiation.failed(ex);
			throw ex;
		}
		initiation.stored();
		if (initiated.notDurable() != null) {
			logger.warn("Handoff record " + record.id() + " of label '" + record.label() + "' is stored but not "
					+ "durable: " + initiated.notDurable() + " (handoff.durability)");
		}
		this.activity.sent(record, this.clock.instant(), Duration.ofNanos(System.nanoTime() - start),
				initiated.notDurable());
		return record.withData(state);
	}

	/**
	 * Starts the observation of a record's initiate.
	 * @param record the record, as serialized
	 * @return the observation, and the record with the trace context it carries
	 */
	Initiation startInitiation(HandoffRecord<byte[]> record) {
		return Initiation.start(record, this.observationRegistry, this.protection);
	}

	/**
	 * Writes state as a record, ready for the store, under a fresh record id.
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state
	 * @return the record
	 */
	HandoffRecord<byte[]> serialize(String label, int version, Object state) {
		return serialize(label, version, state, UUID.randomUUID().toString());
	}

	/**
	 * Writes a participant's state as a record, ready for the store, under a fresh record
	 * id, with the writer prepared for its state type.
	 * @param type the participant's state type
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state
	 * @return the record
	 */
	HandoffRecord<byte[]> serialize(JavaType type, String label, int version, Object state) {
		return serialize(this.codecs.get(type), label, version, state, UUID.randomUUID().toString(), NO_DEADLINE);
	}

	/**
	 * Writes a participant's state as {@link #serialize(JavaType, String, int, Object)}
	 * does, giving the store's chunks at most until a deadline: past it, a large state is
	 * written whole in memory instead, for the caller to spill or report.
	 * @param type the participant's state type
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state
	 * @param deadline the deadline, in {@link System#nanoTime()}'s time
	 * @return the record
	 */
	HandoffRecord<byte[]> serialize(JavaType type, String label, int version, Object state, long deadline) {
		return serialize(this.codecs.get(type), label, version, state, UUID.randomUUID().toString(), deadline);
	}

	private HandoffRecord<byte[]> serialize(String label, int version, Object state, String recordId) {
		return serialize(null, label, version, state, recordId, NO_DEADLINE);
	}

	/**
	 * Writes state as a record, ready for the store, stopping as soon as it grows past
	 * the max record size. A state larger than the store's chunk size goes to the store
	 * in chunks as it is written (see {@link Chunks}), and the record that the store then
	 * takes names them; when the store does not take a chunk, the state is written again
	 * whole, so that the caller's handling of a record the store did not take (the
	 * shutdown's spill) still has it.
	 * @param codec the codec of the state's type, or null to write the state as its
	 * runtime class
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state
	 * @param recordId the record id
	 * @param deadline until when the store may take chunks, in
	 * {@link System#nanoTime()}'s time, or {@link #NO_DEADLINE}
	 * @return the record
	 * @throws HandoffException when the state cannot be written as JSON, or is too large
	 */
	private HandoffRecord<byte[]> serialize(@Nullable StateCodec codec, String label, int version, Object state,
			String recordId, long deadline) {
		checkLabel(label);
		Assert.notNull(state, "'state' must not be null");
		int chunkSize = this.store.chunkSize();
		if (chunkSize <= 0) {
			return record(recordId, label, version, writeWhole(codec, label, state), Map.of());
		}
		ChunkSeal seal = this.protection.chunkSeal(label, recordId);
		Chunks.Output out;
		try {
			out = write(codec, label, state, chunkSize, (index, buffer, length) -> this.store.writeChunk(label,
					recordId, index, seal.seal(index, buffer, length), remaining(deadline)));
		}
		catch (ChunkNotStoredException ex) {
			// Not deleted: the store that did not take a chunk would not take the
			// deletion either, and the chunks expire unread.
			logger.warn("Could not write the state of label '" + label + "' to " + this.store.describe()
					+ " in chunks (" + ex.getMessage() + "); writing it whole instead");
			return record(recordId, label, version, writeWhole(codec, label, state), Map.of());
		}
		catch (RuntimeException ex) {
			deleteChunks(label, recordId);
			throw ex;
		}
		if (!out.isChunked()) {
			return record(recordId, label, version, out.toByteArray(), Map.of());
		}
		return record(recordId, label, version, new byte[0], Chunks.headers(out, seal));
	}

	private HandoffRecord<byte[]> record(String recordId, String label, int version, byte[] data,
			Map<String, String> headers) {
		return new HandoffRecord<>(recordId, label, version, data, this.instanceId, this.clock.instant(), headers);
	}

	/** Writes state into memory, whole: for a store that takes no chunks, or did not. */
	private byte[] writeWhole(@Nullable StateCodec codec, String label, Object state) {
		return write(codec, label, state, Integer.MAX_VALUE - 8, Chunks.Sink.NONE).toByteArray();
	}

	/**
	 * Writes state into the store's chunks or, when it fits one, into memory.
	 * @throws ChunkNotStoredException when the store did not take a chunk
	 */
	private Chunks.Output write(@Nullable StateCodec codec, String label, Object state, int chunkSize,
			Chunks.Sink sink) {
		Chunks.Output out = new Chunks.Output(chunkSize, this.maxRecordSize, sink);
		try {
			if (codec != null) {
				codec.write(out, state);
			}
			else {
				this.mapper.writeValue(out, state);
			}
			out.finish();
		}
		catch (RuntimeException ex) {
			out.settle();
			RuntimeException failure = out.failure();
			if (failure != null) {
				throw new ChunkNotStoredException(failure);
			}
			if (out.exceeded()) {
				throw new HandoffException("The state of label '" + label + "' is larger than handoff.max-record-size ("
						+ size(this.maxRecordSize) + "): serialization stopped at " + out.size()
						+ " bytes. Raise handoff.max-record-size "
						+ "(on the instances that receive it too), or hand off less state.");
			}
			if (ex instanceof JacksonException jackson) {
				throw new HandoffException("Could not write the state of label '" + label + "' as JSON: "
						+ jackson.getOriginalMessage() + ". Handoff state must be plain data that Jackson can write "
						+ "and read back: records, beans with a default constructor, collections and maps of them.",
						ex);
			}
			throw ex;
		}
		return out;
	}

	/**
	 * The time left until a deadline, for a chunk.
	 * @throws HandoffException when there is none
	 */
	private static Duration remaining(long deadline) {
		if (deadline == NO_DEADLINE) {
			return NO_TIMEOUT;
		}
		long left = deadline - System.nanoTime();
		if (left <= 0) {
			throw new HandoffException("the time for Redis within handoff.shutdown-timeout ran out");
		}
		return Duration.ofNanos(left);
	}

	/** Deletes what a write cut midway left in the store, as far as the store lets it. */
	private void deleteChunks(String label, String recordId) {
		try {
			this.store.deleteChunks(label, recordId);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not delete the chunks of record " + recordId + " of label '" + label
					+ "'; they expire within handoff.ttl, unread", ex);
		}
	}

	/** The store did not take a chunk. */
	private static final class ChunkNotStoredException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		ChunkNotStoredException(RuntimeException cause) {
			super(cause.getMessage(), cause);
		}

	}

	/**
	 * Says what became of a record that is not known to be stored.
	 * @param record the record
	 * @param initiated what the store said
	 * @return the sentence
	 */
	static String notStored(HandoffRecord<?> record, HandoffStore.Initiated initiated) {
		if (initiated.outcome() == HandoffStore.Outcome.UNKNOWN) {
			return "The handoff of label '" + record.label() + "' may not have been stored: " + initiated.problem()
					+ ". If it was, the next instance receives it as record " + record.id() + ".";
		}
		return "The handoff of label '" + record.label() + "' was not stored: " + initiated.problem() + ".";
	}

	@Override
	public <S> int complete(String label, int version, Class<S> type, Consumer<List<HandoffRecord<S>>> receiver) {
		Assert.notNull(type, "'type' must not be null");
		return complete(label, version, this.mapper.constructType(type), receiver);
	}

	@Override
	public <S> int complete(String label, int version, ParameterizedTypeReference<S> type,
			Consumer<List<HandoffRecord<S>>> receiver) {
		Assert.notNull(type, "'type' must not be null");
		return complete(label, version, this.mapper.constructType(type.getType()), receiver);
	}

	private <S> int complete(String label, int version, JavaType type, Consumer<List<HandoffRecord<S>>> receiver) {
		checkLabel(label);
		Assert.notNull(receiver, "'receiver' must not be null");
		return receive(new Receiver<>(label, version, type, "the receiver of label '" + label + "'", receiver, null));
	}

	/**
	 * Returns the writer and reader of a state type, built the first time the type is
	 * met.
	 * @param type the state type
	 * @return its codec
	 */
	StateCodec codec(JavaType type) {
		return this.codecs.get(type);
	}

	/**
	 * Prepares the first handoff of state types: builds their writers and readers, runs
	 * Jackson and the observations once, and starts the thread that renews the leases of
	 * long merges. Nothing is stored, and no participant is called.
	 * @param types the participants' state types
	 */
	void prepare(Collection<JavaType> types) {
		this.codecs.prepare(types);
		this.deliveries.prepare();
		warmUpObservations();
	}

	/**
	 * Runs the observations of an initiate, a claim and a merge once, and protects and
	 * verifies a record as records are protected, on an observation registry of its own
	 * that nothing handles, so that the first handoff does not pay for what they
	 * initialize (a first observation here took 1.5-4 ms in the demo; signing or
	 * encrypting sets up its Mac and Cipher). No meter, span, store or participant sees
	 * it.
	 */
	private void warmUpObservations() {
		try {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler((context) -> true);
			HandoffRecord<byte[]> record = new HandoffRecord<>(WARM_UP_LABEL, WARM_UP_LABEL, 1, new byte[] { '{', '}' },
					this.instanceId, this.clock.instant());
			Initiation initiation = Initiation.start(record, registry, this.protection);
			initiation.stored();
			this.protection.verify(initiation.record, WARM_UP_LABEL, this.clock.instant());
			HandoffObservation.CLAIM.observation(registry, new Observation.Context(), WARM_UP_LABEL).observe(() -> {
			});
			Observation merge = Deliveries.startMerge(registry, WARM_UP_LABEL, List.of(record));
			try (Observation.Scope scope = merge.openScope()) {
				// As a merge's observation is: stopped once its scope is closed.
			}
			merge.stop();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not warm the observations up ahead of the first handoff", ex);
		}
	}

	@Override
	public HandoffSubscription subscribe(String label, Runnable onAvailable) {
		checkLabel(label);
		Assert.notNull(onAvailable, "'onAvailable' must not be null");
		return this.store.subscribe(List.of(label), (available) -> onAvailable.run());
	}

	/**
	 * Returns the Jackson type of a state type. It is built from the
	 * {@link ResolvableType} rather than from its {@code java.lang.reflect.Type}: that is
	 * the type as declared, whose type variables (the {@code V} of a superclass
	 * {@code implements HandoffParticipant<Map<String, V>>}) only the
	 * {@code ResolvableType} can resolve, and Jackson would read them as {@code Object}.
	 * @param type the state type, without unresolvable generics
	 * @return the Jackson type
	 */
	JavaType constructType(ResolvableType type) {
		TypeFactory typeFactory = this.mapper.getTypeFactory();
		if (type.isArray()) {
			return typeFactory.constructArrayType(constructType(type.getComponentType()));
		}
		ResolvableType[] generics = type.getGenerics();
		if (generics.length == 0) {
			return typeFactory.constructType(type.toClass());
		}
		JavaType[] parameters = new JavaType[generics.length];
		for (int i = 0; i < generics.length; i++) {
			parameters[i] = constructType(generics[i]);
		}
		return typeFactory.constructParametricType(type.toClass(), parameters);
	}

	/**
	 * Claims the records of the receiver's label, passes those it can read to it and
	 * acknowledges those it merged, claiming again while a claim left records waiting
	 * (its size limit).
	 * @return the number of records the receiver merged
	 * @throws HandoffException when the receiver threw for some records, after the others
	 * are acknowledged; those are delivered again after the lease
	 */
	int receive(Receiver<?> receiver) {
		int merged = 0;
		boolean more = true;
		while (more && !receiver.isSealed()) {
			long start = System.nanoTime();
			HandoffClaim claim = claim(List.of(new HandoffStore.ClaimRequest(receiver.label, receiver.version)))
				.of(receiver.label);
			this.activity.claimed(receiver.label, claim.deliveries().size(),
					Duration.ofNanos(System.nanoTime() - start));
			Deliveries.Delivered delivered = this.deliveries.deliver(receiver, claim);
			this.deliveries.acknowledge(List.of(delivered));
			merged += delivered.records.size();
			if (delivered.failure != null) {
				throw delivered.failure;
			}
			more = claim.more();
		}
		return merged;
	}

	/**
	 * Claims labels as one {@link dev.handoff.observation.HandoffObservation#CLAIM}
	 * observation.
	 * @param requests the labels and the versions read
	 * @return the claims
	 */
	HandoffStore.Claims claim(List<HandoffStore.ClaimRequest> requests) {
		String labels = String.join(",", requests.stream().map(HandoffStore.ClaimRequest::label).toList());
		return HandoffObservation.CLAIM.observation(this.observationRegistry, new Observation.Context(), labels)
			.observe(() -> this.store.claim(requests, this.instanceId));
	}

	/**
	 * Passes the records of a claim to the receiver; see {@link Deliveries}.
	 * @return what the receiver merged, to {@link #acknowledge}
	 */
	Deliveries.Delivered deliver(Receiver<?> receiver, HandoffClaim claim) {
		return this.deliveries.deliver(receiver, claim);
	}

	/**
	 * Acknowledges what receivers merged, in one batch, and logs it.
	 * @param deliveries what each receiver merged
	 */
	void acknowledge(List<Deliveries.Delivered> deliveries) {
		this.deliveries.acknowledge(deliveries);
	}

	/**
	 * Stops renewing leases.
	 */
	@Override
	public void destroy() {
		this.deliveries.close();
	}

	private static String size(long bytes) {
		DataSize size = DataSize.ofBytes(bytes);
		if (bytes % (1024 * 1024) == 0) {
			return size.toMegabytes() + "MB";
		}
		return (bytes % 1024 == 0) ? size.toKilobytes() + "KB" : bytes + " bytes";
	}

	static void checkLabel(String label) {
		Assert.notNull(label, "'label' must not be null");
		if (!LABEL.matcher(label).matches()) {
			throw new HandoffException(
					"Handoff label '" + label + "' is not valid: use 1 to 200 letters, digits, " + "'.', '_' or '-'");
		}
	}

}
