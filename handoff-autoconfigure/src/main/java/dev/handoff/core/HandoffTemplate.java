package dev.handoff.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffOperations;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.TypeFactory;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;

/**
 * The default {@link HandoffOperations}: serializes state as JSON with Jackson, without type information, and keeps
 * it in a {@link HandoffStore}.
 */
public class HandoffTemplate implements HandoffOperations {

	private static final Log logger = LogFactory.getLog(HandoffTemplate.class);

	private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._-]{1,200}");

	private final HandoffStore store;

	private final JsonMapper mapper;

	private final String instanceId;

	private final Clock clock = Clock.systemUTC();

	/**
	 * Creates a template.
	 * @param store where records wait
	 * @param mapper the mapper for state; it must not enable default typing
	 * @param instanceId this instance, recorded as the origin of what it hands off and as the owner of its claims
	 */
	public HandoffTemplate(HandoffStore store, JsonMapper mapper, String instanceId) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(mapper, "'mapper' must not be null");
		Assert.hasText(instanceId, "'instanceId' must not be empty");
		this.store = store;
		this.mapper = mapper;
		this.instanceId = instanceId;
	}

	/**
	 * Returns an id for this instance: the host name (the pod name on Kubernetes) and the process id.
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

	public String getInstanceId() {
		return this.instanceId;
	}

	@Override
	public <S> HandoffRecord<S> initiate(String label, int version, S state) {
		HandoffRecord<byte[]> record = serialize(label, version, state);
		HandoffStore.Initiated initiated = this.store.initiate(record);
		if (!initiated.isStored()) {
			throw new HandoffException(notStored(record, initiated));
		}
		return record.withData(state);
	}

	/**
	 * Writes state as a record, ready for the store, under a fresh record id.
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state
	 * @return the record
	 */
	HandoffRecord<byte[]> serialize(String label, int version, Object state) {
		checkLabel(label);
		Assert.notNull(state, "'state' must not be null");
		byte[] data;
		try {
			data = this.mapper.writeValueAsBytes(state);
		}
		catch (JacksonException ex) {
			throw new HandoffException("Could not write the state of label '" + label + "' as JSON: "
					+ ex.getOriginalMessage() + ". Handoff state must be plain data that Jackson can write and read "
					+ "back: records, beans with a default constructor, collections and maps of them.", ex);
		}
		return new HandoffRecord<>(UUID.randomUUID().toString(), label, version, data, this.instanceId,
				this.clock.instant());
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

	@Override
	public HandoffSubscription subscribe(String label, Runnable onAvailable) {
		checkLabel(label);
		Assert.notNull(onAvailable, "'onAvailable' must not be null");
		return this.store.subscribe(List.of(label), (available) -> onAvailable.run());
	}

	/**
	 * Returns the Jackson type of a state type. It is built from the {@link ResolvableType} rather than from its
	 * {@code java.lang.reflect.Type}: that is the type as declared, whose type variables (the {@code V} of a
	 * superclass {@code implements HandoffParticipant<Map<String, V>>}) only the {@code ResolvableType} can resolve,
	 * and Jackson would read them as {@code Object}.
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
	 * Claims the records of the receiver's label, passes those it can read to it and acknowledges them when it
	 * returns normally.
	 * @return the number of records the receiver got
	 * @throws HandoffException when the receiver threw; the records are delivered again after the lease
	 */
	int receive(Receiver<?> receiver) {
		if (receiver.isSealed()) {
			return 0;
		}
		Delivered delivered = deliver(receiver, this.store.claim(receiver.label, this.instanceId));
		acknowledge(List.of(delivered));
		return delivered.records.size();
	}

	/**
	 * Passes the records of a claim that the receiver can read to it. Records of another version go through the
	 * receiver's upgrader or to the dead letters.
	 * @return what the receiver got, to {@link #acknowledge}
	 * @throws HandoffException when the receiver threw; the records are delivered again after the lease
	 */
	<S> Delivered deliver(Receiver<S> receiver, HandoffClaim claim) {
		if (claim.isEmpty()) {
			return new Delivered(receiver, claim, List.of());
		}
		receiver.lock.lock();
		try {
			if (receiver.isSealed()) {
				logger.warn("Claimed " + claim.deliveries().size() + " handoff record(s) of label '" + receiver.label
						+ "' after its state was handed off; they will be delivered to another instance once the "
						+ "lease of claim " + claim.id() + " lapses");
				return new Delivered(receiver, claim, List.of());
			}
			List<HandoffRecord<S>> accepted = new ArrayList<>();
			int attempt = 0;
			for (HandoffClaim.Delivery delivery : claim.deliveries()) {
				S data = read(receiver, claim, delivery.record());
				if (data != null) {
					accepted.add(delivery.record().withData(data));
					attempt = Math.max(attempt, delivery.attempt());
				}
			}
			if (accepted.isEmpty()) {
				return new Delivered(receiver, claim, List.of());
			}
			try {
				receiver.consumer.accept(List.copyOf(accepted));
			}
			catch (RuntimeException ex) {
				throw new HandoffException(capitalize(receiver.description) + " failed on delivery attempt " + attempt
						+ " of " + accepted.size() + " handoff record(s); they will be delivered again once the lease "
						+ "of claim " + claim.id() + " lapses", ex);
			}
			return new Delivered(receiver, claim, List.copyOf(accepted));
		}
		finally {
			receiver.lock.unlock();
		}
	}

	/**
	 * Acknowledges what receivers got, in one batch, and logs it.
	 * @param deliveries what each receiver got
	 */
	void acknowledge(List<Delivered> deliveries) {
		List<Delivered> received = deliveries.stream().filter((delivered) -> !delivered.records.isEmpty()).toList();
		if (received.isEmpty()) {
			return;
		}
		List<Integer> acknowledged = this.store.acknowledge(received.stream()
			.map((delivered) -> new HandoffStore.Acknowledgement(delivered.claim,
					delivered.records.stream().map(HandoffRecord::id).toList()))
			.toList());
		Instant now = this.clock.instant();
		for (int i = 0; i < received.size(); i++) {
			Delivered delivered = received.get(i);
			int count = delivered.records.size();
			if (acknowledged.get(i) < count) {
				logger.warn("The lease of claim " + delivered.claim.id() + " lapsed before "
						+ delivered.receiver.description + " returned; " + (count - acknowledged.get(i)) + " of "
						+ count + " record(s) may be delivered again. Raise handoff.lease above the time a merge "
						+ "takes.");
			}
			Set<String> origins = new LinkedHashSet<>();
			delivered.records.forEach((record) -> origins.add(record.origin()));
			logger.info("Received " + count + " handoff record(s) of label '" + delivered.receiver.label + "' from "
					+ origins + ", handed off "
					+ Duration.between(delivered.records.get(0).createdAt(), now).toMillis() + " ms earlier");
		}
	}

	private <S> @Nullable S read(Receiver<S> receiver, HandoffClaim claim, HandoffRecord<byte[]> record) {
		if (record.version() == receiver.version) {
			try {
				return this.mapper.readValue(record.data(), receiver.type);
			}
			catch (JacksonException ex) {
				deadLetter(claim, record, "unreadable as " + receiver.type.toCanonical() + ": "
						+ ex.getOriginalMessage(), "Fix the state type so it reads what version " + record.version()
						+ " wrote, or change its @Handoff version and convert old records in upgradeHandoff.");
				return null;
			}
		}
		if (receiver.upgrader != null) {
			JsonNode tree;
			try {
				tree = this.mapper.readTree(record.data());
			}
			catch (JacksonException ex) {
				deadLetter(claim, record, "not valid JSON: " + ex.getOriginalMessage(),
						"It was not written by Handoff's JSON mapper.");
				return null;
			}
			S upgraded = receiver.upgrader.apply(record.withData(tree));
			if (upgraded != null) {
				return upgraded;
			}
		}
		deadLetter(claim, record, "version " + record.version() + " while " + receiver.description + " reads version "
				+ receiver.version,
				"To accept such records, return the converted state from upgradeHandoff(HandoffRecord<JsonNode>) "
						+ "of the participant; to read them unchanged, run a participant with @Handoff(version = "
						+ record.version() + ").");
		return null;
	}

	private void deadLetter(HandoffClaim claim, HandoffRecord<byte[]> record, String reason, String remedy) {
		String where = this.store.deadLetter(claim, record.id(), reason);
		logger.error("Handoff record " + record.id() + " of label '" + record.label() + "' from " + record.origin()
				+ " was not delivered: " + reason + ". It was moved to " + where + ". " + remedy);
	}

	static void checkLabel(String label) {
		Assert.notNull(label, "'label' must not be null");
		if (!LABEL.matcher(label).matches()) {
			throw new HandoffException("Handoff label '" + label + "' is not valid: use 1 to 200 letters, digits, "
					+ "'.', '_' or '-'");
		}
	}

	private static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	/**
	 * What a receiver got from one claim.
	 */
	static final class Delivered {

		final Receiver<?> receiver;

		final HandoffClaim claim;

		final List<? extends HandoffRecord<?>> records;

		Delivered(Receiver<?> receiver, HandoffClaim claim, List<? extends HandoffRecord<?>> records) {
			this.receiver = receiver;
			this.claim = claim;
			this.records = records;
		}

	}

}
