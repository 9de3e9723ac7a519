package dev.handoff.core;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.TypeFactory;

/**
 * The Jackson writer and reader of one state type, built once (for a participant, at
 * startup, ahead of its first handoff), so that no handoff pays for finding its
 * serializers and deserializers.
 * <p>
 * <b>Object keys that are data.</b> Jackson canonicalizes the property names it parses by
 * default: each name enters a symbol table, so that a name met again is a lookup rather
 * than a new string. That pays when names repeat, as the property names of a list of
 * records do, and costs when they do not: the keys of a large map are data, most met
 * once, and each one grows the table (a {@code Map<String, Long>} of 400 000 entries
 * reads twice as slow). A type whose object keys are data ({@link #keysAreData}) is
 * therefore read through a copy of the mapper that differs only in its parser not
 * canonicalizing ({@link TokenStreamFactory.Feature#CANONICALIZE_PROPERTY_NAMES}
 * disabled): the same modules, features and customizations. Every type is written by the
 * mapper itself.
 * <p>
 * <b>Writing.</b> A final type (a record, an enum, a final class) is its own runtime
 * class, so it is written by a writer of its declared type, with the type's parameters
 * resolved as the reader reads them. Any other type is written as its runtime class, as
 * {@code ObjectMapper.writeValue} does, so that a subclass loses nothing.
 */
final class StateCodec {

	private static final Log logger = LogFactory.getLog(StateCodec.class);

	/** How deep {@link #keysAreData} looks through properties and type parameters. */
	private static final int MAX_DEPTH = 8;

	private final JavaType type;

	private final boolean keysAreData;

	private final ObjectReader reader;

	private final ObjectReader treeReader;

	private final ObjectWriter writer;

	private StateCodec(JavaType type, boolean keysAreData, JsonMapper writing, JsonMapper reading) {
		this.type = type;
		this.keysAreData = keysAreData;
		// Both find their root (de)serializer here, eagerly: EAGER_(DE)SERIALIZER_FETCH
		// are Jackson's defaults.
		this.reader = reading.readerFor(type);
		this.treeReader = reading.reader();
		// For another type, the writer of its declared type is built all the same: it
		// finds and caches the serializers of the type's properties and parameters, which
		// writing its runtime class then finds.
		ObjectWriter typed = writing.writerFor(type);
		this.writer = type.isFinal() ? typed : writing.writer();
		prefetchSerializers(writing, type, new HashSet<>(), 0);
	}

	/**
	 * Prepares the writer and reader of a type.
	 * @param type the state type
	 * @param mapper the mapper
	 * @param keysAsData the mapper that reads types whose keys are data, from
	 * {@link #withoutCanonicalizing}
	 * @return the codec
	 */
	static StateCodec of(JavaType type, JsonMapper mapper, Supplier<JsonMapper> keysAsData) {
		boolean keysAreData = keysAreData(type, mapper.getTypeFactory());
		return new StateCodec(type, keysAreData, mapper, keysAreData ? keysAsData.get() : mapper);
	}

	/**
	 * Whether this type's object keys are data, so that it is read without canonicalizing
	 * property names.
	 * @return whether its keys are data
	 */
	boolean isKeysAreData() {
		return this.keysAreData;
	}

	// S is the receiver's state type, which this codec's JavaType was resolved from.
	@SuppressWarnings("TypeParameterUnusedInFormals")
	<S> S read(byte[] json) {
		return this.reader.readValue(json);
	}

	// S is the receiver's state type, which this codec's JavaType was resolved from.
	@SuppressWarnings("TypeParameterUnusedInFormals")
	<S> S read(InputStream json) {
		return this.reader.readValue(json);
	}

	JsonNode readTree(byte[] json) {
		return this.treeReader.readTree(json);
	}

	JsonNode readTree(InputStream json) {
		return this.treeReader.readTree(json);
	}

	void write(OutputStream out, Object state) {
		this.writer.writeValue(out, state);
	}

