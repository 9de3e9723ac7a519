package dev.handoff.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.core.HandoffTemplate;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;

/**
 * The figures of receiving large state: a record's claim, its payload read into the state
 * type, and its acknowledgement, through {@link HandoffTemplate#complete} of a running
 * application, against a raw take and a read with Jackson's default mapper, as a user
 * would write it ({@code JsonMapper.builder().build()}). Two shapes: a
 * {@code Map<String, Long>} whose keys are data, and a list of small records whose keys
 * are property names.
 */
final class ReadFigures {

	/** The map's entries: "counter.N" → a random long, about 14.8 MB of JSON. */
	static final int MAP_ENTRIES = 400_000;

	/** The list's records, about 13.6 MB of JSON. */
	static final int RECORDS = 100_000;

	static final ParameterizedTypeReference<Map<String, Long>> MAP_TYPE = new ParameterizedTypeReference<>() {
	};

	static final ParameterizedTypeReference<List<Item>> LIST_TYPE = new ParameterizedTypeReference<>() {
	};

	private static final TypeReference<Map<String, Long>> RAW_MAP_TYPE = new TypeReference<>() {
	};

	private static final TypeReference<List<Item>> RAW_LIST_TYPE = new TypeReference<>() {
	};

	/** What a user writes; it canonicalizes property names, Jackson's default. */
	private static final JsonMapper defaultMapper = JsonMapper.builder().build();

	/** For the breakdown only: the same without canonicalization. */
	private static final JsonMapper nonCanonicalizing = JsonMapper
		.builder(JsonFactory.builder().disable(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES).build())
		.build();

	private ReadFigures() {
	}

	/** One element of the list: a small record of six properties. */
	public record Item(String id, String name, long timestamp, int count, double score, boolean active) {
	}

	static Map<String, Long> map(int entries) {
		Random random = new Random(entries);
		Map<String, Long> map = new HashMap<>(entries * 2);
		for (int i = 0; i < entries; i++) {
			map.put("counter." + i, random.nextLong());
		}
		return map;
	}

	static List<Item> list(int records) {
		Random random = new Random(records);
		List<Item> list = new ArrayList<>(records);
		for (int i = 0; i < records; i++) {
			list.add(new Item(new UUID(random.nextLong(), random.nextLong()).toString(), "name-" + (i % 1000),
					1_700_000_000_000L + random.nextInt(1_000_000_000), random.nextInt(10_000), random.nextDouble(),
					random.nextBoolean()));
		}
		return list;
	}

	static byte[] json(Object state) {
		return defaultMapper.writeValueAsBytes(state);
	}

	/**
	 * Times {@link HandoffTemplate#complete} of one waiting record against a raw take and
	 * a read with the default mapper; the record is seeded, and the garbage of the last
	 * sample collected, before each clock starts.
	 * @param plan the rounds
	 * @param template the application's template
	 * @param store its store, to seed with
	 * @param raw the raw client
	 * @param label the label
	 * @param type the state type
	 * @param rawType the same for the raw read
	 * @param payload the state as JSON
	 * @param size what the receiver checks the state by: the map's or the list's size
	 * @return the samples
	 */
	static <S> Interleaved.Result receive(Interleaved.Plan plan, HandoffTemplate template, HandoffStore store,
			RawLettuce raw, String label, ParameterizedTypeReference<S> type, TypeReference<S> rawType, byte[] payload,
			int size) throws Exception {
		byte[] key = RawLettuce.bytes("raw:{" + label + "}:pending");
		byte[] channel = RawLettuce.bytes("raw:{" + label + "}:notify");
		AtomicInteger received = new AtomicInteger();
		return Interleaved.latency(plan, () -> {
			HandoffStore.Initiated initiated = store
				.initiate(new HandoffRecord<>(StoreFigures.nextId(), label, 1, payload, "bench", Instant.now()));
			StoreFigures.check(initiated.isStored(), () -> "seed: " + initiated);
			System.gc();
			long start = System.nanoTime();
			int merged = template.complete(label, 1, type, (records) -> received.set(sizeOf(records.get(0).data())));
			long elapsed = System.nanoTime() - start;
			StoreFigures.check(merged == 1 && received.get() == size,
					() -> "complete merged " + merged + " record(s) of " + received.get() + " entries");
			return elapsed;
		}, () -> {
			raw.initiate(key, RawLettuce.bytes(StoreFigures.nextId()), payload, channel);
			System.gc();
			long start = System.nanoTime();
			Map<byte[], byte[]> taken = raw.take(key);
			S state = defaultMapper.readValue(taken.values().iterator().next(), rawType);
			long elapsed = System.nanoTime() - start;
			StoreFigures.check(sizeOf(state) == size, () -> "raw read " + sizeOf(state) + " entries");
			return elapsed;
		}, null);
	}

	static Interleaved.Result receiveMap(Interleaved.Plan plan, HandoffTemplate template, HandoffStore store,
			RawLettuce raw, byte[] payload) throws Exception {
		return receive(plan, template, store, raw, "f8", MAP_TYPE, RAW_MAP_TYPE, payload, MAP_ENTRIES);
	}

	static Interleaved.Result receiveList(Interleaved.Plan plan, HandoffTemplate template, HandoffStore store,
			RawLettuce raw, byte[] payload) throws Exception {
		return receive(plan, template, store, raw, "f9", LIST_TYPE, RAW_LIST_TYPE, payload, RECORDS);
	}

	/**
	 * The read alone, interleaved: with the default mapper, and with property-name
	 * canonicalization off.
	 * @return the two samples, in that order
	 */
	static Samples[] readAlone(Interleaved.Plan plan, byte[] payload, TypeReference<?> type) throws Exception {
		return Interleaved.compare(plan, null, () -> time(defaultMapper, payload, type),
				() -> time(nonCanonicalizing, payload, type));
	}

	static TypeReference<?> rawType(boolean map) {
		return map ? RAW_MAP_TYPE : RAW_LIST_TYPE;
	}

	private static long time(JsonMapper mapper, byte[] payload, TypeReference<?> type) {
		System.gc();
		long start = System.nanoTime();
		Object state = mapper.readValue(payload, type);
		long elapsed = System.nanoTime() - start;
		StoreFigures.check(sizeOf(state) > 0, () -> "read nothing");
		return elapsed;
	}

	private static int sizeOf(Object state) {
		return (state instanceof Map<?, ?> map) ? map.size() : ((List<?>) state).size();
	}

}
