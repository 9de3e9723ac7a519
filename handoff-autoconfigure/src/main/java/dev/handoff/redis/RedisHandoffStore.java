package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.Lifecycle;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.Assert;

/**
 * A {@link HandoffStore} in Redis. This class is the whole Redis protocol of Handoff.
 * <p>
 * <b>Keys.</b> Every key of a label starts with {@code <namespace>:handoff:{<label>}:}, so all keys of one label
 * share a hash tag and every script also runs on Redis Cluster.
 * <table>
 * <caption>Keys of one label</caption>
 * <tr><th>Key suffix</th><th>Type</th><th>Holds</th><th>TTL</th></tr>
 * <tr><td>{@code pending}</td><td>hash</td><td>record id → envelope, for records waiting for a taker</td>
 * <td>key ttl</td></tr>
 * <tr><td>{@code claim:<claim id>}</td><td>hash</td><td>record id → envelope, for the records one claim holds</td>
 * <td>key ttl</td></tr>
 * <tr><td>{@code claims}</td><td>sorted set</td><td>claim id, scored by its lease deadline (ms)</td><td>key ttl</td></tr>
 * <tr><td>{@code owner}</td><td>hash</td><td>record id → claim id, for records in flight</td><td>key ttl</td></tr>
 * <tr><td>{@code expiry}</td><td>sorted set</td><td>record id, scored by the time it expires (ms), for every record not
 * yet settled</td><td>key ttl</td></tr>
 * <tr><td>{@code attempts}</td><td>hash</td><td>record id → number of claims so far</td><td>key ttl</td></tr>
 * <tr><td>{@code acked}</td><td>sorted set</td><td>record id, scored by when it was acknowledged; entries older than
 * the key ttl are trimmed</td><td>key ttl</td></tr>
 * <tr><td>{@code dead}</td><td>hash</td><td>record id → envelope, for dead letters</td><td>dead-letter ttl</td></tr>
 * <tr><td>{@code dead-reasons}</td><td>hash</td><td>record id → why it was dead-lettered</td><td>dead-letter ttl</td></tr>
 * </table>
 * The key ttl is {@code ttl + dead-letter-ttl}, refreshed on every write. Records that nobody claimed by their
 * {@code expiry} score are dead-lettered with an ERROR log by the next instance that claims the label; once claimed,
 * a record is governed by {@code max-deliveries} instead. The key ttl only frees memory when no instance serving the
 * label ever runs again. The notification channel is
 * {@code <namespace>:handoff:{<label>}:notify}; its messages carry a record id.
 * <p>
 * <b>Commands.</b> Each operation is one round trip on a connection this store holds. Scripts read the clock with
 * {@code TIME}, so leases do not depend on the instances' clocks. Every script is idempotent, because Lettuce replays
 * commands after a reconnect.
 * <ul>
 * <li><b>initiate</b>: {@code MULTI; HSET pending <id> <envelope>; EVAL initiate.lua; EXEC}. The payload travels
 * in a plain command; the script adds the record to {@code expiry} and {@code attempts} and {@code PUBLISH}es its id,
 * or, for a replay of a record already claimed or settled, deletes the field the HSET just wrote.</li>
 * <li><b>claim</b>: {@code MULTI; EVAL claim.lua; HGETALL claim:<claim id>; EXEC}. The script dead-letters expired
 * pending records, {@code RENAME}s {@code pending} to the new claim's hash (no payload passes through Lua), records
 * the owner and raises the attempt count of each record, and adds the claim to {@code claims} with its lease
 * deadline. It also returns the claims whose lease has lapsed; each is settled by
 * <b>reclaim</b> ({@code EVALSHA reclaim.lua}): its records go back to {@code pending}, or to {@code dead} after
 * {@code max-deliveries} claims. The claim is then tried once more.</li>
 * <li><b>acknowledge</b>: {@code EVALSHA acknowledge.lua}. Removes the records the claim still owns and remembers
 * their ids in {@code acked}.</li>
 * <li><b>dead-letter</b>: {@code EVALSHA dead-letter.lua}. Moves one claimed record to {@code dead}.</li>
 * <li><b>subscribe</b>: {@code SUBSCRIBE} to the labels' channels on a {@link RedisMessageListenerContainer} of the
 * store's own; every (re)subscription counts as a notification, so records published while it was down are
 * claimed at once.</li>
 * </ul>
 */