	/**
	 * Reads this type's empty value, when it is a map, a collection or an array, so that
	 * its deserializer has run once: a first read pays for what Jackson initializes
	 * lazily. No application code runs, unless a module registered a deserializer of its
	 * own for the type. A type that cannot be read empty is left as it is.
	 */
	void warmUp() {
		@Nullable String empty = this.type.isMapLikeType() ? "{}"
				: (this.type.isCollectionLikeType() || this.type.isArrayType()) ? "[]" : null;
		if (empty == null) {
			return;
		}
		try {
			this.reader.readValue(empty);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read an empty " + this.type.toCanonical() + " ahead of the first handoff", ex);
		}
	}

	/**
	 * Writes and reads a value of a type of Handoff's own, records, maps, lists and
	 * numbers, through a mapper, so that Jackson's bean, map and collection
	 * (de)serializers, its parser and its generator have run once before the first
	 * handoff: a first write and read pays for classes loaded and linked, and for what
	 * they initialize lazily. No application code runs, unless a module of the
	 * application's changes how every bean is read.
	 * @param mapper the mapper
	 */
	static void warmUp(JsonMapper mapper) {
		try {
			WarmUp value = WarmUp.VALUE;
			byte[] json = mapper.writerFor(WarmUp.class).writeValueAsBytes(value);
			mapper.readerFor(WarmUp.class).readValue(json);
			mapper.reader().readTree(json);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not warm Jackson up ahead of the first handoff", ex);
		}
	}

	/**
	 * Returns a copy of a mapper whose parsers do not canonicalize property names, with
	 * every other setting, module and customization of the mapper: the mapper's own
	 * configuration is rebuilt, with its token stream factory rebuilt with that one
	 * feature disabled.
	 * @param mapper the mapper
	 * @return the copy, or the mapper itself when it does not canonicalize
	 */
	static JsonMapper withoutCanonicalizing(JsonMapper mapper) {
		TokenStreamFactory factory = mapper.tokenStreamFactory();
		if (!factory.isEnabled(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES)
				|| !(factory instanceof JsonFactory json)) {
			return mapper;
		}
		return new FactoryReplacingBuilder(mapper,
				json.rebuild().disable(TokenStreamFactory.Feature.CANONICALIZE_PROPERTY_NAMES).build())
			.build();
	}

	/**
	 * Whether the object keys of a type's JSON are data rather than property names, so
	 * that most of them are met once: a map (unless its keys are an enum's constants, a
	 * small fixed set), a collection, array or reference of such a type, or a bean read
	 * once (the state itself, or a property of a bean read once) with a property of such
	 * a type, as a record that wraps a map. The beans of a collection are read many
	 * times, and their property names repeat. It only decides how fast the state is read,
	 * never what is read.
	 * @param type the type
	 * @param typeFactory the mapper's type factory, to resolve the types of properties
	 * @return whether the keys are data
	 */
	static boolean keysAreData(JavaType type, TypeFactory typeFactory) {
		return keysAreData(type, false, typeFactory, new HashSet<>(), 0);
	}

	private static boolean keysAreData(JavaType type, boolean repeated, TypeFactory typeFactory, Set<Class<?>> seen,
			int depth) {
		if (depth > MAX_DEPTH) {
			return false;
		}
		if (type.isMapLikeType()) {
			return !type.getKeyType().isEnumType()
					|| keysAreData(type.getContentType(), true, typeFactory, seen, depth + 1);
		}
		if (type.isCollectionLikeType() || type.isArrayType()) {
			return keysAreData(type.getContentType(), true, typeFactory, seen, depth + 1);
		}
		if (type.isReferenceType()) {
			return keysAreData(type.getContentType(), repeated, typeFactory, seen, depth + 1);
		}
		if (repeated || !isBean(type.getRawClass()) || !seen.add(type.getRawClass())) {
			return false;
		}
		for (JavaType property : propertyTypes(type, typeFactory)) {
			if (keysAreData(property, false, typeFactory, seen, depth + 1)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Builds the serializer of each bean type a type reaches through its type parameters
	 * and properties: a collection's serializer finds the one of its elements when it
	 * writes the first, and a map's of its values.
	 */
	private static void prefetchSerializers(JsonMapper mapper, JavaType type, Set<Class<?>> seen, int depth) {
		if (depth > MAX_DEPTH) {
			return;
		}
		if (type.isContainerType() || type.isReferenceType()) {
			prefetchSerializers(mapper, type.getContentType(), seen, depth + 1);
			return;
		}
		if (!isBean(type.getRawClass()) || !seen.add(type.getRawClass())) {
			return;
		}
		if (depth > 0) {
			mapper.writerFor(type);
		}
		for (JavaType property : propertyTypes(type, mapper.getTypeFactory())) {
			prefetchSerializers(mapper, property, seen, depth + 1);
		}
	}

	/**
	 * Returns the types of a bean's properties, as its record components or its fields
	 * declare them, with the bean's type parameters resolved: an approximation of the
	 * properties Jackson finds, which only decides what is prepared, never what is
	 * written or read.
	 */
	private static List<JavaType> propertyTypes(JavaType type, TypeFactory typeFactory) {
		List<JavaType> properties = new ArrayList<>();
		Class<?> raw = type.getRawClass();
		if (raw.isRecord()) {
			for (RecordComponent component : raw.getRecordComponents()) {
				properties.add(typeFactory.resolveMemberType(component.getGenericType(), type.getBindings()));
			}
			return properties;
		}
		for (@Nullable
		Class<?> declaring = raw; declaring != null && isBean(declaring); declaring = declaring.getSuperclass()) {
			JavaType owner = type.findSuperType(declaring);
			if (owner == null) {
				break;
			}
			for (Field field : declaring.getDeclaredFields()) {
				if ((field.getModifiers() & (Modifier.STATIC | Modifier.TRANSIENT)) == 0) {
					properties.add(typeFactory.resolveMemberType(field.getGenericType(), owner.getBindings()));
				}
			}
		}
		return properties;
	}

	/**
	 * Whether a class is one of the application's, whose properties Jackson reads as an
	 * object's.
	 */
	private static boolean isBean(Class<?> type) {
		if (type.isPrimitive() || type.isArray() || type.isEnum() || type.isInterface() || type == Object.class) {
			return false;
		}
		String name = type.getName();
		return !name.startsWith("java.") && !name.startsWith("javax.") && !name.startsWith("tools.jackson.");
	}

	/**
	 * A value of the shapes state usually takes, for {@link #warmUp(JsonMapper)}.
	 *
	 * @param text a string
	 * @param number a long
	 * @param count an int
	 * @param ratio a double
	 * @param flag a boolean
	 * @param at an instant
	 * @param numbers a list
	 * @param counts a map
	 * @param nested maps of lists
	 * @param items a list of records
	 */
	record WarmUp(String text, long number, int count, double ratio, boolean flag, Instant at, List<Long> numbers,
			Map<String, Long> counts, Map<String, Map<String, List<Long>>> nested, List<Item> items) {

		static final WarmUp VALUE = new WarmUp("text", 1L, 2, 0.5, true, Instant.EPOCH, List.of(1L, 2L),
				Map.of("a", 1L, "b", 2L), Map.of("a", Map.of("b", List.of(1L))),
				List.of(new Item("a", 1L, 2L), new Item("b", 3L, 4L)));

		/**
		 * One element of {@link WarmUp#items()}.
		 *
		 * @param id a string
		 * @param first a long
		 * @param second another
		 */
		record Item(String id, long first, long second) {
		}

	}

	/**
	 * The builder of a mapper rebuilt from another, with a token stream factory of its
	 * own: Jackson's {@code rebuild()} keeps the factory, which a builder's subclass may
	 * replace.
	 */
	private static final class FactoryReplacingBuilder extends JsonMapper.Builder {

		FactoryReplacingBuilder(JsonMapper mapper, JsonFactory factory) {
			super(new JsonMapper.Builder.StateImpl(mapper.rebuild()));
			this._streamFactory = factory;
		}

	}

}