public class RedisHandoffStore implements HandoffStore, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisHandoffStore.class);

	private static final RedisScript<Long> INITIATE = script("initiate.lua", Long.class);

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> CLAIM = script("claim.lua", List.class);

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> RECLAIM = script("reclaim.lua", List.class);

	private static final RedisScript<Long> ACKNOWLEDGE = script("acknowledge.lua", Long.class);

	private static final RedisScript<Long> DEAD_LETTER = script("dead-letter.lua", Long.class);

	private final RedisConnectionFactory connectionFactory;

	private final String namespace;

	private final Policy policy;

	private final ReentrantLock connectionLock = new ReentrantLock();

	private @Nullable RedisConnection connection;

	/**
	 * Creates a store.
	 * @param connectionFactory the connection factory
	 * @param namespace the first part of every key, usually the application name
	 * @param policy the ttl, lease and delivery limits
	 */
	public RedisHandoffStore(RedisConnectionFactory connectionFactory, String namespace, Policy policy) {
		Assert.notNull(connectionFactory, "'connectionFactory' must not be null");
		Assert.hasText(namespace, "'namespace' must not be empty");
		Assert.isTrue(namespace.chars().noneMatch((c) -> c == '{' || c == '}' || Character.isWhitespace(c)),
				"'namespace' must not contain '{', '}' or whitespace");
		Assert.notNull(policy, "'policy' must not be null");
		this.connectionFactory = connectionFactory;
		this.namespace = namespace;
		this.policy = policy;
	}

	@Override
	public void initiate(HandoffRecord<byte[]> record) {
		Keys keys = keys(record.label());
		byte[] envelope = Envelope.encode(record);
		transaction((connection) -> {
			connection.hashCommands().hSet(keys.pending(), bytes(record.id()), envelope);
			eval(connection, INITIATE, List.of(keys.pending(), keys.expiry(), keys.attempts(), keys.owner(),
					keys.acked(), keys.dead()), record.id(), keys.channel(), this.policy.ttl().toMillis(), keyTtl());
		});
	}

	@Override
	public HandoffClaim claim(String label, String claimer) {
		Keys keys = keys(label);
		Claimed claimed = claimOnce(keys, claimer);
		boolean requeued = false;
		for (String lapsed : claimed.lapsed()) {
			requeued |= reclaim(keys, lapsed);
		}
		return (requeued && claimed.claim().isEmpty()) ? claimOnce(keys, claimer).claim() : claimed.claim();
	}

	private Claimed claimOnce(Keys keys, String claimer) {
		String claimId = claimer + "/" + UUID.randomUUID();
		byte[] claimKey = keys.claim(claimId);
		List<Object> results = transaction((connection) -> {
			eval(connection, CLAIM, List.of(keys.pending(), keys.expiry(), keys.attempts(), keys.owner(),
					keys.claims(), claimKey, keys.dead(), keys.deadReasons()), claimId,
					this.policy.lease().toMillis(), keyTtl(), this.policy.deadLetterTtl().toMillis());
			connection.hashCommands().hGetAll(claimKey);
		});
		List<?> script = (List<?>) results.get(0);
		@SuppressWarnings("unchecked")
		Map<byte[], byte[]> envelopes = (Map<byte[], byte[]>) results.get(1);
		List<String> ids = strings(script.get(0));
		List<?> attempts = (List<?>) script.get(1);
		for (String expired : strings(script.get(2))) {
			logger.error("Handoff record " + expired + " of label '" + keys.label() + "' expired after "
					+ this.policy.ttl() + " without a taker; moved to the dead letters at '" + string(keys.dead())
					+ "'. Raise handoff.ttl if the next instance can start later than that.");
		}
		Map<String, byte[]> byId = new LinkedHashMap<>();
		envelopes.forEach((id, envelope) -> byId.put(string(id), envelope));
		List<HandoffClaim.Delivery> deliveries = new ArrayList<>(ids.size());
		for (int i = 0; i < ids.size(); i++) {
			byte[] envelope = byId.get(ids.get(i));
			if (envelope != null) {
				deliveries.add(new HandoffClaim.Delivery(Envelope.decode(envelope),
						((Number) attempts.get(i)).intValue()));
			}
		}
		deliveries.sort(Comparator.comparing((delivery) -> delivery.record().createdAt()));
		return new Claimed(new HandoffClaim(claimId, keys.label(), deliveries), strings(script.get(3)));
	}

	/**
	 * Settles a claim whose lease lapsed.
	 * @return whether any of its records became pending again
	 */
	private boolean reclaim(Keys keys, String lapsedClaim) {
		List<?> result = execute((connection) -> (List<?>) evalSha(connection, RECLAIM,
				List.of(keys.pending(), keys.expiry(), keys.attempts(), keys.owner(), keys.claims(),
						keys.claim(lapsedClaim), keys.dead(), keys.deadReasons()),
				lapsedClaim, this.policy.maxDeliveries(), keyTtl(), this.policy.deadLetterTtl().toMillis(),
				keys.channel()));
		List<String> requeued = strings(result.get(0));
		if (!requeued.isEmpty()) {
			logger.warn("Lease of claim " + lapsedClaim + " on label '" + keys.label() + "' lapsed before "
					+ "acknowledgement; " + requeued.size() + " record(s) will be delivered again: " + requeued);
		}
		for (String dead : strings(result.get(1))) {
			logger.error("Handoff record " + dead + " of label '" + keys.label() + "' was claimed "
					+ this.policy.maxDeliveries() + " times without an acknowledgement; moved to the dead letters at '"
					+ string(keys.dead()) + "'. Check the receiver's logs for the failure.");
		}
		return !requeued.isEmpty();
	}

	@Override
	public int acknowledge(HandoffClaim claim, Collection<String> recordIds) {
		if (recordIds.isEmpty()) {
			return 0;
		}
		Keys keys = keys(claim.label());
		List<Object> args = new ArrayList<>(recordIds.size() + 2);
		args.add(claim.id());
		args.add(keyTtl());
		args.addAll(recordIds);
		Long acknowledged = execute((connection) -> (Long) evalSha(connection, ACKNOWLEDGE, List.of(
				keys.claim(claim.id()), keys.claims(), keys.owner(), keys.expiry(), keys.attempts(), keys.acked()),
				args.toArray()));
		return (acknowledged != null) ? acknowledged.intValue() : 0;
	}

	@Override
	public String deadLetter(HandoffClaim claim, String recordId, String reason) {
		Keys keys = keys(claim.label());
		Long moved = execute((connection) -> (Long) evalSha(connection, DEAD_LETTER,
				List.of(keys.claim(claim.id()), keys.claims(), keys.owner(), keys.expiry(), keys.attempts(),
						keys.dead(), keys.deadReasons()),
				claim.id(), recordId, reason, this.policy.deadLetterTtl().toMillis()));
		return (moved != null && moved == 1) ? "Redis hash '" + string(keys.dead()) + "', field '" + recordId + "'"
				: "nowhere: the lease of claim " + claim.id() + " lapsed, so another claim will get it";
	}

	@Override
	public HandoffSubscription subscribe(Collection<String> labels, Consumer<String> onAvailable) {
		Map<String, String> labelsByChannel = new LinkedHashMap<>();
		labels.forEach((label) -> labelsByChannel.put(string(keys(label).channel()), label));
		Notifications listener = new Notifications(labelsByChannel, onAvailable);
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		container.setBeanName("handoffNotifications");
		container.setRecoveryInterval(1000);
		container.setMessageListeners(Map.of(listener, labelsByChannel.keySet().stream().map(ChannelTopic::of).toList()));
		container.afterPropertiesSet();
		container.start();
		return () -> {
			try {
				container.destroy();
			}
			catch (Exception ex) {
				logger.debug("Could not close the handoff notification subscription", ex);
			}
		};
	}

	/**
	 * Closes the connection this store holds.
	 */
	@Override
	public void destroy() {
		this.connectionLock.lock();
		try {
			if (this.connectionFactory instanceof Lifecycle lifecycle && !lifecycle.isRunning()) {
				// Stopping the factory (a SmartLifecycle at phase 0, before beans are destroyed) already closed the
				// connection; closing it again only makes Lettuce log "Connection is already closed" as a WARN.
				this.connection = null;
				return;
			}
			closeConnection();
		}
		finally {
			this.connectionLock.unlock();
		}
	}

	private <T> T execute(Function<RedisConnection, T> action) {
		this.connectionLock.lock();
		try {
			if (this.connection == null || this.connection.isClosed()) {
				this.connection = this.connectionFactory.getConnection();
			}
			try {
				return action.apply(this.connection);
			}
			catch (RuntimeException ex) {
				// A failure can leave the connection inside a pipeline or transaction: start afresh.
				closeConnection();
				throw ex;
			}
		}
		finally {
			this.connectionLock.unlock();
		}
	}

	private void closeConnection() {
		RedisConnection connection = this.connection;
		this.connection = null;
		if (connection != null) {
			try {
				connection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close the handoff connection", ex);
			}
		}
	}

	/** Inside MULTI, EVALSHA's NOSCRIPT fallback is impossible, so the (small) script body is sent each time. */
	private static void eval(RedisConnection connection, RedisScript<?> script, List<byte[]> keys, Object... args) {
		connection.scriptingCommands().eval(bytes(script.getScriptAsString()), returnType(script), keys.size(),
				keysAndArgs(keys, args));
	}

	private static @Nullable Object evalSha(RedisConnection connection, RedisScript<?> script, List<byte[]> keys,
			Object... args) {
		byte[][] keysAndArgs = keysAndArgs(keys, args);
		try {
			return connection.scriptingCommands().evalSha(script.getSha1(), returnType(script), keys.size(),
					keysAndArgs);
		}
		catch (RuntimeException ex) {
			if (!isNoScript(ex)) {
				throw ex;
			}
			return connection.scriptingCommands().eval(bytes(script.getScriptAsString()), returnType(script),
					keys.size(), keysAndArgs);
		}
	}

	private static boolean isNoScript(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause.getMessage() != null && cause.getMessage().contains("NOSCRIPT")) {
				return true;
			}
		}
		return false;
	}

	private static ReturnType returnType(RedisScript<?> script) {
		return ReturnType.fromJavaType(script.getResultType());
	}

	private static byte[][] keysAndArgs(List<byte[]> keys, Object... args) {
		byte[][] keysAndArgs = new byte[keys.size() + args.length][];
		for (int i = 0; i < keys.size(); i++) {
			keysAndArgs[i] = keys.get(i);
		}
		for (int i = 0; i < args.length; i++) {
			keysAndArgs[keys.size() + i] = (args[i] instanceof byte[] raw) ? raw : bytes(String.valueOf(args[i]));
		}
		return keysAndArgs;
	}

	/**
	 * Runs commands as one MULTI/EXEC, pipelined so that the whole transaction is one round trip.
	 * @return the results of the commands, in order
	 */
	@SuppressWarnings("unchecked")
	private List<Object> transaction(Consumer<RedisConnection> commands) {
		List<Object> results = execute((connection) -> {
			connection.openPipeline();
			connection.multi();
			commands.accept(connection);
			connection.exec();
			return connection.closePipeline();
		});
		if (results == null || results.isEmpty() || !(results.get(0) instanceof List<?> exec)) {
			throw new HandoffException("Redis discarded the handoff transaction");
		}
		return (List<Object>) exec;
	}

	private long keyTtl() {
		return this.policy.ttl().plus(this.policy.deadLetterTtl()).toMillis();
	}

	Keys keys(String label) {
		return new Keys(this.namespace, label);
	}

	private static List<String> strings(Object list) {
		return ((List<?>) list).stream().map((id) -> string((byte[]) id)).toList();
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static String string(byte[] value) {
		return new String(value, StandardCharsets.UTF_8);
	}

	private static <T> RedisScript<T> script(String name, Class<T> resultType) {
		return RedisScript.of(new ClassPathResource(name, RedisHandoffStore.class), resultType);
	}

	private record Claimed(HandoffClaim claim, List<String> lapsed) {
	}

	/**
	 * Builds every key and channel name of one label.
	 */
	record Keys(String namespace, String label) {

		private byte[] key(String suffix) {
			return bytes(this.namespace + ":handoff:{" + this.label + "}:" + suffix);
		}

		byte[] pending() {
			return key("pending");
		}

		byte[] claim(String claimId) {
			return key("claim:" + claimId);
		}

		byte[] claims() {
			return key("claims");
		}

		byte[] owner() {
			return key("owner");
		}

		byte[] expiry() {
			return key("expiry");
		}

		byte[] attempts() {
			return key("attempts");
		}

		byte[] acked() {
			return key("acked");
		}

		byte[] dead() {
			return key("dead");
		}

		byte[] deadReasons() {
			return key("dead-reasons");
		}

		byte[] channel() {
			return key("notify");
		}

	}

	/**
	 * Turns notifications and (re)subscriptions into calls of the store's subscriber.
	 */
	private static final class Notifications implements MessageListener, SubscriptionListener {

		private final Map<String, String> labelsByChannel;

		private final Consumer<String> onAvailable;

		Notifications(Map<String, String> labelsByChannel, Consumer<String> onAvailable) {
			this.labelsByChannel = labelsByChannel;
			this.onAvailable = onAvailable;
		}

		@Override
		public void onMessage(Message message, byte @Nullable [] pattern) {
			notify(message.getChannel());
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			notify(channel);
		}

		private void notify(byte[] channel) {
			String label = this.labelsByChannel.get(string(channel));
			if (label != null) {
				this.onAvailable.accept(label);
			}
		}

	}

}
